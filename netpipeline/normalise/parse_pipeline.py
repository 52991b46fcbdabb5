"""The threads around the writer of `versions.shred_requested`: a parser and an enricher, each
with its own cursor, handing Arrow batches over bounded queues (why: `versions.py`).

- parser: per batch of versions, one query reads the payloads straight from raw.study_payloads
  (rowid range pushed into the scan) and parses them with `json_transform` into an Arrow table,
  outside the writer's transaction (`_Batch.parse` checks it read exactly the versions asked for);
- enricher: the NET profiles and intervention classes of the batch's NET candidates
  (`enrich_batch`: SQL over the batch, then the Python rules).
"""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from netpipeline.normalise.enrichment_tables import Rows, enrich_batch
from netpipeline.normalise.study_json_type import parse_sql, payloads_sql

ARROW_CHUNK_ROWS = 1024
# Parsed batches the parser may hold ready ahead of the writer (and of the enricher): one is
# enough to keep the writer fed, and each costs ~85 MB.
PARSE_AHEAD = 1


@dataclass(frozen=True)
class Batch:
    """Versions to shred together: payload rowids (ascending) and their content hashes."""
    rowids: list[int]
    content_hashes: list[str]

    @classmethod
    def of(cls, rows: Sequence[tuple[int, str]]) -> Batch:
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


class _Stopped(Exception):
    """The pipeline is shutting down (another stage failed, or the writer left early)."""


class Pipeline:
    """Parser and enricher threads around the writer; see the module docstring.

    `parsed()` yields the parsed batches in order; `enriched()` then yields each batch's
    (profiles, classes). A failure in any stage is raised in the writer; leaving the `with`
    block (normally or not) stops and joins both threads and closes their cursors.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, batches: list[Batch]):
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

    def __enter__(self) -> Pipeline:
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
