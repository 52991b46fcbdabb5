"""The publication calendar of ClinicalTrials.gov, and the replay's controllable clock.

The real API serves one data date at a time. A new one appears Monday to Friday once that day's
refresh is published (generally by 09:00 US Eastern); Friday's date is served all weekend and on
Monday until Monday's refresh. `PublicationCalendar.data_date_at(t)` is that rule.

`ReplayClock` is the time a replay server answers at: the wall clock, or a simulated instant
that moves only when a test sets or advances it (in process, or over `/_replay/clock`).
How a calendar data date maps to a stored snapshot day is the server's business (the latest
stored day on or before it; see `ReplayServer.current_day`).
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from netpipeline import publication

PUBLICATION_ZONE = "America/New_York"
DEFAULT_PUBLICATION_TIME = time(9, 0)


def parse_instant(value: str | datetime, what: str = "time") -> datetime:
    """An aware datetime, in UTC, from ISO text (`Z` allowed) or a datetime; naive ones are refused:
    a simulated day boundary that silently depends on the host's zone is a flaky test."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{what} must be an ISO date-time with a UTC offset, got {value!r}") from None
    if not isinstance(value, datetime):
        raise ValueError(f"{what} must be an ISO date-time, got {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{what} needs a UTC offset (e.g. 2026-11-23T14:00:00Z), got {value.isoformat()}")
    return value.astimezone(timezone.utc)


@dataclass(frozen=True)
class PublicationCalendar:
    """Weekday publications at `publication_time` in `zone`."""

    publication_time: time = DEFAULT_PUBLICATION_TIME
    zone: str = PUBLICATION_ZONE

    @staticmethod
    def is_publication_day(day: date) -> bool:
        return publication.is_publication_day(day)  # the pipeline's calendar owns "Monday to Friday"

    def publication_instant(self, day: date) -> datetime:
        """When `day`'s data is published, in UTC (09:00 Eastern is 13:00 or 14:00 UTC)."""
        local = datetime.combine(day, self.publication_time, tzinfo=ZoneInfo(self.zone))
        return local.astimezone(timezone.utc)

    def data_date_at(self, now: datetime) -> date:
        """The data date the API serves at `now`: the latest publication day already published."""
        local = parse_instant(now).astimezone(ZoneInfo(self.zone))
        day = local.date()
        if not (self.is_publication_day(day) and local.time() >= self.publication_time):
            day -= timedelta(days=1)
            while not self.is_publication_day(day):
                day -= timedelta(days=1)
        return day

    def next_publication(self, now: datetime) -> datetime:
        """The first publication instant strictly after `now`."""
        day = self.data_date_at(now) + timedelta(days=1)
        while not self.is_publication_day(day):
            day += timedelta(days=1)
        return self.publication_instant(day)

    def publication_days(self, start: date, end: date) -> list[date]:
        """Publication days from `start` to `end`, both included."""
        days, day = [], start
        while day <= end:
            if self.is_publication_day(day):
                days.append(day)
            day += timedelta(days=1)
        return days


def parse_publication_time(text: str) -> time:
    try:
        value = time.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"publication time must be HH:MM, got {text!r}") from None
    return value


class ReplayClock:
    """Time for a replay: `now=None` follows the wall clock; an instant freezes simulated time
    there, and only `set()` / `advance()` move it (thread-safe: the server reads it per request)."""

    def __init__(self, now: str | datetime | None = None, calendar: PublicationCalendar | None = None):
        self.calendar = calendar or PublicationCalendar()
        self._lock = threading.Lock()
        self._now = None if now is None else parse_instant(now, "clock time")

    @property
    def simulated(self) -> bool:
        return self._now is not None

    def now(self) -> datetime:
        with self._lock:
            return self._now if self._now is not None else datetime.now(timezone.utc)

    def set(self, now: str | datetime) -> datetime:
        value = parse_instant(now, "clock time")
        with self._lock:
            self._now = value
        return value

    def advance(self, delta: timedelta | float) -> datetime:
        """Move simulated time forward (a float is seconds); the wall clock cannot be advanced."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=float(delta))
        if step < timedelta(0):
            raise ValueError(f"the clock only moves forward, got {step}")
        with self._lock:
            if self._now is None:
                raise ValueError("this clock follows the wall clock; set a simulated time first")
            self._now += step
            return self._now

    def data_date(self) -> date:
        return self.calendar.data_date_at(self.now())

    def state(self) -> dict[str, object]:
        now = self.now()
        return {
            "now": now.isoformat(),
            "simulated": self.simulated,
            "data_date": self.calendar.data_date_at(now).isoformat(),
            "next_publication": self.calendar.next_publication(now).isoformat(),
            "publication_time": self.calendar.publication_time.strftime("%H:%M"),
            "zone": self.calendar.zone,
        }
