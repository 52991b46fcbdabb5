"""DuckDB warehouse access shared by every stage.

Each stage owns the DDL of its schema (raw, trials, quality, changes, digest) and calls
`ensure_schema` with it; this module only knows how to open the file and run a transaction.
"""
from __future__ import annotations

import functools
import logging
import re
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import duckdb

from netpipeline.settings import seconds_setting, setting


def sql_str(text: str) -> str:
    """A SQL string literal (for the few values that cannot be bound as parameters: file lists, types)."""
    return "'" + text.replace("'", "''") + "'"


# DuckDB's words when another process holds the file (it names the holder's program and PID).
_LOCK_CONFLICT = re.compile(r"Could not set lock on file .*?Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseLockedError(RuntimeError):
    """Another process held the working warehouse for longer than the pipeline waits."""


def connect(path: str | Path, read_only: bool = False, *, lock_wait_s: float | None = None,
            config: dict | None = None, log: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse. Every writer (each pipeline step, the digest's short blocks, the CLI)
    opens it here: while another process holds the file, retry for at most `lock_wait_s` seconds
    (default NETPIPELINE_WAREHOUSE_LOCK_WAIT_S; said once to `log`), then fail naming the file,
    the holder and the published copy. A reader opens it read-only, at once or not at all."""
    path = Path(path)
    if read_only:
        return duckdb.connect(str(path), read_only=True, config=config or {})
    path.parent.mkdir(parents=True, exist_ok=True)
    wait_s = seconds_setting("NETPIPELINE_WAREHOUSE_LOCK_WAIT_S") if lock_wait_s is None else lock_wait_s
    log = log or logging.getLogger(__name__).warning
    started = time.monotonic()
    said = False
    while True:
        try:
            return duckdb.connect(str(path), read_only=False, config=config or {})
        except duckdb.IOException as exc:
            holder = _LOCK_CONFLICT.search(str(exc))
            if holder is None:
                raise
            waited = time.monotonic() - started
            who = f"{holder['program']} (PID {holder['pid']})"
            if waited >= wait_s:
                raise WarehouseLockedError(
                    f"the warehouse {path} is held by another process, {who}; gave up after {waited:.0f} s "
                    f"(NETPIPELINE_WAREHOUSE_LOCK_WAIT_S={wait_s:g}) and wrote nothing. Readers should open the "
                    f"published copy {setting('NETPIPELINE_PUBLISHED_WAREHOUSE')} (read-only) or the Parquet tables "
                    f"under {setting('NETPIPELINE_PUBLISHED_PARQUET')} instead of the working file; close PID "
                    f"{holder['pid']}'s connection, then run again.") from None
            if not said:
                log(f"the warehouse {path} is held by {who}; waiting up to {wait_s:g} s for it")
                said = True
            time.sleep(min(0.5, max(wait_s - waited, 0.01)))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """All-or-nothing: a failure inside leaves the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    commit(con)


def commit(con: duckdb.DuckDBPyConnection) -> None:
    # A function of its own (looked up at each commit) so benchmarks/bench_normalise.py can time it.
    con.execute("COMMIT")


def ensure_schema(con: duckdb.DuckDBPyConnection, ddl: str) -> None:
    """Run idempotent DDL (CREATE ... IF NOT EXISTS / CREATE OR REPLACE VIEW)."""
    con.execute(ddl)


@contextmanager
def memory_limit_at_most(con: duckdb.DuckDBPyConnection, limit: str) -> Iterator[None]:
    """Lower DuckDB's memory_limit to `limit` (a lower one set by the caller is kept), restoring it
    afterwards: it is database-wide. Enter it outside a transaction (an aborted one cannot restore)."""
    before = con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    lower = _size_bytes(before) > _size_bytes(limit)
    if lower:
        con.execute(f"SET memory_limit = '{limit}'")
    try:
        yield
    finally:
        if lower:
            # The setting reads back rounded ('18.8 GiB'): RESET restores the default exactly.
            con.execute("RESET memory_limit" if before == _default_memory_limit() else f"SET memory_limit = '{before}'")


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
