"""The pipeline's publication calendar: which dates are data dates, and what "now" is.

ClinicalTrials.gov publishes a new data date Monday to Friday (generally by 09:00 US Eastern)
and serves Friday's data all weekend. The pipeline never derives a data date from the clock (it
asks /version); the calendar only says which dates can be data dates (the partitions), which
publication days lie between two stored days (missed days), and which data date must be stored
by the freshness deadline.

`utc_now()` is the one clock the sensors read, so a simulation (the calendar soak test) can
move time with `simulated_now`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

# Monday..Friday (date.weekday() < 5); the partitions' cron says the same ("* * 1-5").
PUBLICATION_CRON = "0 0 * * 1-5"


def is_publication_day(day: date) -> bool:
    return day.weekday() < 5


def previous_publication_day(day: date) -> date:
    """The publication day strictly before `day`."""
    day -= timedelta(days=1)
    while not is_publication_day(day):
        day -= timedelta(days=1)
    return day


def publication_days_between(after: date, before: date) -> list[date]:
    """Publication days strictly between `after` and `before`."""
    days, day = [], after + timedelta(days=1)
    while day < before:
        if is_publication_day(day):
            days.append(day)
        day += timedelta(days=1)
    return days


def parse_deadline(text: str, name: str = "NETPIPELINE_FRESHNESS_DEADLINE_UTC") -> time:
    """'HH:MM' (UTC) -> time; a clear error otherwise."""
    try:
        value = time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{name} must be a UTC time HH:MM, got {text!r}") from None
    if value.tzinfo is not None:
        raise ValueError(f"{name} is always UTC: give HH:MM without an offset, got {text!r}")
    return value


def expected_data_date(now: datetime, deadline: time) -> date:
    """The newest data date that must be stored at `now`: the latest publication day whose
    deadline (that day, `deadline` UTC) has passed. On a publication day before the deadline
    and over the weekend it is the previous publication day."""
    now = now.astimezone(timezone.utc)
    day = now.date()
    if is_publication_day(day) and now.time() >= deadline:
        return day
    return previous_publication_day(day)


_clock: Callable[[], datetime] | None = None


def utc_now() -> datetime:
    """The current instant (UTC), or the simulated one inside `simulated_now`."""
    return _clock() if _clock is not None else datetime.now(timezone.utc)


@contextmanager
def simulated_now(clock: Callable[[], datetime]) -> Iterator[None]:
    """Make `utc_now()` answer `clock()` (e.g. a replay clock's `now`) inside the block."""
    global _clock
    previous, _clock = _clock, clock
    try:
        yield
    finally:
        _clock = previous


@dataclass(frozen=True)
class Freshness:
    """Whether the newest data date that must be stored at `now` is stored."""

    passed: bool
    expected: date               # the latest publication day whose deadline has passed
    latest: date | None          # the newest stored data date
    deadline: time
    unstored: list[date]         # publication days after `latest` up to `expected`

    def summary(self) -> str:
        if self.passed:
            return f"fresh: data date {self.latest} stored (needed: {self.expected} by {self.deadline:%H:%M} UTC)"
        days = ", ".join(str(d) for d in self.unstored)
        return (f"stale: the newest stored data date is {self.latest or 'none'}; publication day(s) {days} not "
                f"stored by {self.deadline:%H:%M} UTC (API down, firewall block, failed pulls, or no publication)")


def freshness(stored: set[date], now: datetime, deadline: time) -> Freshness:
    expected = expected_data_date(now, deadline)
    latest = max(stored, default=None)
    passed = latest is not None and latest >= expected
    start = latest if latest is not None else previous_publication_day(expected)
    unstored = [] if passed else [d for d in publication_days_between(start, expected + timedelta(days=1)) if d not in stored]
    return Freshness(passed, expected, latest, deadline, unstored)
