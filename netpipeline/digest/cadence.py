"""How often a subscriber hears from us: every day (default) or once a week on a chosen weekday.

A weekly digest is due on its weekday, or on the first processed day after it when that
weekday itself had no run (days may be missed); it reports every event since the subscriber's
previous digest (at most a week back), latest trial state, each change once. It goes through
the same ledger as a daily digest (keyed by the day it is sent), so it is sent exactly once.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def last_weekday(weekday: int, day: date) -> date:
    """The latest date on or before `day` falling on `weekday` (0 = Monday)."""
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def weekly_due(weekday: int, day: date, last_digest: date | None) -> bool:
    """Due on the weekday; or later that week if the weekday passed with no digest since."""
    if day.weekday() == weekday:
        return True
    return last_digest is not None and last_digest < last_weekday(weekday, day)


def week_start(day: date, last_digest: date | None) -> date:
    """Events after this date belong in the weekly digest of `day`."""
    week_ago = day - timedelta(days=7)
    return max(last_digest, week_ago) if last_digest else week_ago


def events_once(events: list[dict]) -> list[dict]:
    """The week's events with repeats removed (the same change reported on two days)."""
    seen, out = set(), []
    for ev in sorted(events, key=lambda e: e.get("snapshot_date") or date.min):
        key = (ev.get("nct_id"), ev.get("event_type"), ev.get("field"), ev.get("old_value"), ev.get("new_value"),
               json.dumps(ev.get("details"), sort_keys=True, default=str))
        if key not in seen:
            seen.add(key)
            out.append(ev)
    return out
