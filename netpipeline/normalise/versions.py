"""Shred study versions (raw.study_payloads rows) into the trials_versions tables.

Everything is written by ONE transaction, held by the caller's connection (the writer), so a
failure leaves nothing behind. Around it, a three-stage pipeline keeps both cores busy (the
parser and enricher threads: `parse_pipeline.py`):

- parser (a thread with its own cursor): per batch of versions, one query reads the payloads
  straight from raw.study_payloads (rowid range pushed into the scan) and parses them with
  `json_transform` into an Arrow table (the batch, study_json_type.parse_sql), with the
  dearest derived columns (eligibility sections, site keys) already computed. It runs
  outside the writer's transaction: it only reads raw rows that were committed before the
  to-do list was taken, and the writer checks that each batch holds exactly the versions
  it asked for;
- enricher (a thread with its own cursor): the NET profiles and intervention classes of the
  batch's NET candidates (`enrich_batch`: SQL over the batch, then the Python rules);
- writer (the calling thread, in the transaction): one INSERT ... SELECT per table from the
  batch, the empty profiles of non-candidates, then, once all batches are in, the
  candidates' enrichment rows and the enum findings.

DuckDB releases the GIL while it runs a query, so the parser's and the writer's queries run
in parallel, and the Python rules run while DuckDB works.

Why one transaction rather than several in parallel (one per batch, per worker, or per
group of tables; all measured at 100k studies, see benchmarks/bench_normalise.py):
- DuckDB writes the rows a transaction appends straight to the table's storage (compressed
  once) only when the table is empty or the transaction appends at least a row group
  (122,880 rows) to it; smaller commits go through the WAL and are compressed again at the
  checkpoint: per-batch commits took ~25% more CPU and gave a 60% larger file, two workers
  with a transaction each ~45% more CPU;
- DuckDB serialises commits, so transactions committing side by side do not spread the
  commit's work (compressing what is still in memory) over the cores either;
- and one transaction needs no clean-up of orphan rows after a failure.

Why Arrow tables rather than DuckDB temp tables for the batch: a temp table is private to its
connection, so the parser could not hand it over; and inside one transaction DuckDB keeps a
dropped temp table until COMMIT. Python-held Arrow buffers are freed when the last reference
goes, so memory stays bounded by the few batches in flight.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from netpipeline import warehouse
from netpipeline.normalise.batch import BATCH, on_batch
from netpipeline.normalise.enrichment_tables import empty_profiles_sql, insert_rows
from netpipeline.normalise.enum_findings import record_enum_findings_sql
from netpipeline.normalise.parse_pipeline import Batch, Pipeline
from netpipeline.normalise.shred_sql import shred_statements
from netpipeline.normalise.trials_schema import VERSION_TABLES, ensure_trials_schema

# 10k versions is ~150 MB of JSON text (real records average 15 kB) and ~85 MB parsed
# (Arrow). Larger batches were no faster; smaller ones add per-statement overhead.
BATCH_SIZE = 10_000
# DuckDB's own buffers during shredding (a lower limit set by the caller is kept). The rows
# of the open transaction that are not yet written to the file (each table's last, partial
# row group: all of studies and eligibilities at 100k new versions) stay in memory until
# COMMIT; past the limit DuckDB spills them to its temp directory and reads them back, and
# evicts the raw payload blocks the parser reads. That churn costs CPU: at 100k, with no
# limit (2.3 GB peak RSS) the pipeline took ~20% less CPU than at 1.3 GB. But the step runs
# after the ingest in the same process (~0.5 GB already held) and the Arrow batches in flight
# come on top (~100 MB each): at 300,000 new versions 1.3 GB gave a 2.1 GB peak and 1.2 GB
# 2.0 GB, at the 2 GB budget. 1 GB leaves a margin for a little speed.
MEMORY_LIMIT = "1000MB"

REQUESTED_TABLE = "_normalise_requested"   # content_hash: what the caller asked for
TODO_TABLE = "_normalise_todo"             # content_hash, payload_rowid: not yet shredded

_STATEMENTS = shred_statements()


def normalise_versions(
    con: duckdb.DuckDBPyConnection, content_hashes: Sequence[str] | None = None
) -> dict[str, int]:
    """Shred `content_hashes` (default: every payload in raw) not yet shredded.

    Runs in its own transaction (all-or-nothing) and returns rows inserted per
    trials_versions table; `studies` is the number of versions shredded.
    """
    ensure_trials_schema(con)
    with bulk_settings(con), warehouse.transaction(con):
        if content_hashes is None:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {REQUESTED_TABLE} AS "
                        "SELECT DISTINCT content_hash FROM raw.study_payloads")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE {REQUESTED_TABLE} AS "
                        "SELECT DISTINCT unnest(?::VARCHAR[]) AS content_hash",
                        [list(content_hashes)])
        return shred_requested(con)


def shred_requested(
    con: duckdb.DuckDBPyConnection, batch_size: int | None = None
) -> dict[str, int]:
    """Shred the versions of temp table `_normalise_requested` that are not yet shredded.

    The caller holds the transaction (normalise_day also upserts normalised_days in it) and,
    for speed and bounded memory, `bulk_settings`. The payloads are read by a separate
    connection, so they must be committed (raw is written by the ingest stage, before).
    Raises LookupError if a requested hash has no payload in raw.study_payloads.
    """
    missing = con.execute(
        f"SELECT content_hash FROM {REQUESTED_TABLE} "
        "WHERE content_hash NOT IN (SELECT content_hash FROM raw.study_payloads) LIMIT 5"
    ).fetchall()
    if missing:
        raise LookupError(
            "no raw.study_payloads row for content_hash " + ", ".join(row[0] for row in missing)
        )
    # min(rowid): one payload per hash even if raw ever held a duplicate.
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE {TODO_TABLE} AS
        SELECT content_hash, min(rowid) AS payload_rowid FROM raw.study_payloads
        WHERE content_hash IN (SELECT content_hash FROM {REQUESTED_TABLE})
          AND content_hash NOT IN (SELECT content_hash FROM trials_versions.studies)
        GROUP BY content_hash"""
    )
    todo = con.execute(
        f"SELECT payload_rowid, content_hash FROM {TODO_TABLE} ORDER BY payload_rowid").fetchall()
    counts = {table: 0 for table in VERSION_TABLES}
    if todo:
        batches = [Batch.of(rows) for rows in _batches(todo, batch_size or BATCH_SIZE)]
        candidates = 0
        with Pipeline(con, batches) as pipeline:
            for batch in pipeline.parsed():
                for table, inserted in _insert_batch(con, batch).items():
                    counts[table] += inserted
            for profiles, classes in pipeline.enriched():
                candidates += profiles.count
                counts["net_profile"] += insert_rows(con, profiles)
                counts["intervention_classes"] += insert_rows(con, classes)
        counts["net_candidates"] = candidates
        counts["enum_findings"] = sum(con.execute(insert).fetchall()[0][0]
                                      for insert in record_enum_findings_sql(TODO_TABLE))
    con.execute(f"DROP TABLE {TODO_TABLE}")
    con.execute(f"DROP TABLE {REQUESTED_TABLE}")
    return counts


