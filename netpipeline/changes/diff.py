"""Typed change events between two states of one trial (dicts built by trial_states.load_states).

A trial state is a dict with the studies columns the diff reads (brief_title, overall_status,
why_stopped, phases, phase_label, enrollment, enrollment_type, <date>_raw/<date>_type,
lead_sponsor, lead_sponsor_class, has_results, results_first_post_date_raw), the eligibility
text (criteria, inclusion_criteria, exclusion_criteria) plus lists `sites`, `interventions` and
`arms`. Only what a reader of the digest would call a change is an event: volatile fields
(versionHolder, MeSH browse lists, posting dates and their types, coordinates, contacts) never
reach these dicts, and lists are compared as sets of identities, never by position.

Significance: high = the trial's availability or evidence changed (new/left, status, phase,
results, a site opening to patients); medium = what or where changed (enrolment target,
eligibility, dates moved, sites, arms/interventions, sponsor); low = bookkeeping (title,
a date or enrolment confirmed as ACTUAL without moving).
"""
from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any, Callable

from netpipeline.changes.eligibility import line_diff, same_text, sections_changed
from netpipeline.changes.event_types import EVENT_TYPES
from netpipeline.changes.sites import match_sites

DATE_FIELDS = ("start_date", "primary_completion_date", "completion_date")
SITE_DETAIL_KEYS = ("facility", "city", "state", "zip", "country", "status", "lat", "lon")
OPEN_SITE_STATUSES = (None, "RECRUITING", "NOT_YET_RECRUITING")
_SPACES = re.compile(r"\s+")


def event(nct_id: str, event_type: str, significance: str, field: str | None = None,
          old: Any = None, new: Any = None, details: dict[str, Any] | None = None) -> dict[str, Any]:
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}; add it to changes/event_types.py first")
    return {
        "nct_id": nct_id, "event_type": event_type, "field": field,
        "old_value": None if old is None else str(old), "new_value": None if new is None else str(new),
        "details": details or {}, "significance": significance,
    }


def site_details(site: dict[str, Any]) -> dict[str, Any]:
    return {
        "facility": site.get("name"), "city": site.get("city"), "state": site.get("state"),
        "zip": site.get("zip"), "country": site.get("country"), "status": site.get("status"),
        "lat": site.get("latitude"), "lon": site.get("longitude"),
    }


def _phase_text(phases: list[str] | None) -> str:
    return "|".join(phases or []) or "NA"


def _parse_date(text: str | None) -> tuple[date, int] | None:
    """(date anchored at the start of its period, number of parts given: 1 year, 2 month, 3 day)."""
    if not text:
        return None
    parts = text.split("-")
    try:
        numbers = [int(p) for p in parts[:3]]
        return date(numbers[0], (numbers + [1, 1])[1], (numbers + [1, 1, 1])[2]), len(numbers)
    except (ValueError, IndexError):
        return None


def _date_shift(old: str | None, new: str | None) -> int | None:
    a, b = _parse_date(old), _parse_date(new)
    return (b[0] - a[0]).days if a and b else None


def _within(old: str | None, new: str | None) -> bool:
    """The new date lies inside the old one's period ('2026-11' -> '2026-11-16'): refined, not moved."""
    a, b = _parse_date(old), _parse_date(new)
    if not a or not b or b[1] < a[1]:
        return False
    return (b[0].year, b[0].month, b[0].day)[:a[1]] == (a[0].year, a[0].month, a[0].day)[:a[1]]


