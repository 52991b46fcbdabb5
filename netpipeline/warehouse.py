"""DuckDB warehouse access shared by every stage.

Each stage owns the DDL of its schema (raw, trials, quality, changes, digest) and calls
`ensure_schema` with it; this module only knows how to open the file and run a transaction.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb


def sql_str(text: str) -> str:
    """A SQL string literal (for the few values that cannot be bound as parameters: file lists, types)."""
    return "'" + text.replace("'", "''") + "'"


def connect(path: str | Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


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