def _batches(todo: list, size: int) -> Iterator[list]:
    """`todo` in batches of `size`, the first one a fifth of that: the writer waits for the
    first batch to be parsed, so a small one gets it going sooner."""
    first = max(1, size // 5)
    yield todo[:first]
    for start in range(first, len(todo), size):
        yield todo[start:start + size]


def _insert_batch(con: duckdb.DuckDBPyConnection, batch: pa.Table) -> dict[str, int]:
    counts = {}
    for table, select in _STATEMENTS.items():
        inserted = on_batch(con, batch, f"INSERT INTO trials_versions.{table} BY NAME {select}")
        counts[table] = inserted.fetchall()[0][0]
    inserted = on_batch(con, batch, "INSERT INTO trials_versions.net_profile BY NAME "
                        + empty_profiles_sql(BATCH, "WHERE NOT net_candidate"))
    counts["net_profile"] = inserted.fetchall()[0][0]
    return counts


@contextmanager
def bulk_settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Engine settings for bulk shredding, restored afterwards (they are database-wide).

    Enter it outside the transaction: settings cannot be restored in an aborted transaction.

    - preserve_insertion_order=false: rows carry explicit ordinals, so inserts need not keep
      scan order, which lets them run in parallel without re-ordering buffers;
    - write_buffer_row_group_count=1: a table's full row group of new rows is compressed and
      written to the file as soon as it is complete (default: once 5 are buffered, which at
      100k versions only browse_conditions reaches), so it is done beside the parser instead
      of in the serial COMMIT and no longer held (and spilled) in memory: COMMIT 3.7 -> 3.0 s;
    - memory_limit: bounds DuckDB's buffers (see MEMORY_LIMIT); a lower limit set by the
      caller is kept.
    """
    settings = {"preserve_insertion_order": "false", "write_buffer_row_group_count": "1"}
    before = {name: con.execute(f"SELECT current_setting('{name}')").fetchall()[0][0]
              for name in settings}
    for name, value in settings.items():
        con.execute(f"SET {name} = {value}")
    try:
        with warehouse.memory_limit_at_most(con, MEMORY_LIMIT):
            yield
    finally:
        for name, value in before.items():
            con.execute(f"SET {name} = {value}")
