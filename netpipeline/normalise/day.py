"""Normalise one data date: shred its new study versions and make the day visible in `trials`."""
from __future__ import annotations

import datetime
import time
from dataclasses import dataclass, field

import duckdb

from netpipeline import warehouse
from netpipeline.normalise.reenrich import reenrich_stale_versions
from netpipeline.normalise.trials_schema import VERSION_TABLES, ensure_trials_schema
from netpipeline.normalise.versions import REQUESTED_TABLE, bulk_settings, shred_requested


@dataclass(frozen=True)
class NormaliseResult:
    snapshot_date: datetime.date
    studies: int                  # studies in raw.study_days for the day
    versions_shredded: int        # versions of the day shredded by this run
    versions_reused: int          # versions of the day already shredded on an earlier day/run
    rows_inserted: dict[str, int] = field(default_factory=dict)  # per trials_versions table
    day_rows: dict[str, int] = field(default_factory=dict)       # per trials view, for the day
    enum_findings: int = 0        # unknown enum values among the day's versions
    versions_reenriched: int = 0  # stored versions enriched again because the NET rules changed
    elapsed_s: float = 0.0

    def as_metadata(self) -> dict[str, object]:
        return {
            "snapshot_date": self.snapshot_date.isoformat(),
            "studies": self.studies,
            "versions_shredded": self.versions_shredded,
            "versions_reused": self.versions_reused,
            "enum_findings": self.enum_findings,
            "versions_reenriched": self.versions_reenriched,
            "elapsed_s": self.elapsed_s,
            **{f"rows.{table}": count for table, count in self.day_rows.items()},
        }


def normalise_day(con: duckdb.DuckDBPyConnection, day: datetime.date) -> NormaliseResult:
    """Shred every version of `day` not yet shredded, then upsert trials_versions.normalised_days.

    One transaction: on any failure nothing of the day is written and the day stays invisible
    in the trials views. Re-running a day shreds nothing and rewrites only its
    normalised_days row. Raises LookupError if raw holds no studies for the day.
    """
    # Here, not at the top: quality's catalogue imports this package (its enum vocabulary).
    from netpipeline.quality.results import drop_day_results

    started = time.perf_counter()
    ensure_trials_schema(con)
    with bulk_settings(con), warehouse.transaction(con):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {REQUESTED_TABLE} AS "
            "SELECT DISTINCT content_hash FROM raw.study_days WHERE snapshot_date = ?",
            [day],
        )
        studies, versions = con.execute(
            "SELECT count(*), count(DISTINCT content_hash) FROM raw.study_days "
            "WHERE snapshot_date = ?", [day]
        ).fetchall()[0]
        if studies == 0:
            raise LookupError(f"raw.study_days has no studies for {day}: ingest the day first")
        rows_inserted = shred_requested(con)
        shredded = rows_inserted["studies"]
        # after a change of the NET rules or drug taxonomy (RULES_VERSION), every stored
        # version is enriched again here; reclassifications are recorded for this day
        reenriched = reenrich_stale_versions(con, day)
        con.execute("DELETE FROM trials_versions.normalised_days WHERE snapshot_date = ?", [day])
        drop_day_results(con, day, "trials")   # they judged the day's tables as they were
        con.execute(
            "INSERT INTO trials_versions.normalised_days VALUES (?, now()::TIMESTAMP, ?, ?)",
            [day, shredded, studies],
        )
        day_rows = _day_row_counts(con, day)
    return NormaliseResult(
        snapshot_date=day,
        studies=studies,
        versions_shredded=shredded,
        versions_reused=versions - shredded,
        rows_inserted=rows_inserted,
        day_rows=day_rows,
        enum_findings=day_rows["enum_findings"],
        versions_reenriched=reenriched,
        elapsed_s=round(time.perf_counter() - started, 3),
    )


def _day_row_counts(con: duckdb.DuckDBPyConnection, day: datetime.date) -> dict[str, int]:
    # One query per view, in turn: a UNION of all of them would build every join's hash
    # table at once (~350 MB at 100k studies), pushing the open transaction's rows to disk.
    return {
        table: con.execute(f"SELECT count(*) FROM trials.{table} WHERE snapshot_date = ?",
                           [day]).fetchall()[0][0]
        for table in VERSION_TABLES
    }


def day_preview(con: duckdb.DuckDBPyConnection, day: datetime.date, limit: int = 10):
    """The day's first studies, NET first (a pandas DataFrame for the asset's preview)."""
    return con.execute(
        "SELECT s.nct_id, s.phase_label, s.overall_status, p.is_net, array_to_string(p.net_subtypes, ', ') AS subtypes, "
        "left(s.brief_title, 70) AS title FROM trials.studies s "
        "LEFT JOIN trials.net_profile p ON p.snapshot_date = s.snapshot_date AND p.nct_id = s.nct_id "
        "WHERE s.snapshot_date = ? ORDER BY p.is_net DESC, s.nct_id LIMIT ?", [day, limit]).df()
