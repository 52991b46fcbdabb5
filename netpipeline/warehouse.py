"""DuckDB warehouse access shared by every stage.

Each stage owns the DDL of its schema (raw, trials, quality, changes, digest) and calls
`ensure_schema` with it; this module only knows how to open the file and run a transaction.
"""
from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import duckdb


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
    con.execute("COMMIT")


def ensure_schema(con: duckdb.DuckDBPyConnection, ddl: str) -> None:
    """Run idempotent DDL (CREATE ... IF NOT EXISTS / CREATE OR REPLACE VIEW)."""
    con.execute(ddl)
