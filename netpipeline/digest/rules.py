"""Which trials a subscriber follows and which of the day's events reach them.

Semantics (the single source of truth; subscriber_parser.py only validates):

Trial filter — a trial is *followed* when it is on the watchlist, or when ALL of these hold
(each key narrows; within one key any listed value is enough; a missing key means the default):

- only_net (default true): the trial is classified as NET (`is_net`).
- phases (default PHASE2/3/4): the trial shares at least one phase with the rule, so a
  Phase 1/2 or 2/3 trial matches the default. 'NA' matches trials with no phase (observational).
- statuses (default RECRUITING, NOT_YET_RECRUITING, ENROLLING_BY_INVITATION): the status today
  OR on the base day (`previous_overall_status`) is listed, so the day a followed trial closes
  recruitment is still reported to the people who followed it.
- sponsor_classes (default INDUSTRY, OTHER, NIH, FED, OTHER_GOV, NETWORK): lead sponsor class.
- sponsors: a listed text occurs in the lead sponsor name (case-insensitive).
- net_subtypes: the trial has a listed subtype.
- drugs / mechanism_classes: together they describe "treatments of interest" and are OR-ed:
  the trial has a drug whose name contains a listed drug name (case-insensitive) OR a drug of a
  listed mechanism class. ("zanzalintinib or any PRRT", not "a trial with both".)
- countries: the trial has a site in a listed country (or one of today's site events is there).
- near: the trial has a site within radius_km of a listed place (or one of today's site
  events is, so the removal of the last nearby site is still reported).

Event filter — an event reaches the subscriber when its trial is followed AND its type is in
the subscriber's event groups AND, for site events (site_added / site_removed /
site_status_changed), the event's own site satisfies `near` (within a radius) and `countries`
when those are set: a Boston patient is not told about a new site in Tokyo of a trial they
follow. Sites without coordinates never satisfy `near`.

Watchlisted trials bypass every filter, event groups and site filters included: all their
events are reported and they always appear in the key programs table.

`left_scope` events are exempt from only_net: a trial leaving the NET universe has usually lost
its NET classification, and that departure is exactly what its followers need to hear.
Events of trials absent from `trials` can only be judged by the watchlist.
"""
from __future__ import annotations

from typing import Any, Iterable

from netpipeline.digest.geo import coordinates, haversine_km
from netpipeline.digest.subscriber import Place, Rules, Subscriber

SITE_EVENTS = frozenset({"site_added", "site_removed", "site_status_changed"})
# Statuses shown in the "Key active programs" table: the trial is still running.
ACTIVE_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION",
                             "ACTIVE_NOT_RECRUITING", "SUSPENDED"})
_SIGNIFICANCE_ORDER = {"high": 0, "medium": 1, "low": 2}


def nearest_place(places: Iterable[Place], site: dict | None) -> tuple[Place, float] | None:
    """The closest place whose radius contains the site, with the distance in km."""
    point = coordinates(site)
    if point is None:
        return None
    best: tuple[Place, float] | None = None
    for place in places:
        km = haversine_km(place.lat, place.lon, point[0], point[1])
        if km <= place.radius_km and (best is None or km < best[1]):
            best = (place, km)
    return best


def _country_ok(rules: Rules, country: Any) -> bool:
    return rules.countries is None or (isinstance(country, str) and country.strip().lower() in rules.countries)


def _site_ok(rules: Rules, site: dict | None) -> bool:
    """Does one site satisfy the place rules (near AND countries, when set)?"""
    site = site or {}
    if rules.near and nearest_place(rules.near, site) is None:
        return False
    return _country_ok(rules, site.get("country"))


def trial_matches(rules: Rules, trial: dict, extra_sites: Iterable[dict] = (), *, kind: str | None = None) -> bool:
    """The trial filter, without the watchlist. `extra_sites` are today's site-event sites."""
    if rules.only_net and not trial.get("is_net") and kind != "left_scope":
        return False
    if rules.phases is not None:
        phases = set(trial.get("phases") or [])
        if not phases:
            phases = {"NA"}  # observational / no phase
        if not phases & rules.phases:
            return False
    if rules.statuses is not None:
        now, before = trial.get("overall_status"), trial.get("previous_overall_status")
        if now not in rules.statuses and before not in rules.statuses:
            return False
    if rules.sponsor_classes is not None and trial.get("lead_sponsor_class") not in rules.sponsor_classes:
        return False
    if rules.sponsors is not None:
        sponsor = (trial.get("lead_sponsor") or "").lower()
        if not any(s in sponsor for s in rules.sponsors):
            return False
    if rules.net_subtypes is not None and not set(trial.get("net_subtypes") or []) & rules.net_subtypes:
        return False
    if rules.drugs is not None or rules.mechanism_classes is not None:
        drugs = trial.get("drugs") or []
        by_name = rules.drugs is not None and any(
            d in (drug.get("name") or "").lower() for drug in drugs for d in rules.drugs)
        by_class = rules.mechanism_classes is not None and any(
            drug.get("mechanism_class") in rules.mechanism_classes for drug in drugs)
        if not (by_name or by_class):
            return False
    if rules.countries is not None or rules.near:
        sites = list(trial.get("sites") or []) + list(extra_sites)
        country_hit = rules.countries is None or any(
            _country_ok(rules, c) for c in (trial.get("countries") or [])) or any(
            _country_ok(rules, s.get("country")) for s in sites)
        near_hit = not rules.near or any(nearest_place(rules.near, s) for s in sites)
        if not (country_hit and near_hit):
            return False
    return True


