"""Integrity probe of the warehouse file, run when a step opens it for writing.

A damaged file (truncated by a full disk, a copy cut short, a bad restore) must be refused before
anything is written to it: DuckDB opens a truncated file and answers queries whose blocks happen
to be present, then fails mid-run with "Could not read enough bytes" while the next day's rows are
already written into the damage. The probe is cheap (milliseconds, measured in
docs/warehouse.md): the file holds every block DuckDB has in use, and the catalogue and the
latest day of each schema read back (DuckDB verifies the checksum of every block it reads).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import duckdb

from netpipeline.settings import setting
from netpipeline.warehouse import connect

_HEADER_BYTES = 3 * 4096   # DuckDB's file header and its two database headers, before the blocks
# The latest day of each schema that has one: reading it touches the tables' newest blocks.
_LATEST_DAYS = (("raw", "pulls"), ("trials_versions", "normalised_days"), ("quality", "check_results"),
                ("changes", "days"), ("digest", "deliveries"))
_SAMPLED = (("raw", "study_payloads"), ("trials_versions", "studies"), ("changes", "events"))


class WarehouseDamagedError(RuntimeError):
    """The warehouse file is damaged: the run is refused before it writes anything."""


def damage_message(path: str | Path, problem: str) -> str:
    published = Path(setting("NETPIPELINE_PUBLISHED_WAREHOUSE"))
    where = "" if published.exists() else "; none there yet"
    return (f"The warehouse file {path} is damaged: {problem}. Nothing was written to it. Restore it: stop "
            f"every run, move the damaged file aside and copy a good one in its place, either from a backup or "
            f"from the published copy {published} (NETPIPELINE_PUBLISHED_WAREHOUSE{where}), the natural backup: "
            f"the warehouse as of its last published day. Then re-run the days after the restored copy's latest "
            f"day.")


_DAMAGE_SIGNS = ("could not read enough bytes", "checksum", "corrupt", "not a valid duckdb database")


def damage_from_open_error(path: str | Path, error: duckdb.Error) -> WarehouseDamagedError | None:
    """The error DuckDB raised while opening the file, in words, when it is a sign of damage (a
    lock held by another process is not: that one passes through as it is)."""
    text = str(error)
    if any(sign in text.lower() for sign in _DAMAGE_SIGNS):
        return WarehouseDamagedError(damage_message(path, f"DuckDB could not open it ({type(error).__name__}: {text})"))
    return None


def check_file(path: str | Path) -> None:
    """Before DuckDB opens it: the file starts with a DuckDB header (no DuckDB needed)."""
    path = Path(path)
    if str(path) in ("", ":memory:") or not path.exists():
        return
    with path.open("rb") as f:
        head = f.read(_HEADER_BYTES)
    if len(head) < _HEADER_BYTES or head[8:12] != b"DUCK":
        raise WarehouseDamagedError(damage_message(
            path, f"it is {path.stat().st_size:,} bytes long and does not start with a DuckDB header"))


def open_checked(path: str | Path, connect: Callable[[], duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    """`connect()` to the warehouse file `path` and probe it; a damaged file raises
    WarehouseDamagedError with the connection closed, before anything is written."""
    check_file(path)
    try:
        con = connect()
    except duckdb.Error as exc:
        damaged = damage_from_open_error(path, exc)
        if damaged is None:
            raise
        raise damaged from exc
    try:
        probe(con, path)
    except BaseException:
        con.close()
        raise
    return con


def open_for_writing(path: str | Path, wait_s: float, config: dict | None = None,
                     log: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the warehouse for writing, waiting for another process's lock as `warehouse.connect`
    does, and probe it (open_checked)."""
    return open_checked(path, lambda: connect(path, lock_wait_s=wait_s, config=config, log=log))


def probe(con: duckdb.DuckDBPyConnection, path: str | Path) -> None:
    """Raise WarehouseDamagedError when the warehouse `con` just opened (file `path`) is damaged.

    The file must hold every block in use: DuckDB's header counts its blocks, free ones included
    (a checkpoint may cut free blocks off the end after writing the header), so the test is that
    the used blocks, and the highest metadata block, fit in the file. Then the catalogue and the
    latest day of each schema must read back.
    """
    if str(path) in ("", ":memory:") or not Path(path).exists():
        return
    check_file(path)
    try:
        _, _, block_size, total_blocks, used_blocks, *_ = con.execute("PRAGMA database_size").fetchone()
        highest_metadata = con.execute("SELECT max(block_id) FROM pragma_metadata_info()").fetchone()[0]
        file_blocks = max(0, Path(path).stat().st_size - _HEADER_BYTES) // int(block_size)
        needed = max(int(used_blocks or 0), int(highest_metadata) + 1 if highest_metadata is not None else 0)
        if file_blocks < needed:
            raise WarehouseDamagedError(damage_message(
                path, f"it holds {file_blocks:,} blocks of {block_size:,} bytes but {needed:,} are in use "
                      f"({total_blocks:,} counted by its header): it was cut short"))
        tables = {tuple(r) for r in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
        for schema, table in _LATEST_DAYS:
            if (schema, table) in tables:
                con.execute(f"SELECT max(snapshot_date), count(*) FROM {schema}.{table}").fetchall()
        for schema, table in _SAMPLED:
            if (schema, table) in tables:
                con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchall()   # row-group metadata only
    except duckdb.Error as exc:
        raise WarehouseDamagedError(damage_message(path, f"reading it back failed ({type(exc).__name__}: {exc})")) from exc
