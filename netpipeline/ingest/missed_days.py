"""raw.missed_days: data dates the API published that the pipeline could not store.

The live API serves only its current data date, so a day whose every pull failed before the API
moved to a newer date can never be fetched again. The /version sensor records such a day here
when it sees the newer date (with how many runs it tried and the last error), and also the
publication days the API went through while nobody saw them (sensor off, /version down all
day: attempts 0). A recorded day that is stored later after all (a replay, a repair) stops
being missed: the reads below skip days that have a raw.pulls row.

The change-log and the digest read `missed_between(base, day)`: the days a comparison skipped.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from netpipeline.warehouse import ensure_schema, transaction

MISSED_DDL = """
CREATE SCHEMA IF NOT EXISTS raw;
CREATE TABLE IF NOT EXISTS raw.missed_days (
    snapshot_date  DATE      NOT NULL,
    detected_at    TIMESTAMP NOT NULL,
    attempts       INTEGER   NOT NULL,
    last_error     VARCHAR,
    served_instead DATE      NOT NULL
);
"""


@dataclass(frozen=True)
class MissedDay:
    snapshot_date: date
    detected_at: datetime      # UTC, naive in the warehouse
    attempts: int              # runs started for the day (0: never seen by the sensor)
    last_error: str | None     # the last failed run's error, or why no run was started
    served_instead: date       # the data date the API served when the day was found missed


def ensure_missed_days(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, MISSED_DDL)


def record_missed(con: duckdb.DuckDBPyConnection, days: list[MissedDay]) -> None:
    """Delete-then-insert each day's row, all in one transaction."""
    ensure_missed_days(con)
    with transaction(con):
        for m in days:
            con.execute("DELETE FROM raw.missed_days WHERE snapshot_date = ?", [m.snapshot_date])
            con.execute("INSERT INTO raw.missed_days VALUES (?, ?, ?, ?, ?)",
                        [m.snapshot_date, m.detected_at.replace(tzinfo=None), m.attempts, m.last_error,
                         m.served_instead])


def missed_between(con: duckdb.DuckDBPyConnection, after: date | None, before: date) -> list[MissedDay]:
    """Missed days strictly between `after` (None: from the start) and `before`, oldest first;
    days stored since they were recorded are left out."""
    if not _has_table(con, "missed_days"):
        return []
    stored = "AND m.snapshot_date NOT IN (SELECT snapshot_date FROM raw.pulls)" if _has_table(con, "pulls") else ""
    rows = con.execute(
        f"SELECT m.snapshot_date, m.detected_at, m.attempts, m.last_error, m.served_instead FROM raw.missed_days m "
        f"WHERE m.snapshot_date < ? AND (? IS NULL OR m.snapshot_date > ?) {stored} ORDER BY m.snapshot_date",
        [before, after, after]).fetchall()
    return [MissedDay(*row) for row in rows]


def _has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'raw' AND table_name = ?",
                            [table]).fetchone())