def followed_trials(subscriber: Subscriber, trials: dict[str, dict]) -> list[dict]:
    """Trials for the "Key active programs" table.

    Watchlisted trials (whatever their status) plus trials passing the trial filter whose status
    TODAY is still active (recruiting, not yet recruiting, by invitation, active not recruiting,
    suspended): the table is a picture of what is running now, so an analyst following all
    statuses does not get every completed trial. Ordered watchlist first, then later phase
    first, then NCT ID.
    """
    rules = subscriber.rules
    out = []
    for nct_id, trial in trials.items():
        if nct_id in rules.watchlist or (
                trial.get("overall_status") in ACTIVE_STATUSES and trial_matches(rules, trial)):
            out.append(trial)

    def key(t: dict) -> tuple:
        top_phase = max((p for p in t.get("phases") or [] if p.startswith("PHASE")), default="")
        return (t.get("nct_id") not in rules.watchlist, _desc(top_phase), t.get("nct_id") or "")
    return sorted(out, key=key)


def _desc(s: str) -> tuple[int, ...]:
    return tuple(-ord(c) for c in s)


def select_events(subscriber: Subscriber, events: list[dict], trials: dict[str, dict]) -> list[dict]:
    """The subscriber's events (copies), ordered by trial then significance then type.

    Which events pass is defined in the module docstring (trial filter, event groups, site
    filters, watchlist override).

    When the rules have places, each site event that is within a radius carries
    `distance_km` (float, rounded to 0.1) and `place_label` (the nearest place).
    """
    rules = subscriber.rules
    sites_today: dict[str, list[dict]] = {}
    for ev in events:
        if ev.get("event_type") in SITE_EVENTS and isinstance(ev.get("details"), dict):
            sites_today.setdefault(ev["nct_id"], []).append(ev["details"])

    selected = []
    for ev in events:
        nct_id, kind = ev.get("nct_id"), ev.get("event_type")
        details = ev.get("details") if isinstance(ev.get("details"), dict) else {}
        watched = nct_id in rules.watchlist
        if not watched:
            trial = trials.get(nct_id)
            if trial is None or kind not in rules.event_types:
                continue
            if kind in SITE_EVENTS and not _site_ok(rules, details):
                continue
            if not trial_matches(rules, trial, sites_today.get(nct_id, ()), kind=kind):
                continue
        out = dict(ev)
        if kind in SITE_EVENTS and rules.near:
            hit = nearest_place(rules.near, details)
            if hit is not None:
                out["place_label"], out["distance_km"] = hit[0].label, round(hit[1], 1)
        selected.append(out)
    selected.sort(key=lambda e: (e.get("nct_id") or "", _SIGNIFICANCE_ORDER.get(e.get("significance"), 3),
                                 e.get("event_type") or ""))
    return selected


def match_reasons(subscriber: Subscriber, trial: dict | None, events: list[dict]) -> list[str]:
    """Which of the subscriber's own rules brought this trial into their digest, in words
    ("on your watchlist", "drug zanzalintinib", "a site 12 km from Boston, MA, United States").

    Only the rules the subscriber wrote are named (not the defaults every subscriber has); a
    trial that passes on defaults alone says so.
    """
    rules, trial = subscriber.rules, trial or {}
    out = []
    if trial.get("nct_id") in rules.watchlist or any(e.get("nct_id") in rules.watchlist for e in events):
        out.append("on your watchlist")
    drugs = trial.get("drugs") or []
    for wanted in rules.drugs or ():
        hit = next((d.get("name") for d in drugs if wanted in (d.get("name") or "").lower()), None)
        if hit:
            out.append(f"drug {hit}")
    for code in sorted(rules.mechanism_classes or ()):
        hit = next((d for d in drugs if d.get("mechanism_class") == code), None)
        if hit:
            out.append(f"{hit.get('class_label') or code.replace('_', ' ')} ({hit.get('name')})")
    subtypes = sorted(set(trial.get("net_subtypes") or []) & (rules.net_subtypes or set()))
    if subtypes:
        out.append("NET subtype " + ", ".join(s.replace("_", " ") for s in subtypes))
    if rules.sponsors and trial.get("lead_sponsor"):
        out.append(f"sponsor {trial['lead_sponsor']}")
    sites = list(trial.get("sites") or []) + [e["details"] for e in events
                                               if e.get("event_type") in SITE_EVENTS and isinstance(e.get("details"), dict)]
    if rules.near:
        hits = [h for h in (nearest_place(rules.near, s) for s in sites) if h is not None]
        if hits:
            place, km = min(hits, key=lambda h: h[1])
            out.append(f"a site {km:.1f} km from {place.label}" if km < 10 else f"a site {km:.0f} km from {place.label}")
    if rules.countries:
        countries = sorted({c for c in (trial.get("countries") or []) + [s.get("country") for s in sites]
                            if _country_ok(rules, c) and c})
        if countries:
            out.append("a site in " + ", ".join(countries))
    return out or ["your phase, status and sponsor filters"]
