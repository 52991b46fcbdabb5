"""Shred study versions (raw.study_payloads rows) into the trials_versions tables.

Per batch of versions: the payload text is copied into an Arrow table, one query parses it with
`json_transform` into a second Arrow table (the batch), then one INSERT ... SELECT per table
expands the batch. Each version is shredded once; re-running skips versions already in
trials_versions.studies.

Why Arrow tables held by Python rather than DuckDB temp tables:
- memory: inside one transaction DuckDB keeps a dropped temp table (or an unregistered view)
  until COMMIT, because a ROLLBACK could still need it, so per-batch temp tables pile up
  (~20 kB per study, ~2 GB at 100k studies). Python-held Arrow buffers are freed when the
  last reference goes;
- speed: DuckDB parallelises a table scan by row group (122,880 rows), so a payload table or
  temp table of one batch is read by one thread, whereas an Arrow table is scanned in parallel
  by record batch (ARROW_CHUNK_ROWS rows each).
"""
from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb

from netpipeline import warehouse
from netpipeline.normalise.enrichment_tables import enrich_versions
from netpipeline.normalise.enum_findings import record_enum_findings_sql
from netpipeline.normalise.shred_sql import shred_statements
from netpipeline.normalise.study_json_type import BATCH, PAYLOADS, parse_sql, payloads_sql
from netpipeline.normalise.trials_schema import VERSION_TABLES, ensure_trials_schema

# 10k versions is ~150 MB of JSON text (real records average 15 kB) plus ~70 MB parsed:
# per-statement overhead stays negligible and the process stays well under 2 GB.
BATCH_SIZE = 10_000
ARROW_CHUNK_ROWS = 1024
# DuckDB's own buffers during shredding; past this it writes to its temp directory. The
# inserted rows of the open transaction live there until COMMIT.
MEMORY_LIMIT = "1GB"

REQUESTED_TABLE = "_normalise_requested"   # content_hash: what the caller asked for
TODO_TABLE = "_normalise_todo"             # content_hash, payload_rowid: not yet shredded

_PARSE_SQL = parse_sql()
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
    con: duckdb.DuckDBPyConnection, batch_size: int = BATCH_SIZE
) -> dict[str, int]:
    """Shred the versions of temp table `_normalise_requested` that are not yet shredded.

    The caller holds the transaction (normalise_day also upserts normalised_days in it) and,
    for speed and bounded memory, `bulk_settings`. Raises LookupError if a requested hash has
    no payload in raw.study_payloads.
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
    rowids = [row[0] for row in con.execute(
        f"SELECT payload_rowid FROM {TODO_TABLE} ORDER BY payload_rowid").fetchall()]
    counts = {table: 0 for table in VERSION_TABLES}
    if rowids:
        for start in range(0, len(rowids), batch_size):
            batch = rowids[start:start + batch_size]
            contiguous = batch[-1] - batch[0] + 1 == len(batch)
            for table, inserted in _shred_batch(con, batch[0], batch[-1], contiguous).items():
                counts[table] += inserted
        findings = con.execute(record_enum_findings_sql(TODO_TABLE)).fetchall()
        counts["enum_findings"] = findings[0][0]
        shredded = [row[0] for row in
                    con.execute(f"SELECT content_hash FROM {TODO_TABLE}").fetchall()]
        counts.update(enrich_versions(con, shredded))
    con.execute(f"DROP TABLE {TODO_TABLE}")
    con.execute(f"DROP TABLE {REQUESTED_TABLE}")
    return counts


def _shred_batch(con: duckdb.DuckDBPyConnection, first_rowid: int, last_rowid: int,
                 contiguous: bool) -> dict[str, int]:
    sql = payloads_sql(TODO_TABLE, first_rowid, last_rowid, contiguous)
    payloads = con.sql(sql).to_arrow_table(batch_size=ARROW_CHUNK_ROWS)
    # relation.query(name, sql) runs `sql` with the Arrow table visible as `name`, without a
    # catalog entry (a registered view would keep the Arrow data alive until COMMIT).
    batch = con.from_arrow(payloads).query(PAYLOADS, _PARSE_SQL).to_arrow_table(
        batch_size=ARROW_CHUNK_ROWS)
    del payloads
    batch_relation = con.from_arrow(batch)
    counts = {}
    for table, select in _STATEMENTS.items():
        inserted = batch_relation.query(
            BATCH, f"INSERT INTO trials_versions.{table} BY NAME {select}")
        counts[table] = inserted.fetchall()[0][0]
    return counts


@contextmanager
def bulk_settings(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Engine settings for bulk shredding, restored afterwards (they are database-wide).

    Enter it outside the transaction: settings cannot be restored in an aborted transaction.

    - preserve_insertion_order=false: rows carry explicit ordinals, so inserts need not keep
      scan order, which lets them run in parallel without re-ordering buffers;
    - memory_limit: bounds DuckDB's buffers (see MEMORY_LIMIT); a lower limit set by the
      caller is kept.
    """
    before = dict(con.execute(
        "SELECT name, value FROM duckdb_settings() "
        "WHERE name IN ('preserve_insertion_order', 'memory_limit')").fetchall())
    con.execute("SET preserve_insertion_order = false")
    if _size_bytes(before["memory_limit"]) > _size_bytes(MEMORY_LIMIT):
        con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {before['preserve_insertion_order']}")
        # The setting reads back rounded ('18.8 GiB'): RESET restores the default exactly.
        if before["memory_limit"] == _default_memory_limit():
            con.execute("RESET memory_limit")
        else:
            con.execute(f"SET memory_limit = '{before['memory_limit']}'")


@functools.cache
def _default_memory_limit() -> str:
    with duckdb.connect() as fresh:
        return fresh.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]


_UNITS = {"b": 1, "bytes": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}


def _size_bytes(setting: str) -> float:
    """'18.8 GiB' / '1GB' -> bytes (DuckDB's memory_limit format)."""
    text = setting.strip().lower()
    number = text.rstrip("abcdefghijklmnopqrstuvwxyz ")
    unit = text[len(number):].strip() or "b"
    return float(number) * _UNITS[unit]
