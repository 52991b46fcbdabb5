"""The per-trial facts the digest rules and templates read, loaded from the trials views."""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import duckdb

_STUDIES_SQL = """
SELECT s.nct_id, s.brief_title, s.overall_status, s.phases, s.phase_label, s.study_type,
       s.lead_sponsor, s.lead_sponsor_class, coalesce(p.is_net, false) AS is_net,
       coalesce(p.net_subtypes, []) AS net_subtypes, b.overall_status AS previous_overall_status
FROM trials.studies s
LEFT JOIN trials.net_profile p ON p.snapshot_date = s.snapshot_date AND p.nct_id = s.nct_id
LEFT JOIN trials.studies b ON b.snapshot_date = $base AND b.nct_id = s.nct_id
WHERE s.snapshot_date = $day
"""
# One row per distinct drug of a trial (arms often repeat the same drug), in registration order.
_DRUGS_SQL = """
SELECT nct_id, drug AS name, mechanism_class, any_value(class_label) AS class_label
FROM trials.intervention_classes WHERE snapshot_date = $day AND mechanism_class <> 'placebo'
GROUP BY nct_id, drug, mechanism_class
ORDER BY nct_id, min(intervention_id), drug
"""
_SITES_SQL = """
SELECT nct_id, name AS facility, city, state, zip, country, status, latitude AS lat, longitude AS lon
FROM trials.facilities WHERE snapshot_date = $day ORDER BY nct_id, facility_id
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_trial_facts(con: duckdb.DuckDBPyConnection, day: date, base_date: date | None) -> dict[str, dict[str, Any]]:
    """nct_id -> facts on `day`; trials that left scope since `base_date` get their base-day facts."""
    facts = _facts_for(con, day, base_date)
    if base_date is not None:
        for nct_id, old in _facts_for(con, base_date, None).items():
            facts.setdefault(nct_id, old | {"previous_overall_status": old["overall_status"]})
    return facts


def _facts_for(con: duckdb.DuckDBPyConnection, day: date, base_date: date | None) -> dict[str, dict[str, Any]]:
    params = {"day": day}
    facts = {r["nct_id"]: r | {"drugs": [], "sites": [], "countries": []}
             for r in _rows(con, _STUDIES_SQL, params | {"base": base_date})}
    for row in _rows(con, _DRUGS_SQL, params):
        if row["nct_id"] in facts:
            facts[row.pop("nct_id")]["drugs"].append(row)
    countries: dict[str, set[str]] = defaultdict(set)
    for row in _rows(con, _SITES_SQL, params):
        nct_id = row.pop("nct_id")
        if nct_id in facts:
            facts[nct_id]["sites"].append(row)
            if row["country"]:
                countries[nct_id].add(row["country"])
    for nct_id, names in countries.items():
        facts[nct_id]["countries"] = sorted(names)
    return facts
