"""The open tables: the analyst-facing tables as Parquet, readable without netpipeline.

Layout under the Parquet root (docs/warehouse.md, "Published copy and open tables"):

    trials_versions/<table>/first_seen_date=YYYY-MM-DD/data.parquet   each study version once,
                                                     under the day it was first seen
    raw/study_spans/data.parquet                     which version each study had on which days
    changes/days/data.parquet                        one row per change-log day
    changes/events/snapshot_date=YYYY-MM-DD/data.parquet      hive-partitioned by day
    quality/check_results/snapshot_date=YYYY-MM-DD/data.parquet
    trials/net_profile/snapshot_date=YYYY-MM-DD/data.parquet
    trials/intervention_classes/snapshot_date=YYYY-MM-DD/data.parquet

The trials tables are published as versions plus the span map, not as `current_*` copies: a
version never changes once shredded, so a day writes only the versions first seen that day
(proportional to the day's changes) and the small span map, where whole current tables cost
the registry's size every day (docs/benchmarks.md, "Publication for readers"). Readers get the
current rows with a semi-join on the spans still open (`last_date IS NULL`).

Every file is written beside and renamed over, the span map last of all: a publication cut
short (a full disk) leaves a span map whose open spans name only versions already published
(the previous one, or the new one once every version file is written). A file is rewritten
only when what it was made from changed: `_state.json` at the root records, per file, the state
of its source and the SELECT that made it (so a new column rewrites the table). A state is a
content signal (row count and sum of the rows' hashes), never a write time: computed_at and
checked_at are stored to the second, so a change-log or a check re-run within the second of a
publication left its day's files stale. The per-day trials tables, too large to hash every day,
are stated by the day's normalisation and the rules version their versions carry (a
re-enrichment, run on one day, changes every day's rows). A file the previous publication wrote
and this one does not (a day that left the warehouse, an older layout) is removed. The partition column
lives in the folder name only (hive convention); JSON columns are written as text.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from netpipeline.normalise.enrichment_tables import ENRICHMENT_TABLES
from netpipeline.normalise.trials_schema import VERSION_TABLES
from netpipeline.publish.files import replace_with, temp_beside
from netpipeline.warehouse import sql_str

DATA_FILE = "data.parquet"
PARTITION = "snapshot_date"
FIRST_SEEN = "first_seen_date"
STATE_FILE = "_state.json"


@dataclass(frozen=True)
class PartitionedTable:
    """A table published one partition per day: `days_sql` lists its days, each with the state
    of its rows (a partition is rewritten when that changes); `rows_where` picks a day's rows."""

    source: str
    days_sql: str
    partition: str = PARTITION
    rows_where: str = f"{PARTITION} = {{day}}"

    @property
    def folder(self) -> str:
        return self.source.replace(".", "/")


def content_state(rows: str) -> str:
    """SQL of the state of the rows of alias `rows`: their count and the sum of their hashes."""
    return f"count({rows}) || '@' || coalesce(sum(hash({rows})), 0)"


# normalised_at is now() of the normalising transaction, to the microsecond: a new value each
# time the day is normalised. RULES_VERSION (vocabulary_version) covers the drug taxonomy too.
NORMALISED_DAYS = ("SELECT snapshot_date, normalised_at || '@' || (SELECT string_agg(DISTINCT vocabulary_version, "
                   "',' ORDER BY vocabulary_version) FROM trials_versions.net_profile) FROM trials_versions.normalised_days")
DAILY_TABLES = (
    # every change-log day, an empty one included, has its partition
    PartitionedTable("changes.events", "SELECT d.snapshot_date, coalesce(e.state, '0@0') FROM changes.days d LEFT JOIN "
                                       f"(SELECT snapshot_date, {content_state('e')} AS state FROM changes.events e "
                                       "GROUP BY 1) e USING (snapshot_date)"),
    PartitionedTable("quality.check_results", f"SELECT snapshot_date, {content_state('r')} "
                                              "FROM quality.check_results r GROUP BY 1"),
    PartitionedTable("trials.net_profile", NORMALISED_DAYS),
    PartitionedTable("trials.intervention_classes", NORMALISED_DAYS),
)
# Version rows are inserted once per version and never changed (the enrichment tables are, on
# re-enrichment: they are published by day above), so a first-seen day's state is its count of
# shredded versions (every version has one trials_versions.studies row).
VERSION_DAYS = ("SELECT p.first_seen_date, count(*)::VARCHAR FROM trials_versions.studies v "
                "JOIN raw.study_payloads p USING (content_hash) GROUP BY 1")
VERSION_TABLES_PUBLISHED = tuple(
    PartitionedTable(f"trials_versions.{table}", VERSION_DAYS, FIRST_SEEN,
                     f"content_hash IN (SELECT content_hash FROM raw.study_payloads WHERE {FIRST_SEEN} = {{day}})")
    for table in VERSION_TABLES if table not in ENRICHMENT_TABLES)
PARTITIONED_TABLES = VERSION_TABLES_PUBLISHED + DAILY_TABLES
# Whole tables, each with the state of its source; the span map last of all files.
WHOLE_TABLES = {
    "changes.days": f"SELECT {content_state('d')} FROM changes.days d",
    "raw.study_spans": "SELECT count(*) || '@' || coalesce(sum(hash(nct_id, content_hash, first_date, last_date)), 0) "
                       "FROM raw.study_spans",
}


@dataclass
class ParquetReport:
    root: Path
    files_written: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    rows: int = 0
    bytes_written: int = 0


def publish_parquet(con: duckdb.DuckDBPyConnection, root: Path, report: ParquetReport | None = None) -> ParquetReport:
    """Bring the files under `root` up to the warehouse; `report` (if given) counts as it goes, so a
    caller still knows how far it got when a write fails."""
    report = report or ParquetReport(root)
    before = _read_state(root)
    state: dict[str, str] = {}
    days_of: dict[str, list[tuple[date, str]]] = {}  # VERSION_DAYS is shared by every versions table

    def publish(select: str, target: Path, source_state: str) -> None:
        key = target.relative_to(root).as_posix()
        state[key] = f"{source_state} | {select}"
        if before.get(key) == state[key] and target.exists():
            report.files_unchanged += 1
        else:
            _write(con, select, target, report)

    for table in PARTITIONED_TABLES:
        if table.days_sql not in days_of:
            days_of[table.days_sql] = con.execute(table.days_sql).fetchall()
        select = f"{_select(con, table.source, exclude=table.partition)} WHERE {table.rows_where}"
        for d, day_state in sorted(days_of[table.days_sql]):
            target = root / table.folder / f"{table.partition}={d.isoformat()}" / DATA_FILE
            publish(select.replace("{day}", f"DATE '{d.isoformat()}'"), target, str(day_state))
    for source, state_sql in WHOLE_TABLES.items():   # last: see the module docstring
        publish(_select(con, source), root / source.replace(".", "/") / DATA_FILE,
                str(con.execute(state_sql).fetchone()[0]))
    for stale in sorted(set(before) - set(state)):
        report.files_removed += _remove(root, root / stale)
    _write_state(root, state)
    return report


def _remove(root: Path, target: Path) -> int:
    """Remove a file no longer published, with its partition folder once empty."""
    if not target.exists():
        return 0
    target.unlink()
    folder = target.parent
    while folder != root and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent
    return 1


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
