"""Shred study versions (raw.study_payloads rows) into the trials_versions tables.

Everything is written by ONE transaction, held by the caller's connection (the writer), so a
failure leaves nothing behind. Around it, a three-stage pipeline keeps both cores busy:

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

import queue
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from netpipeline import warehouse
from netpipeline.normalise.enrichment_tables import Rows, empty_profiles_sql, enrich_batch, insert_rows
from netpipeline.normalise.enum_findings import record_enum_findings_sql
from netpipeline.normalise.shred_sql import shred_statements
from netpipeline.normalise.batch import BATCH, on_batch
from netpipeline.normalise.study_json_type import parse_sql, payloads_sql
from netpipeline.normalise.trials_schema import VERSION_TABLES, ensure_trials_schema

# 10k versions is ~150 MB of JSON text (real records average 15 kB) and ~85 MB parsed
# (Arrow). Larger batches were no faster; smaller ones add per-statement overhead.
BATCH_SIZE = 10_000
ARROW_CHUNK_ROWS = 1024
# Parsed batches the parser may hold ready ahead of the writer (and of the enricher): one is
# enough to keep the writer fed, and each costs ~85 MB.
PARSE_AHEAD = 1
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
        batches = [_Batch.of(rows) for rows in _batches(todo, batch_size or BATCH_SIZE)]
        candidates = 0
        with _Pipeline(con, batches) as pipeline:
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


@dataclass(frozen=True)
class _Batch:
    """Versions to shred together: payload rowids (ascending) and their content hashes."""
    rowids: list[int]
    content_hashes: list[str]

    @classmethod
    def of(cls, rows: Sequence[tuple[int, str]]) -> _Batch:
        return cls([row[0] for row in rows], [row[1] for row in rows])

    def parse(self, cursor: duckdb.DuckDBPyConnection) -> pa.Table:
        first, last = self.rowids[0], self.rowids[-1]
        contiguous = last - first + 1 == len(self.rowids)
        relation = cursor.sql(
            parse_sql(payloads_sql(first, last, contiguous)),
            params=None if contiguous else {"rowids": self.rowids})
        parsed = relation.to_arrow_table(batch_size=ARROW_CHUNK_ROWS)
        # The parser reads outside the writer's transaction: make sure it read exactly the
        # versions of the to-do list (raw is append-only, so this never fails in practice).
        if sorted(parsed.column("content_hash").to_pylist()) != sorted(self.content_hashes):
            raise RuntimeError(
                f"raw.study_payloads rowids {first}..{last} do not hold the versions to shred "
                "as committed data: raw changed while normalising, or the caller's transaction "
                "holds uncommitted payloads")
        return parsed


def _insert_batch(con: duckdb.DuckDBPyConnection, batch: pa.Table) -> dict[str, int]:
    counts = {}
    for table, select in _STATEMENTS.items():
        inserted = on_batch(con, batch, f"INSERT INTO trials_versions.{table} BY NAME {select}")
        counts[table] = inserted.fetchall()[0][0]
    inserted = on_batch(con, batch, "INSERT INTO trials_versions.net_profile BY NAME "
                        + empty_profiles_sql(BATCH, "WHERE NOT net_candidate"))
    counts["net_profile"] = inserted.fetchall()[0][0]
    return counts


class _Stopped(Exception):
    """The pipeline is shutting down (another stage failed, or the writer left early)."""


class _Pipeline:
    """Parser and enricher threads around the writer; see the module docstring.

    `parsed()` yields the parsed batches in order; `enriched()` then yields each batch's
    (profiles, classes). A failure in any stage is raised in the writer; leaving the `with`
    block (normally or not) stops and joins both threads and closes their cursors.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, batches: list[_Batch]):
        self._batches = batches
        self._stop = threading.Event()
        self._errors: list[BaseException] = []
        self._parsed: queue.Queue = queue.Queue(maxsize=PARSE_AHEAD)
        self._to_enrich: queue.Queue = queue.Queue(maxsize=PARSE_AHEAD)
        self._enriched: queue.Queue = queue.Queue()
        # A cursor is a new connection to the same database: it starts in the default
        # catalog, so point it at the caller's (the caller may have run USE).
        database = con.execute("SELECT current_database()").fetchall()[0][0]
        self._cursors = [con.cursor(), con.cursor()]
        for cursor in self._cursors:
            cursor.execute(f'USE "{database.replace(chr(34), chr(34) * 2)}"')
        self._threads = [
            threading.Thread(target=self._guarded, args=(self._parse_all,),
                             name="normalise-parser", daemon=True),
            threading.Thread(target=self._guarded, args=(self._enrich_all,),
                             name="normalise-enricher", daemon=True),
        ]

    def __enter__(self) -> _Pipeline:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        for cursor in self._cursors:
            try:
                cursor.interrupt()
            except duckdb.Error:
                pass
        for thread in self._threads:
            thread.join()
        for cursor in self._cursors:
            cursor.close()

    def parsed(self) -> Iterator[pa.Table]:
        for _ in self._batches:
            yield self._get(self._parsed)

    def enriched(self) -> Iterator[tuple[Rows, Rows]]:
        for _ in self._batches:
            yield self._get(self._enriched)

    # -- stages ------------------------------------------------------------------------------
    def _guarded(self, stage) -> None:
        try:
            stage()
        except _Stopped:
            pass
        except BaseException as error:  # noqa: BLE001 - re-raised in the writer
            self._errors.append(error)
            self._stop.set()

    def _parse_all(self) -> None:
        cursor = self._cursors[0]
        for batch in self._batches:
            parsed = batch.parse(cursor)
            self._put(self._to_enrich, parsed)
            self._put(self._parsed, parsed)

    def _enrich_all(self) -> None:
        cursor = self._cursors[1]
        for _ in self._batches:
            parsed = self._get(self._to_enrich)
            self._put(self._enriched, enrich_batch(cursor, parsed))

    # -- hand-over ---------------------------------------------------------------------------
    def _put(self, channel: queue.Queue, item) -> None:
        while True:
            if self._stop.is_set():
                raise _Stopped
            try:
                channel.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def _get(self, channel: queue.Queue):
        while True:
            if self._errors:
                raise self._errors[0]
            if self._stop.is_set():
                raise _Stopped
            try:
                return channel.get(timeout=0.05)
            except queue.Empty:
                continue


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
