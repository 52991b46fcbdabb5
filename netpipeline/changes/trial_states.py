"""Read trial states (what diff.py compares) for a set of study versions, in bulk.

States are read by version (`content_hash`) from trials_versions, not per day from the views:
a changed study has two versions, and reading each version once is all the diff needs. One
query per table, whatever the number of versions (the hashes go in as one list parameter), and
nothing is written, so a read-only connection works.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Any

import duckdb

STUDY_COLUMNS = (
    "nct_id", "brief_title", "overall_status", "why_stopped", "phases", "phase_label", "enrollment",
    "enrollment_type", "start_date_raw", "start_date_type", "primary_completion_date_raw",
    "primary_completion_date_type", "completion_date_raw", "completion_date_type", "lead_sponsor",
    "lead_sponsor_class", "has_results", "results_first_post_date_raw", "study_first_post_date",
)
# Lists the diff compares, ordered by their 1-based position so a state reads like the record.
CHILDREN = {
    "sites": ("facilities", "site_key, name, city, state, zip, country, status, latitude, longitude", "facility_id"),
    "interventions": ("interventions", "intervention_type, name", "intervention_id"),
    "arms": ("design_groups", "label, group_type", "design_group_id"),
}
_WANTED = "(SELECT DISTINCT unnest($hashes::VARCHAR[]) AS content_hash) wanted"


def load_states(con: duckdb.DuckDBPyConnection, content_hashes: list[str]) -> dict[str, dict[str, Any]]:
    """content_hash -> trial state dict (studies columns, eligibility text, sites, interventions, arms)."""
    if not content_hashes:
        return {}
    params = {"hashes": list(content_hashes)}
    states: dict[str, dict[str, Any]] = {}
    cursor = con.execute(
        f"SELECT s.content_hash, {', '.join('s.' + c for c in STUDY_COLUMNS)}, "
        "e.criteria, e.inclusion_criteria, e.exclusion_criteria "
        f"FROM trials_versions.studies s JOIN {_WANTED} USING (content_hash) "
        "LEFT JOIN trials_versions.eligibilities e USING (content_hash)", params)
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        state = dict(zip(names[1:], row[1:]))
        state.update({key: [] for key in CHILDREN})
        states[row[0]] = state
    for key, (table, columns, order) in CHILDREN.items():
        grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
        cursor = con.execute(
            f"SELECT content_hash, {columns} FROM trials_versions.{table} JOIN {_WANTED} USING (content_hash) "
            f"ORDER BY content_hash, {order}", params)
        names = [d[0] for d in cursor.description]
        for row in cursor.fetchall():
            grouped[row[0]].append(dict(zip(names[1:], row[1:])))
        for content_hash, items in grouped.items():
            if content_hash in states:
                states[content_hash][key] = items
    return states
