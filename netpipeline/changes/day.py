"""The change-log stage's entry point: `changelog_day(con, day)` refuses a day whose quality gate
is not open, computes and stores its change-log, and reports what the asset shows (the base it
was compared with, later days computed without it, publication days missed in between)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from netpipeline.changes.changelog import ChangeLog, ChangeLogError, compute_changelog, later_days_with_older_base, write_changelog
from netpipeline.ingest.missed_days import MissedDay, missed_between
from netpipeline.publication import previous_publication_day, publication_days_between
from netpipeline.quality.results import gate

PREVIOUS_DAY_NOTE = "previous publication day"


@dataclass
class ChangeLogDay:
    log: ChangeLog
    # (day, its base) of later days whose change-log was computed without this one
    later_days_with_older_base: list[tuple[date, date | None]] = field(default_factory=list)
    # data dates published between the base and this day that were never stored (raw.missed_days)
    missed_since_base: list[MissedDay] = field(default_factory=list)

    @property
    def base_note(self) -> str:
        """How the base relates to the day, in words (PREVIOUS_DAY_NOTE when all is as usual)."""
        day, base = self.log.snapshot_date, self.log.base_date
        if base is None:
            return "baseline day: no earlier normalised day, no events"
        if base == previous_publication_day(day):
            return PREVIOUS_DAY_NOTE
        skipped = len(publication_days_between(base, day))
        return f"{skipped} publication day(s) before {day} not available (missed, not normalised, or gated): compared with {base}"


def changelog_day(con: duckdb.DuckDBPyConnection, day: date) -> ChangeLogDay:
    """Compute and store `day`'s change-log; ChangeLogError when its quality gate is not open."""
    status = gate(con, day)
    if not status.passed:
        # The in-run gate already skips the asset after a failed check; this refuses a manual
        # materialisation too, and a day whose checks have no result (fail closed).
        raise ChangeLogError(f"{day}: quality gate {status.state}, no change-log: {status.reason()}")
    log = compute_changelog(con, day)
    write_changelog(con, log)
    return ChangeLogDay(log, later_days_with_older_base(con, day), missed_between(con, log.base_date, day))
