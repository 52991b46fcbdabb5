"""Staging of a day's pages while it is pulled: Parquet files beside the warehouse, one per page.

A 300,000-study day is ~5 GB of JSON: pages are written out as they arrive, so memory holds
at most the page being staged and the next one (fetched, parsed and hashed by a background
thread meanwhile). raw_store swaps the day in from these files once the pull is complete.

A pull killed mid-way (kill -9, OOM) leaves its folder behind; the next pull of the same
warehouse removes it (`remove_leftovers`). The folder's name says whose it is
(`.raw-staging-<pid>-<warehouse file name>-<random>`), and a pull stages only while it holds the
warehouse's writer connection, which DuckDB grants one process at a time. So the pull starting
now, holding that connection, owns every staging folder of its warehouse except those of live
pulls in its own process (registered in `_LIVE`); folders of other warehouses in the same
folder are left alone. Folders named before owners were recorded (`.raw-staging-<random>`) are
removed only when no other DuckDB file shares the folder.
"""
from __future__ import annotations

import gc
import hashlib
import logging
import os
import queue
import re
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from netpipeline.ingest.page_parser import ServedStudy
from netpipeline.warehouse import sql_str

STAGING_ARROW_SCHEMA = pa.schema([
    ("nct_id", pa.string()),
    ("content_hash", pa.string()),
    ("served_sha256", pa.string()),
    ("payload", pa.string()),          # NULL when the content is already stored
    ("payload_bytes", pa.int32()),
    ("version_holder", pa.string()),
    ("last_update_post_date", pa.string()),
])

_DUCKDB_TYPES = {pa.string(): "VARCHAR", pa.int32(): "INTEGER"}
_EMPTY_STAGING = "(SELECT " + ", ".join(
    f"NULL::{_DUCKDB_TYPES[field.type]} AS {field.name}" for field in STAGING_ARROW_SCHEMA) + " WHERE false)"


def page_table(studies: list[ServedStudy], known_hashes: set[str] | frozenset[str]) -> pa.Table:
    """The staging rows of a page; the payload is left out (NULL) for contents in `known_hashes`."""
    sha256 = hashlib.sha256
    payloads = [None if s.content_hash in known_hashes else s.raw for s in studies]
    # binary -> string validates the UTF-8 and keeps the bytes exactly as served.
    payload_column = pa.array(payloads, type=pa.binary()).cast(pa.string())
    return pa.Table.from_arrays(
        [pa.array([s.nct_id for s in studies], pa.string()),
         pa.array([s.content_hash for s in studies], pa.string()),
         pa.array([sha256(s.raw).hexdigest() for s in studies], pa.string()),
         payload_column,
         pa.array([len(s.raw) for s in studies], pa.int32()),
         pa.array([s.version_holder for s in studies], pa.string()),
         pa.array([s.last_update_post_date for s in studies], pa.string())],
        schema=STAGING_ARROW_SCHEMA,
    )


_PREFIX = ".raw-staging-"
_OWNED = re.compile(r"^\.raw-staging-(?P<pid>\d+)-(?P<warehouse>.+)-[a-z0-9_]+$")
_UNOWNED = re.compile(r"^\.raw-staging-[a-z0-9_]+$")   # mkdtemp's random part has no dash
_LIVE: set[Path] = set()                                # staging folders of pulls running in this process
_LIVE_LOCK = threading.Lock()


def remove_leftovers(warehouse: Path) -> list[Path]:
    """Remove the staging folders that killed pulls of `warehouse` left beside it. Call it only
    while holding the warehouse's writer connection (see the module's docstring)."""
    parent = warehouse.parent
    removed = []
    with _LIVE_LOCK:
        for entry in parent.glob(_PREFIX + "*"):
            owned = _OWNED.match(entry.name)
            if owned:
                if owned["warehouse"] != warehouse.name or entry in _LIVE:
                    continue
            elif not _UNOWNED.match(entry.name) or any(p != warehouse for p in parent.glob("*.duckdb")):
                continue
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    for entry in removed:
        owner = _OWNED.match(entry.name)
        logging.getLogger(__name__).warning(
            f"removed {entry}, the staging of a pull that did not finish"
            + (f" (process {owner['pid']}, gone or no longer holding {warehouse.name})" if owner else ""))
    return removed


class Staging:
    """One Parquet file per page in a private folder next to the warehouse file (same disk).
    Creating it removes what killed pulls of the same warehouse left (`remove_leftovers`)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
        warehouse = Path(row[0]).resolve() if row and row[0] else None
        self.leftovers_removed = remove_leftovers(warehouse) if warehouse else []
        prefix = f"{_PREFIX}{os.getpid()}-{warehouse.name}-" if warehouse else _PREFIX
        with _LIVE_LOCK:
            self.dir = Path(tempfile.mkdtemp(prefix=prefix, dir=warehouse.parent if warehouse else None))
            _LIVE.add(self.dir)
        self.files: list[str] = []

    def add(self, table: pa.Table) -> None:
        path = self.dir / f"page-{len(self.files):06d}.parquet"
        # zstd level 1: ~5x smaller than the JSON and faster to write than snappy on this data.
        pq.write_table(table, path, compression="zstd", compression_level=1)
        self.files.append(str(path))

    def relation(self) -> str:
        """SQL for the staged rows, in pull order (an empty relation of the same columns if none)."""
        if self.files:
            return "read_parquet([" + ", ".join(sql_str(f) for f in self.files) + "])"
        return _EMPTY_STAGING

    def remove(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        with _LIVE_LOCK:
            _LIVE.discard(self.dir)


def prefetched(pages: Iterable) -> Iterator:
    """Iterate `pages` in a background thread, one page ahead: the next page is fetched and
    parsed (sockets and zstd release the GIL) while this one is hashed and staged, and never
    more than two pages are alive. Errors of the fetching thread are re-raised here."""
    done = object()
    handed: queue.Queue = queue.Queue()
    may_fetch = threading.Semaphore(1)
    stop = threading.Event()

    def produce() -> None:
        source = iter(pages)
        try:
            while True:
                may_fetch.acquire()
                if stop.is_set():
                    return
                item = next(source, done)
                # httpx leaves each response in a reference cycle (response <-> its stream) that
                # holds the 16 MB body. It is garbage now that the page is parsed: a young
                # collection (~3 ms) frees it before another collection can promote it to the
                # old generation, where it would wait for a full collection.
                gc.collect(1)
                handed.put((True, item))
                if item is done:
                    return
                item = None
        except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
            handed.put((False, exc))

    worker = threading.Thread(target=produce, name="raw-store-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            ok, item = handed.get()
            if not ok:
                raise item
            if item is done:
                return
            may_fetch.release()  # fetch the next page while the caller works on this one
            yield item
            item = None
    finally:
        stop.set()
        may_fetch.release()
        worker.join()
