"""A mass entry into the NET scope is summarised, not listed trial by trial.

When the events of one digest bring more than MASS_ENTRY_MIN trials into scope (`new_trial`
plus `entered_scope`: a MeSH re-index, a scope or rules upgrade), each subscriber gets one
summary (how many entered, how many were registered earlier and why they entered, the top
subtypes, how many pass their own filters, where the full list is) and the entries listed are
only:

- trials on their watchlist, and new registrations (first posted since the base day: the
  genuine news, a re-index adds none), and
- when the subscriber wrote a rule that names treatments, sponsors or places (`drugs`,
  `mechanism_classes`, `sponsors`, `near`), the entries that pass it.

Broad rules (`net_subtypes`, `countries`) do not list: a subtype added to the scope brings all
its trials at once. At most LISTED_MAX entry trials are listed per subscriber (watchlist first,
then new registrations, then by NCT ID); every other event of the day is listed as usual.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from netpipeline.digest.subscriber import Subscriber

ENTRY_EVENTS = frozenset({"new_trial", "entered_scope"})
MASS_ENTRY_MIN = 50     # more entering trials than this in one digest's events: a mass entry
LISTED_MAX = 10         # entry trials still listed per subscriber on such a day
TOP_SUBTYPES = 3
_BY_QUERY = "newly returned by the scope query"   # changes.changelog's reason for a query-side entry


@dataclass(frozen=True)
class MassEntry:
    """The entries of a digest's events, when there are too many to list."""
    total: int                   # trials that entered the scope
    new_registrations: int       # of which first posted since the base day (`new_trial`)
    by_query: int                # registered earlier, newly returned by the scope query (re-index, query change)
    by_rules: int                # registered earlier, newly classified as NET by our rules
    top_subtypes: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class EntrySummary:
    """One subscriber's view of a mass entry."""
    entry: MassEntry
    yours: int                   # entering trials that pass the subscriber's filters
    listed: int                  # of which listed in their digest

    def lines(self, since: str | None, day: str) -> list[str]:
        e = self.entry
        when = f"since {since}" if since else "today"
        earlier = e.total - e.new_registrations
        why = ("most of them newly returned by the registry's search (a MeSH re-index or a scope change)"
               if e.by_query >= e.by_rules else "most of them newly classified as NET by our rules (a rules upgrade)")
        out = [f"{e.total} trials entered the NET scope {when}: {e.new_registrations} new "
               f"{'registration' if e.new_registrations == 1 else 'registrations'} and {earlier} registered "
               f"earlier, {why}. They are summarised here, not listed one by one."]
        if e.top_subtypes:
            out.append("Top subtypes: " + ", ".join(f"{code.replace('_', ' ')} {n}" for code, n in e.top_subtypes) + ".")
        out.append(f"{self.yours} of them pass your filters; listed below: {self.listed} (your watchlist, new "
                   f"registrations and trials matching your drugs, sponsors or places; at most {LISTED_MAX}).")
        out.append(f"The full list: changes.events of {day} (event types new_trial, entered_scope) in the "
                   "published warehouse and Parquet tables.")
        return out


def detect(events: list[dict], trials: dict[str, dict]) -> MassEntry | None:
    """The digest's mass entry, or None when its entries are few enough to list."""
    entries = {e["nct_id"]: e for e in events if e.get("event_type") in ENTRY_EVENTS}
    if len(entries) <= MASS_ENTRY_MIN:
        return None
    kinds = Counter(e["event_type"] for e in entries.values())
    reasons = Counter((e.get("details") or {}).get("reason") for e in entries.values()
                      if e["event_type"] == "entered_scope")
    subtypes = Counter(code for nct_id in entries for code in (trials.get(nct_id) or {}).get("net_subtypes") or [])
    by_query = reasons[_BY_QUERY]
    return MassEntry(total=len(entries), new_registrations=kinds["new_trial"], by_query=by_query,
                     by_rules=kinds["entered_scope"] - by_query,
                     top_subtypes=tuple(sorted(subtypes.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_SUBTYPES]))


def _points_at_trials(subscriber: Subscriber) -> bool:
    rules = subscriber.rules
    return any(v is not None for v in (rules.drugs, rules.mechanism_classes, rules.sponsors)) or bool(rules.near)


def trim(subscriber: Subscriber, selected: list[dict], entry: MassEntry | None) -> tuple[list[dict], EntrySummary | None]:
    """The subscriber's events with a mass entry's entries cut down (see the module docstring)."""
    if entry is None:
        return selected, None
    entering = {e["nct_id"]: e["event_type"] for e in selected if e.get("event_type") in ENTRY_EVENTS}
    if not entering:
        return selected, None
    watchlist, pointed = subscriber.rules.watchlist, _points_at_trials(subscriber)
    candidates = [n for n, kind in entering.items() if n in watchlist or kind == "new_trial" or pointed]
    keep = set(sorted(candidates, key=lambda n: (n not in watchlist, entering[n] != "new_trial", n))[:LISTED_MAX])
    kept = [e for e in selected if e.get("event_type") not in ENTRY_EVENTS or e["nct_id"] in keep]
    return kept, EntrySummary(entry, yours=len(entering), listed=len(keep))
