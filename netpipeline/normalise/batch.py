"""The parsed batch as SQL sees it: its name, the one function that lets a statement read it,
and the NET prefilter column the parser computes.

A leaf module (it imports only the warehouse helpers and the NET vocabulary), so the parser
(`study_json_type`), the shredder (`shred_sql`, `versions`) and the enrichment
(`enrichment_tables`) all depend on it and not on each other.
"""
from __future__ import annotations

import duckdb
import pyarrow as pa

from netpipeline.normalise.enrich.net_terms import NET_CANDIDATE_PATTERN
from netpipeline.warehouse import sql_str

# Name under which the shredding and enrichment SQL reads the parsed batch.
BATCH = "_normalise_batch"


def on_batch(con: duckdb.DuckDBPyConnection, batch: pa.Table, sql: str) -> duckdb.DuckDBPyConnection:
    """Execute `sql` with the Arrow table `batch` readable as BATCH; returns the cursor.

    The one place that binds the name: DuckDB's replacement scan finds the local variable
    below (checked against BATCH at import). The alternatives measured worse: `register`
    inside the writer's transaction keeps every batch alive until COMMIT (all of a 300k-study
    day), and a relation's `query(BATCH, ...)` reports "transaction is aborted" instead of
    the statement's own error.
    """
    _normalise_batch = batch  # noqa: F841 - read by name (BATCH) from the SQL
    return con.execute(sql)


assert BATCH in on_batch.__code__.co_varnames, "on_batch must bind the batch under the name BATCH"


def net_candidate_sql(identification: str, conditions: str, condition_browse: str) -> str:
    """SQL boolean over one parsed study (the module expressions given): true when
    NET_CANDIDATE_PATTERN matches its conditions, keywords, direct MeSH terms or titles, each
    group joined with ' | ' exactly as enrichment_tables' candidate query joins the
    normalised rows."""
    pattern = sql_str(NET_CANDIDATE_PATTERN)
    texts = (
        f"array_to_string({conditions}.conditions, ' | ')",
        f"array_to_string({conditions}.keywords, ' | ')",
        f"array_to_string(list_transform({condition_browse}.meshes, lambda m: m.term), ' | ')",
        f"concat_ws(' | ', {identification}.briefTitle, {identification}.officialTitle)",
    )
    return "coalesce(" + " OR ".join(f"regexp_matches({t}, {pattern})" for t in texts) + ", false)"
