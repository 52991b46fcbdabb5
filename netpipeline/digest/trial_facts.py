"""The per-trial facts the digest rules and templates read, loaded from the trials views.

Only the trials a digest can show are loaded (`TrialsToLoad`): the trials of the day's events,
the watchlists, and the candidates of the "Key active programs" table (trials active today,
NET ones unless a subscriber follows non-NET trials too). Loading every trial of the day
would make the digest's memory grow with the registry (300,000 studies: ~3 million site rows
as Python dicts) while it only ever shows a few hundred.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb

from netpipeline.digest.rules import ACTIVE_STATUSES
from netpipeline.digest.subscriber import Subscriber

_ACTIVE = ", ".join(f"'{s}'" for s in sorted(ACTIVE_STATUSES))
_STUDIES_SQL = f"""
SELECT s.nct_id, s.brief_title, s.overall_status, s.phases, s.phase_label, s.study_type,
       s.lead_sponsor, s.lead_sponsor_class, coalesce(p.is_net, false) AS is_net,
       coalesce(p.net_subtypes, []) AS net_subtypes, b.overall_status AS previous_overall_status
FROM trials.studies s
LEFT JOIN trials.net_profile p ON p.snapshot_date = s.snapshot_date AND p.nct_id = s.nct_id
LEFT JOIN trials.studies b ON b.snapshot_date = $base AND b.nct_id = s.nct_id
WHERE s.snapshot_date = $day
  AND (s.nct_id IN (SELECT unnest($ids::VARCHAR[]))
       OR ($active_any AND s.overall_status IN ({_ACTIVE}))
       OR ($active_net AND s.overall_status IN ({_ACTIVE}) AND coalesce(p.is_net, false)))
"""
# One row per distinct drug of a trial (arms often repeat the same drug), in registration order.
_DRUGS_SQL = """
SELECT nct_id, drug AS name, mechanism_class, any_value(class_label) AS class_label
FROM trials.intervention_classes
WHERE snapshot_date = $day AND mechanism_class <> 'placebo' AND nct_id IN (SELECT unnest($ids::VARCHAR[]))
GROUP BY nct_id, drug, mechanism_class
ORDER BY nct_id, min(intervention_id), drug
"""
_SITES_SQL = """
SELECT nct_id, name AS facility, city, state, zip, country, status, latitude AS lat, longitude AS lon
FROM trials.facilities WHERE snapshot_date = $day AND nct_id IN (SELECT unnest($ids::VARCHAR[]))
ORDER BY nct_id, facility_id
"""


@dataclass(frozen=True)
class TrialsToLoad:
    """Which trials' facts a day's digests need.

    `active` names the candidates of the key programs table: "net" (active NET trials), "all"
    (every active trial: some subscriber has only_net false) or "none".
    """
    nct_ids: frozenset[str]
    active: str = "net"

    @classmethod
    def for_digests(cls, subscribers: Iterable[Subscriber], events: Iterable[dict]) -> TrialsToLoad:
        subscribers = list(subscribers)
        ids = {e["nct_id"] for e in events if e.get("nct_id")}
        for subscriber in subscribers:
            ids |= subscriber.rules.watchlist
        active = "all" if any(not s.rules.only_net for s in subscribers) else "net"
        return cls(frozenset(ids), active)


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_trial_facts(con: duckdb.DuckDBPyConnection, day: date, base_date: date | None,
                     wanted: TrialsToLoad) -> dict[str, dict[str, Any]]:
    """nct_id -> facts on `day` of the `wanted` trials; wanted ids absent today (removed, left
    scope) get their base-day facts, with the base-day status as previous status."""
    facts = _facts_for(con, day, base_date, wanted)
    missing = wanted.nct_ids - facts.keys()
    if base_date is not None and missing:
        for nct_id, old in _facts_for(con, base_date, None, TrialsToLoad(frozenset(missing), "none")).items():
            facts[nct_id] = old | {"previous_overall_status": old["overall_status"]}
    return facts


def _facts_for(con: duckdb.DuckDBPyConnection, day: date, base_date: date | None,
               wanted: TrialsToLoad) -> dict[str, dict[str, Any]]:
    params = {"day": day, "base": base_date, "ids": sorted(wanted.nct_ids),
              "active_any": wanted.active == "all", "active_net": wanted.active == "net"}
    facts = {r["nct_id"]: r | {"drugs": [], "sites": [], "countries": []}
             for r in _rows(con, _STUDIES_SQL, params)}
    loaded = {"day": day, "ids": sorted(facts)}
    for row in _rows(con, _DRUGS_SQL, loaded):
        facts[row.pop("nct_id")]["drugs"].append(row)
    countries: dict[str, set[str]] = defaultdict(set)
    for row in _rows(con, _SITES_SQL, loaded):
        nct_id = row.pop("nct_id")
        facts[nct_id]["sites"].append(row)
        if row["country"]:
            countries[nct_id].add(row["country"])
    for nct_id, names in countries.items():
        facts[nct_id]["countries"] = sorted(names)
    return facts
