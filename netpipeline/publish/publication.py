"""One publication: the warehouse copy, then the open tables, and what readers get."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb

from netpipeline.publish.parquet_tables import ParquetReport, publish_parquet
from netpipeline.publish.warehouse_copy import WarehouseCopy, publish_copy
from netpipeline.storage_errors import is_storage_error, publication_storage_error


@dataclass(frozen=True)
class Publication:
    day: date
    copy: WarehouseCopy
    parquet: ParquetReport
    days: list[date]            # normalised days in the copy
    change_log_days: list[date]
    digest_days: list[date]     # days with rows in digest.deliveries
    tables: int                 # base tables and views in the copy
    seconds: float

    def summary(self) -> str:
        return (f"{self.day}: published {self.copy.path} ({self.copy.bytes / 1e6:,.1f} MB, {len(self.days)} day(s), "
                f"{self.tables} tables, {self.copy.seconds:.2f} s) and {self.parquet.files_written} Parquet file(s) under "
                f"{self.parquet.root} ({self.parquet.files_unchanged} unchanged) in {self.seconds:.2f} s")


def publish_day(con: duckdb.DuckDBPyConnection, day: date, published: Path, parquet_root: Path) -> Publication:
    """Publish the warehouse as it is now for readers (`day`: the partition whose run publishes)."""
    started = time.perf_counter()
    previous = _previous_copy(published)
    try:
        copy = publish_copy(con, published)
    except OSError as exc:   # a DuckDB error here is the working warehouse's (CHECKPOINT): WarehouseResource's
        if not is_storage_error(exc):
            raise
        raise publication_storage_error(con, day, f"the published copy {published}", published.parent,
                                        exc, previous) from exc
    parquet = ParquetReport(parquet_root)
    try:
        publish_parquet(con, parquet_root, parquet)
    except (OSError, duckdb.Error) as exc:   # COPY ... TO a file on a full disk is a DuckDB IO error
        if not is_storage_error(exc):
            raise
        raise publication_storage_error(
            con, day, f"the open tables under {parquet_root}", parquet_root, exc,
            f"The published copy {published} is new (it holds {day}). Of the open tables, {parquet.files_written} "
            "file(s) were replaced before the error and the others are the previous publication's; the span map "
            "readers join on is written last, so each open span finds its version.") from exc
    return Publication(
        day=day, copy=copy, parquet=parquet,
        days=_days(con, "SELECT snapshot_date FROM trials_versions.normalised_days"),
        change_log_days=_days(con, "SELECT snapshot_date FROM changes.days"),
        digest_days=_days(con, "SELECT DISTINCT snapshot_date FROM digest.deliveries"),
        tables=con.execute("SELECT (SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()) "
                           "+ (SELECT count(*) FROM duckdb_views() WHERE NOT internal AND database_name = current_database())"
                           ).fetchone()[0],
        seconds=round(time.perf_counter() - started, 3),
    )


def _previous_copy(published: Path) -> str:
    """What readers keep if the copy cannot be replaced, in words."""
    try:
        written = datetime.fromtimestamp(published.stat().st_mtime, timezone.utc)
    except FileNotFoundError:
        return "There was no published copy before: readers have none yet."
    return (f"Readers keep the previous published copy {published} (written {written:%Y-%m-%d %H:%M:%S} UTC): "
            "nothing of it was replaced.")


def _days(con: duckdb.DuckDBPyConnection, sql: str) -> list[date]:
    try:
        return sorted(d for (d,) in con.execute(sql).fetchall())
    except duckdb.CatalogException:  # a stage that never ran leaves its table absent
        return []
