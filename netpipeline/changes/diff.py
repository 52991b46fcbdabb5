"""Typed change events between two states of one trial (plain dicts read from trials.* views).

A trial state is a dict with the studies columns the diff reads (brief_title, overall_status,
why_stopped, phases, enrollment, enrollment_type, <date>_raw/<date>_type, lead_sponsor,
has_results, criteria, inclusion_criteria, exclusion_criteria) plus lists `sites`,
`interventions` and `arms`. Only what a reader of the digest would call a change is an event:
volatile fields never reach these dicts.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from netpipeline.changes.eligibility import line_diff, same_text, sections_changed
from netpipeline.changes.sites import match_sites

DATE_FIELDS = ("start_date", "primary_completion_date", "completion_date")
SITE_DETAIL_KEYS = ("facility", "city", "state", "zip", "country", "status", "lat", "lon")


def event(nct_id: str, event_type: str, significance: str, field: str | None = None,
          old: Any = None, new: Any = None, details: dict[str, Any] | None = None) -> dict[str, Any]:
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


def _date_shift(old: str | None, new: str | None) -> int | None:
    def parse(text: str | None) -> date | None:
        if not text:
            return None
        parts = text.split("-") + ["01", "01"]
        try:
            return date(int(parts[0]), int(parts[1]), int(parts[2]))
        except ValueError:
            return None
    a, b = parse(old), parse(new)
    return (b - a).days if a and b else None


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
        out.append(event(nct, "eligibility_changed", "medium", "eligibility_criteria", None, None,
                         {"sections_changed": sections_changed(old, new), "diff": line_diff(old.get("criteria"), new.get("criteria"))}))
    if old.get("lead_sponsor") != new.get("lead_sponsor"):
        out.append(event(nct, "sponsor_changed", "medium", "lead_sponsor", old.get("lead_sponsor"), new.get("lead_sponsor")))
    if not old.get("has_results") and new.get("has_results"):
        out.append(event(nct, "results_posted", "high", "has_results", "false", "true",
                         {"results_first_post_date": new.get("results_first_post_date_raw")}))
    out.extend(_sites(nct, old.get("sites") or [], new.get("sites") or []))
    out.extend(_members(nct, "intervention", old.get("interventions") or [], new.get("interventions") or [],
                        lambda i: ((i.get("intervention_type") or "").upper(), (i.get("name") or "").strip().lower()),
                        lambda i: i.get("name")))
    out.extend(_members(nct, "arm", old.get("arms") or [], new.get("arms") or [],
                        lambda a: (a.get("label") or "").strip().lower(), lambda a: a.get("label")))
    return out


def _enrollment(nct: str, old: dict, new: dict) -> list[dict[str, Any]]:
    if old.get("enrollment") == new.get("enrollment") and old.get("enrollment_type") == new.get("enrollment_type"):
        return []
    count_changed = old.get("enrollment") != new.get("enrollment")
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
        # A date confirmed as it was planned (ESTIMATED -> ACTUAL, same date) is worth little.
        significance = "low" if old_raw == new_raw else ("medium" if name != "start_date" or (shift or 0) else "low")
        out.append(event(nct, "date_changed", significance, name, old_raw, new_raw,
                         {"old_type": old_type, "new_type": new_type, "shift_days": shift}))
    return out


def _sites(nct: str, old: list[dict], new: list[dict]) -> list[dict[str, Any]]:
    pairs, removed, added = match_sites(old, new)
    out = [event(nct, "site_added", "high" if (s.get("status") in (None, "RECRUITING", "NOT_YET_RECRUITING")) else "medium",
                 "site", None, s.get("name"), site_details(s)) for s in added]
    out += [event(nct, "site_removed", "medium", "site", s.get("name"), None, site_details(s)) for s in removed]
    for before, after in pairs:
        if before.get("status") != after.get("status"):
            out.append(event(nct, "site_status_changed", "medium", "site_status", before.get("status"), after.get("status"),
                             site_details(after)))
    return out


def _members(nct: str, kind: str, old: list[dict], new: list[dict], key, label) -> list[dict[str, Any]]:
    old_keys = {key(m): m for m in old}
    new_keys = {key(m): m for m in new}
    out = [event(nct, f"{kind}_added", "medium", kind, None, label(m)) for k, m in new_keys.items() if k not in old_keys]
    out += [event(nct, f"{kind}_removed", "medium", kind, label(m), None) for k, m in old_keys.items() if k not in new_keys]
    return out
