"""Render one subscriber's digest: subject, plain text and HTML.

Everything that comes from ClinicalTrials.gov is untrusted text. The HTML environment
autoescapes; both environments strip control characters in `finalize`, and single-line fields
are collapsed to one line before they reach a template. Headers (subject, recipient name) are
built here from counts and validated subscriber fields and passed through `header_safe`, so a
title like "x\\r\\nBcc: evil@x" can never become a header.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from email.headerregistry import Address
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from netpipeline.digest.mass_entry import EntrySummary
from netpipeline.digest.rules import followed_trials, match_reasons
from netpipeline.digest.subscriber import Subscriber
from netpipeline.digest.unsubscribe import Links

FOOTER = ("This digest is generated automatically from ClinicalTrials.gov and is not medical advice. "
          "Talk to your care team before acting on it.")
STUDY_URL = "https://clinicaltrials.gov/study/{}"
MAX_PROGRAMS = 25        # the table is an overview; the analyst profile follows hundreds of trials
MAX_DIFF_LINES = 60      # a rewritten criteria section should not turn the mail into a protocol

# C0/C1 controls and line separators, plus the bidirectional controls (embeddings, overrides,
# isolates, marks) with which a registry text could reorder what a reader sees.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
_NCT_RE = re.compile(r"^NCT\d{8}$")
# Order of the subject's categories; the rest are summed into "other changes".
_SUBJECT_PARTS = (("new_trial", "new trial", "new trials"), ("site_added", "new site", "new sites"),
                  ("status_changed", "status change", "status changes"),
                  ("results_posted", "result posted", "results posted"),
                  ("eligibility_changed", "eligibility change", "eligibility changes"))
_KIND_LABEL = {
    "new_trial": "New trial", "left_scope": "No longer listed as a NET trial", "status_changed": "Status",
    "phase_changed": "Phase", "enrollment_changed": "Enrollment", "site_added": "New site",
    "site_removed": "Site removed", "site_status_changed": "Site status", "eligibility_changed": "Eligibility",
    "date_changed": "Date", "intervention_added": "Intervention added",
    "intervention_removed": "Intervention removed", "arm_added": "Arm added", "arm_removed": "Arm removed",
    "sponsor_changed": "Lead sponsor", "results_posted": "Results posted", "title_changed": "Title",
    "entered_scope": "Now in scope (registered earlier)", "reclassified": "Reclassified by the NET rules",
}
_RANK = {"high": 0, "medium": 1, "low": 2}


@dataclass(frozen=True)
class RenderedDigest:
    subscriber_id: str
    day: date
    subject: str
    text: str
    html: str
    message_id: str
    to: Address                   # str(to) == 'Name <email>'
    counts: dict[str, int]        # event_type -> number of events
    event_count: int
    send_when_empty: bool = False
    unsubscribe: Links | None = None
    entries: EntrySummary | None = None   # a mass entry, summarised

    @property
    def extra_headers(self) -> dict[str, str]:
        """List-Unsubscribe (and the RFC 8058 one-click header when there is an https link)."""
        if self.unsubscribe is None:
            return {}
        headers = {"List-Unsubscribe": self.unsubscribe.header()}
        if self.unsubscribe.url:
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        return headers

    @property
    def email(self) -> str:
        return self.to.addr_spec

    @property
    def should_send(self) -> bool:
        return self.event_count > 0 or self.entries is not None or self.send_when_empty


def strip_controls(value: Any) -> Any:
    """Jinja finalize: drop control characters (keeps \\t and \\n), keep Markup as Markup."""
    if value is None:
        return ""
    if isinstance(value, Markup):
        return Markup(_CONTROL_RE.sub("", str(value)))
    if isinstance(value, str):
        return _CONTROL_RE.sub("", value)
    return value


def one_line(value: Any) -> str:
    """A value for a single-line slot: controls removed, all whitespace runs (CR/LF too) -> one space."""
    if value is None:
        return ""
    return " ".join(_CONTROL_RE.sub(" ", str(value)).split())


def header_safe(value: str) -> str:
    return one_line(value)


def message_id(day: date, subscriber_id: str) -> str:
    """Deterministic per (day, subscriber), so receivers can de-duplicate a resent digest."""
    return f"<digest.{day.isoformat()}.{subscriber_id}@netpipeline>"


def long_date(day: date) -> str:
    """'Tuesday 17 November' (the year is in the data line)."""
    return f"{day:%A} {day.day} {day:%B}"


def humanize(value: Any) -> str:
    """RECRUITING -> Recruiting, ACTIVE_NOT_RECRUITING -> Active, not recruiting, PHASE2 -> Phase 2."""
    if value is None or value == "":
        return "—"
    s = str(value)
    if s == "ACTIVE_NOT_RECRUITING":
        return "Active, not recruiting"
    if "PHASE" in s:  # "PHASE2", "PHASE1, PHASE2", "['PHASE2']" -> "Phase 2", "Phase 1, Phase 2"
        s = re.sub(r"\bEARLY_PHASE1\b", "Early Phase 1", s)
        return re.sub(r"\bNA\b", "N/A", re.sub(r"\bPHASE(\d)\b", r"Phase \1", s))
    if re.fullmatch(r"[A-Z][A-Z_]+", s):  # an API enum such as NOT_YET_RECRUITING
        return s.replace("_", " ").capitalize()
    return s


def subject_for(day: date, counts: dict[str, int], entered: int = 0) -> str:
    """'NET trials, <day>: 2 new trials, 1 status change'; with a mass entry, the trials that
    entered the scope are one part ('312 trials entered scope'), not counted again."""
    parts, used = [], 0
    if entered:
        counts = {k: n for k, n in counts.items() if k not in ("new_trial", "entered_scope")}
        parts.append(f"{entered} trials entered scope")
    for kind, one, many in _SUBJECT_PARTS:
        n = counts.get(kind, 0)
        if n:
            parts.append(f"{n} {one if n == 1 else many}")
            used += n
    rest = sum(counts.values()) - used
    if rest:
        parts.append(f"{rest} other {'change' if rest == 1 else 'changes'}")
    return header_safe(f"NET trials, {day.isoformat()}: {', '.join(parts) if parts else 'no changes'}")


def _site_text(site: dict) -> str:
    where = ", ".join(one_line(site.get(k)) for k in ("city", "state", "country") if site.get(k))
    facility = one_line(site.get("facility"))
    return ", ".join(p for p in (facility, where) if p) or "unnamed site"


def _event_view(ev: dict) -> dict:
    """What the templates need for one event; every string already single-line where it should be."""
    kind = ev.get("event_type") or ""
    details = ev.get("details") if isinstance(ev.get("details"), dict) else {}
    old, new = ev.get("old_value"), ev.get("new_value")
    view: dict[str, Any] = {"kind": kind, "label": _KIND_LABEL.get(kind, humanize(kind)),
                            "significance": ev.get("significance") or "low",
                            "old": None, "new": None, "text": "", "note": "", "diff": [], "distance": ""}
    if kind in ("status_changed", "phase_changed", "enrollment_changed", "sponsor_changed", "title_changed",
                "date_changed"):
        pretty = humanize if kind in ("status_changed", "phase_changed") else (lambda v: "—" if v in (None, "") else v)
        if kind == "phase_changed":  # the change-log sends "PHASE2|PHASE3" plus readable labels
            old, new = details.get("old_label") or old, details.get("new_label") or new
        view["old"], view["new"] = one_line(pretty(old)), one_line(pretty(new))
        if kind == "date_changed":
            view["label"] = (ev.get("field") or "date").replace("_", " ").capitalize()
            shift = details.get("shift_days")
            if isinstance(shift, (int, float)) and shift:
                view["note"] = f"{'+' if shift > 0 else ''}{int(shift)} days"
        if kind in ("date_changed", "enrollment_changed"):  # ESTIMATED -> ACTUAL is news on its own
            types = (details.get("old_type"), details.get("new_type"))
            if types[0] != types[1] and all(types):
                view["note"] = "; ".join(p for p in (view["note"], f"{humanize(types[0]).lower()} -> "
                                                                  f"{humanize(types[1]).lower()}") if p)
        if kind == "status_changed" and details.get("why_stopped"):
            view["note"] = "Reason: " + one_line(details["why_stopped"])
    elif kind in ("site_added", "site_removed", "site_status_changed"):
        view["text"] = _site_text(details)
        if kind == "site_status_changed":
            view["old"], view["new"] = one_line(humanize(old)), one_line(humanize(new))
        elif details.get("status"):
            view["note"] = one_line(humanize(details["status"]))
        if ev.get("distance_km") is not None:
            km = float(ev["distance_km"])
            view["distance"] = f"{km:.1f}" if km < 10 else f"{km:.0f}"
            view["distance"] += f" km from {one_line(ev.get('place_label'))}"
    elif kind == "eligibility_changed":
        sections = [one_line(s) for s in details.get("sections_changed") or [] if s in ("inclusion", "exclusion")]
        view["text"] = f"{' and '.join(sections).capitalize()} criteria changed" if sections else "Criteria changed"
        diff = [d for d in details.get("diff") or [] if isinstance(d, dict)]
        view["diff"] = [{"op": d.get("op") if d.get("op") in ("+", "-") else " ", "line": one_line(d.get("line"))}
                        for d in diff[:MAX_DIFF_LINES]]
        if len(diff) > MAX_DIFF_LINES:
            view["note"] = f"{len(diff) - MAX_DIFF_LINES} more lines on ClinicalTrials.gov"
    elif kind == "results_posted":
        posted = details.get("results_first_post_date")
        view["text"] = "Results are available on ClinicalTrials.gov" + (f" (posted {one_line(posted)})" if posted else "")
    elif kind == "reclassified":
        view["text"] = f"{one_line(old)} → {one_line(new)}"
    elif kind in ("new_trial", "left_scope", "entered_scope"):
        pass  # the label and the trial header say it all
    else:  # intervention/arm added/removed: the name
        view["text"] = one_line(new if new is not None else old)
    return view


def _drug_text(trial: dict) -> str:
    drugs = [d for d in trial.get("drugs") or [] if d.get("mechanism_class") != "placebo"]
    return "; ".join(one_line(d.get("name")) + (f" ({one_line(d['class_label'])})" if d.get("class_label") else "")
                     for d in drugs) or "—"


def _trial_view(nct_id: str, trial: dict | None) -> dict:
    trial = trial or {}
    valid = bool(_NCT_RE.match(nct_id or ""))
    return {"nct_id": one_line(nct_id), "url": STUDY_URL.format(nct_id) if valid else "",
            "title": one_line(trial.get("brief_title")) or "(trial no longer in today's data)",
            "sponsor": one_line(trial.get("lead_sponsor")) or "—",
            "phase": one_line(trial.get("phase_label")) or "—",
            "status": one_line(humanize(trial.get("overall_status"))), "drugs": _drug_text(trial)}


# Autoescape is decided by template name: on for *.html.j2, off for the text template.
_ENV = Environment(
    loader=PackageLoader("netpipeline.digest", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=True, default=False),
    finalize=strip_controls, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    keep_trailing_newline=True)


def render_digest(subscriber: Subscriber, day: date, data_date: date | None, events: list[dict],
                  trials: dict[str, dict], base_date: date | None, unsubscribe: Links | None = None,
                  entries: EntrySummary | None = None) -> RenderedDigest:
    """Render the digest of `events` (already selected for this subscriber by rules.select_events,
    and trimmed by mass_entry.trim when `entries` summarises a mass entry)."""
    counts: dict[str, int] = {}
    by_trial: dict[str, list[dict]] = {}
    for ev in events:
        counts[ev["event_type"]] = counts.get(ev["event_type"], 0) + 1
        by_trial.setdefault(ev["nct_id"], []).append(ev)
    # Trials with the most significant news first; inside a trial, most significant first.
    order = sorted(by_trial, key=lambda n: (min(_RANK.get(e.get("significance"), 3) for e in by_trial[n]), n))
    groups = []
    for nct_id in order:
        evs = sorted(by_trial[nct_id], key=lambda e: _RANK.get(e.get("significance"), 3))
        groups.append({**_trial_view(nct_id, trials.get(nct_id)), "events": [_event_view(e) for e in evs],
                       "why": one_line("; ".join(match_reasons(subscriber, trials.get(nct_id), evs)))})
    programs = [_trial_view(t["nct_id"], t) for t in followed_trials(subscriber, trials)]
    subject = subject_for(day, counts, entries.entry.total if entries else 0)
    since = long_date(base_date) if base_date else None
    ctx = {"subject": subject, "name": one_line(subscriber.name), "subscriber_id": subscriber.id,
           "day": day.isoformat(), "data_date": data_date.isoformat() if data_date else "unknown",
           "base_date": base_date.isoformat() if base_date else None, "groups": groups,
           "since": since, "mass_entry": entries.lines(since, day.isoformat()) if entries else [],
           "near": [f"within {p.radius_km:g} km of {one_line(p.label)}" for p in subscriber.rules.near],
           "programs": programs[:MAX_PROGRAMS], "more_programs": max(0, len(programs) - MAX_PROGRAMS),
           "footer": FOOTER, "places": [one_line(p.label) for p in subscriber.rules.near],
           "unsubscribe_url": unsubscribe.url if unsubscribe else "",
           "unsubscribe_mailto": unsubscribe.mailto if unsubscribe else "",
           "unsubscribe_address": unsubscribe.mailto.removeprefix("mailto:").split("?")[0] if unsubscribe else ""}
    text = _ENV.get_template("digest.txt.j2").render(ctx)
    html = _ENV.get_template("digest.html.j2").render(ctx)
    to = Address(display_name=header_safe(subscriber.name), addr_spec=subscriber.email)
    return RenderedDigest(subscriber_id=subscriber.id, day=day, subject=subject, text=text, html=html,
                          message_id=message_id(day, subscriber.id), to=to, counts=counts,
                          event_count=len(events), send_when_empty=subscriber.send_when_empty,
                          unsubscribe=unsubscribe, entries=entries)
