"""The open tables: the analyst-facing tables as Parquet, readable without netpipeline.

Layout under the Parquet root (docs/warehouse.md, "Published copy and open tables"):

    trials/current_<table>/data.parquet                       the latest normalised day
    changes/days/data.parquet                                 one row per change-log day
    changes/events/snapshot_date=YYYY-MM-DD/data.parquet      hive-partitioned by day
    quality/check_results/snapshot_date=YYYY-MM-DD/data.parquet
    trials/net_profile/snapshot_date=YYYY-MM-DD/data.parquet
    trials/intervention_classes/snapshot_date=YYYY-MM-DD/data.parquet

Every file is written beside and renamed over (each table file, and each day's partition,
changes at once). A file is rewritten only when what it was made from changed: `_state.json`
at the root records, per file, the state of its source (when the day was normalised, its
change-log computed, its checks run). So the digest run, which changes none of these tables,
writes no Parquet, and a day rewrites its own partitions plus the current tables, not the
history; a partition whose day left the warehouse is removed. The partition column lives in
the folder name only (hive convention); JSON columns are written as text.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from netpipeline.publish.files import replace_with, temp_beside
from netpipeline.warehouse import sql_str

DATA_FILE = "data.parquet"
PARTITION = "snapshot_date"
STATE_FILE = "_state.json"


@dataclass(frozen=True)
class DailyTable:
    """A table published one partition per day; `days_sql` lists its days, each with the state
    of the day's rows (a partition is rewritten when that changes)."""

    source: str
    days_sql: str

    @property
    def folder(self) -> str:
        return self.source.replace(".", "/")


NORMALISED_DAYS = "SELECT snapshot_date, normalised_at::VARCHAR FROM trials_versions.normalised_days"
DAILY_TABLES = (
    DailyTable("changes.events", "SELECT snapshot_date, computed_at::VARCHAR FROM changes.days"),
    DailyTable("quality.check_results", "SELECT snapshot_date, count(*) || '@' || max(checked_at) FROM quality.check_results "
                                        "GROUP BY 1"),
    DailyTable("trials.net_profile", NORMALISED_DAYS),
    DailyTable("trials.intervention_classes", NORMALISED_DAYS),
)
# The current_* views show the latest normalised day; changes.days changes with any change-log.
CURRENT_STATE = "SELECT arg_max(snapshot_date || '@' || normalised_at, snapshot_date) FROM trials_versions.normalised_days"
WHOLE_TABLES_EXTRA = {"changes.days": "SELECT string_agg(snapshot_date || '@' || computed_at, ',' ORDER BY snapshot_date) "
                                      "FROM changes.days"}


def whole_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every `trials.current_*` view (a new trials table is published without a change here)."""
    views = con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'trials' AND view_name LIKE 'current\\_%' "
                        "ESCAPE '\\' ORDER BY 1").fetchall()
    return [f"trials.{name}" for (name,) in views] + list(WHOLE_TABLES_EXTRA)


def _whole_state(con: duckdb.DuckDBPyConnection, source: str) -> str:
    return str(con.execute(WHOLE_TABLES_EXTRA.get(source, CURRENT_STATE)).fetchone()[0])


@dataclass
class ParquetReport:
    root: Path
    files_written: int = 0
    files_unchanged: int = 0
    partitions_removed: int = 0
    rows: int = 0
    bytes_written: int = 0


def publish_parquet(con: duckdb.DuckDBPyConnection, root: Path) -> ParquetReport:
    report = ParquetReport(root)
    before = _read_state(root)
    state: dict[str, str] = {}

    def publish(select: str, target: Path, source_state: str) -> None:
        key = target.relative_to(root).as_posix()
        state[key] = source_state
        if before.get(key) == source_state and target.exists():
            report.files_unchanged += 1
        else:
            _write(con, select, target, report)

    for source in whole_tables(con):
        publish(_select(con, source), root / source.replace(".", "/") / DATA_FILE, _whole_state(con, source))
    for table in DAILY_TABLES:
        folder = root / table.folder
        days = {d: str(day_state) for d, day_state in con.execute(table.days_sql).fetchall()}
        on_disk = {_partition_day(p): p for p in folder.glob(f"{PARTITION}=*")} if folder.exists() else {}
        for gone in sorted(set(on_disk) - set(days) - {None}):
            shutil.rmtree(on_disk[gone])
            report.partitions_removed += 1
        for d, day_state in sorted(days.items()):
            select = _select(con, table.source, exclude=PARTITION) + f" WHERE {PARTITION} = DATE '{d.isoformat()}'"
            publish(select, folder / f"{PARTITION}={d.isoformat()}" / DATA_FILE, day_state)
    _write_state(root, state)
    return report


def _read_state(root: Path) -> dict[str, str]:
    try:
        return json.loads((root / STATE_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}  # no state, or an unreadable one: every file is written again


def _write_state(root: Path, state: dict[str, str]) -> None:
    target = root / STATE_FILE
    temp = temp_beside(target)
    try:
        temp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
        replace_with(temp, target)
    finally:
        temp.unlink(missing_ok=True)


def _partition_day(path: Path) -> date | None:
    try:
        return date.fromisoformat(path.name.split("=", 1)[1])
    except ValueError:
        return None


def _select(con: duckdb.DuckDBPyConnection, source: str, exclude: str | None = None) -> str:
    """SELECT of `source`'s columns, JSON as text (not every reader knows Parquet's JSON type)."""
    schema, table = source.split(".")
    columns = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ? "
                          "AND table_name = ? ORDER BY ordinal_position", [schema, table]).fetchall()
    if not columns:
        raise ValueError(f"{source}: no such table or view in the warehouse")
    parts = [f'"{name}"::VARCHAR AS "{name}"' if kind == "JSON" else f'"{name}"'
             for name, kind in columns if name != exclude]
    return f"SELECT {', '.join(parts)} FROM {source}"


def _write(con: duckdb.DuckDBPyConnection, select: str, target: Path, report: ParquetReport) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_beside(target)
    try:
        written = con.execute(f"COPY ({select}) TO {sql_str(str(temp))} (FORMAT parquet, COMPRESSION zstd)").fetchone()
        replace_with(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    report.files_written += 1
    report.rows += written[0] if written else 0
    report.bytes_written += target.stat().st_size
