"""One publication: the warehouse copy, then the open tables, and what readers get."""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from netpipeline.publish.parquet_tables import ParquetReport, publish_parquet
from netpipeline.publish.warehouse_copy import WarehouseCopy, publish_copy


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
    copy = publish_copy(con, published)
    parquet = publish_parquet(con, parquet_root)
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


def _days(con: duckdb.DuckDBPyConnection, sql: str) -> list[date]:
    try:
        return sorted(d for (d,) in con.execute(sql).fetchall())
    except duckdb.CatalogException:  # a stage that never ran leaves its table absent
        return []