def diff_trial(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    nct = new["nct_id"]
    out: list[dict[str, Any]] = []
    if old.get("brief_title") != new.get("brief_title"):
        out.append(event(nct, "title_changed", "low", "brief_title", old.get("brief_title"), new.get("brief_title")))
    if old.get("overall_status") != new.get("overall_status"):
        out.append(event(nct, "status_changed", "high", "overall_status", old.get("overall_status"), new.get("overall_status"),
                         {"why_stopped": new.get("why_stopped")}))
    if sorted(old.get("phases") or []) != sorted(new.get("phases") or []):
        out.append(event(nct, "phase_changed", "high", "phases", _phase_text(old.get("phases")), _phase_text(new.get("phases")),
                         {"old_label": old.get("phase_label"), "new_label": new.get("phase_label")}))
    out.extend(_enrollment(nct, old, new))
    out.extend(_dates(nct, old, new))
    if not same_text(old.get("criteria"), new.get("criteria")):
        diff = line_diff(old.get("criteria"), new.get("criteria"))
        out.append(event(nct, "eligibility_changed", "medium", "eligibility_criteria", None, None, {
            "sections_changed": sections_changed(old, new), "diff": diff,
            "lines_removed": sum(d["op"] == "-" for d in diff), "lines_added": sum(d["op"] == "+" for d in diff)}))
    if old.get("lead_sponsor") != new.get("lead_sponsor"):
        out.append(event(nct, "sponsor_changed", "medium", "lead_sponsor", old.get("lead_sponsor"), new.get("lead_sponsor"),
                         {"old_class": old.get("lead_sponsor_class"), "new_class": new.get("lead_sponsor_class")}))
    if not old.get("has_results") and new.get("has_results"):
        out.append(event(nct, "results_posted", "high", "has_results", "false", "true",
                         {"results_first_post_date": new.get("results_first_post_date_raw")}))
    out.extend(_sites(nct, old.get("sites") or [], new.get("sites") or []))
    out.extend(_members(nct, "intervention", old.get("interventions") or [], new.get("interventions") or [],
                        lambda i: i.get("name"), lambda i: {"type": i.get("intervention_type")}))
    out.extend(_members(nct, "arm", old.get("arms") or [], new.get("arms") or [],
                        lambda a: a.get("label"), lambda a: {"type": a.get("group_type")}))
    return out


def _enrollment(nct: str, old: dict, new: dict) -> list[dict[str, Any]]:
    if old.get("enrollment") == new.get("enrollment") and old.get("enrollment_type") == new.get("enrollment_type"):
        return []
    count_changed = old.get("enrollment") != new.get("enrollment")
    # old/new are the counts; a type-only change (target confirmed as ACTUAL) keeps them equal.
    return [event(nct, "enrollment_changed", "medium" if count_changed else "low", "enrollment",
                  old.get("enrollment"), new.get("enrollment"),
                  {"old_type": old.get("enrollment_type"), "new_type": new.get("enrollment_type")})]


def _dates(nct: str, old: dict, new: dict) -> list[dict[str, Any]]:
    out = []
    for name in DATE_FIELDS:
        old_raw, new_raw = old.get(f"{name}_raw"), new.get(f"{name}_raw")
        old_type, new_type = old.get(f"{name}_type"), new.get(f"{name}_type")
        if old_raw == new_raw and old_type == new_type:
            continue
        shift = _date_shift(old_raw, new_raw)
        # Confirmed as planned (same date, or a finer date inside the planned month/year, now
        # ACTUAL) is bookkeeping; a date that moved is news.
        confirmed = old_raw == new_raw or (new_type == "ACTUAL" and _within(old_raw, new_raw))
        out.append(event(nct, "date_changed", "low" if confirmed else "medium", name, old_raw, new_raw,
                         {"old_type": old_type, "new_type": new_type, "shift_days": shift}))
    return out


def _sites(nct: str, old: list[dict], new: list[dict]) -> list[dict[str, Any]]:
    pairs, removed, added = match_sites(old, new)
    out = [event(nct, "site_added", "high" if s.get("status") in OPEN_SITE_STATUSES else "medium",
                 "site", None, s.get("name"), site_details(s)) for s in added]
    out += [event(nct, "site_removed", "medium", "site", s.get("name"), None, site_details(s)) for s in removed]
    for before, after in pairs:
        if before.get("status") != after.get("status"):
            details = {**site_details(after), "old_status": before.get("status")}
            if before.get("name") != after.get("name"):
                details["old_facility"] = before.get("name")
            out.append(event(nct, "site_status_changed", "high" if after.get("status") == "RECRUITING" else "medium",
                             "site_status", before.get("status"), after.get("status"), details))
    return out


def _identity(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip().lower()


def _members(nct: str, kind: str, old: list[dict], new: list[dict], label: Callable[[dict], str | None],
             details: Callable[[dict], dict]) -> list[dict[str, Any]]:
    """Added/removed members of a list compared as a multiset of names (order never matters)."""
    old_count = Counter(_identity(label(m)) for m in old)
    new_count = Counter(_identity(label(m)) for m in new)
    out = []
    for members, surplus, event_type in ((new, new_count - old_count, f"{kind}_added"),
                                         (old, old_count - new_count, f"{kind}_removed")):
        for m in members:
            key = _identity(label(m))
            if surplus[key] > 0:
                surplus[key] -= 1
                added = event_type.endswith("_added")
                out.append(event(nct, event_type, "medium", kind, None if added else label(m),
                                 label(m) if added else None, details(m)))
    return out
