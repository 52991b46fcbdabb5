"""The SQL that reads each check's slice of one day from the warehouse.

Each check is one or more parts: a query (parameter `$day`) whose result Great Expectations
validates with the expectations named in `expectations.py`. Keeping the SQL here, apart from
GX, lets tests and the UI show exactly what was validated.
"""
from __future__ import annotations

from dataclasses import dataclass

# Child tables of trials.studies that must point to a study of the same day.
CHILD_TABLES = (
    "conditions", "keywords", "interventions", "intervention_other_names", "design_groups",
    "design_group_interventions", "sponsors", "facilities", "facility_contacts", "central_contacts",
    "overall_officials", "eligibilities", "design_outcomes", "browse_conditions", "browse_interventions",
    "study_references", "id_information", "net_profile", "intervention_classes",
)

DATE_FIELDS = (
    "start_date", "primary_completion_date", "completion_date", "study_first_post_date",
    "last_update_post_date", "results_first_post_date",
)


@dataclass(frozen=True)
class SlicePart:
    label: str          # the table (or relation) the part validates, shown in results
    sql: str


def _children_sql(existing: set[str]) -> str:
    selects = [
        f"SELECT '{table}' AS child_table, c.nct_id, s.nct_id IS NOT NULL AS has_parent "
        f"FROM trials.{table} c LEFT JOIN (SELECT DISTINCT nct_id FROM trials.studies WHERE snapshot_date = $day) s "
        f"USING (nct_id) WHERE c.snapshot_date = $day"
        for table in CHILD_TABLES
        if table in existing
    ]
    return " UNION ALL ".join(selects) or "SELECT NULL::VARCHAR AS child_table, NULL::VARCHAR AS nct_id, true AS has_parent WHERE false"


def _dates_sql() -> str:
    return " UNION ALL ".join(
        f"SELECT nct_id, '{f}' AS field, {f}_raw AS raw, {f}_precision AS precision, {f} AS typed "
        f"FROM trials.studies WHERE snapshot_date = $day AND {f}_raw IS NOT NULL"
        for f in DATE_FIELDS
    )


def slice_parts(check_name: str, existing_trials_tables: set[str]) -> list[SlicePart]:
    """The queries behind a check (see catalog.CHECKS)."""
    parts = {
        "raw_day_complete": [
            SlicePart("raw.study_days", """
                SELECT d.nct_id, p.total_count
                FROM raw.study_days d LEFT JOIN raw.pulls p USING (snapshot_date)
                WHERE d.snapshot_date = $day"""),
            SlicePart("raw.pulls", """
                SELECT $day::DATE AS snapshot_date, p.total_count,
                       (SELECT count(DISTINCT nct_id) FROM raw.study_days WHERE snapshot_date = $day) AS distinct_studies
                FROM (SELECT 1) LEFT JOIN raw.pulls p ON p.snapshot_date = $day"""),
        ],
        "volume_within_limit": [
            SlicePart("raw.pulls", """
                WITH today AS (SELECT count(*) AS n FROM raw.study_days WHERE snapshot_date = $day),
                     prev AS (SELECT max(snapshot_date) AS d FROM raw.pulls WHERE snapshot_date < $day),
                     prev_n AS (SELECT count(*) AS n FROM raw.study_days WHERE snapshot_date = (SELECT d FROM prev))
                SELECT today.n AS studies, (SELECT d FROM prev) AS previous_date, prev_n.n AS previous_studies,
                       CASE WHEN prev_n.n > 0 THEN greatest(0, (prev_n.n - today.n) / prev_n.n::DOUBLE) ELSE 0 END AS drop_share
                FROM today, prev_n"""),
        ],
        "data_date_advances": [
            SlicePart("raw.pulls", """
                SELECT p.data_timestamp,
                       (SELECT max(data_timestamp) FROM raw.pulls WHERE snapshot_date < $day) AS previous_data_timestamp
                FROM raw.pulls p WHERE p.snapshot_date = $day"""),
        ],
        "nct_id_valid": [
            SlicePart("trials.studies", "SELECT nct_id FROM trials.studies WHERE snapshot_date = $day"),
        ],
        "enums_valid": [
            SlicePart("trials.studies", """
                SELECT nct_id, overall_status, study_type, lead_sponsor_class
                FROM trials.studies WHERE snapshot_date = $day"""),
            SlicePart("trials.studies.phases", """
                SELECT nct_id, unnest(phases) AS phase FROM trials.studies WHERE snapshot_date = $day"""),
            SlicePart("trials.sponsors", """
                SELECT nct_id, agency_class FROM trials.sponsors WHERE snapshot_date = $day"""),
        ],
        "children_have_parent": [SlicePart("trials.*", _children_sql(existing_trials_tables))],
        "date_precision_valid": [SlicePart("trials.studies", _dates_sql())],
        "enrollment_non_negative": [
            SlicePart("trials.studies", "SELECT nct_id, enrollment FROM trials.studies WHERE snapshot_date = $day"),
        ],
        "raw_trials_reconciled": [
            SlicePart("raw.study_days", """
                SELECT r.nct_id, count(s.nct_id) AS trials_rows
                FROM raw.study_days r
                LEFT JOIN trials.studies s ON s.snapshot_date = r.snapshot_date AND s.nct_id = r.nct_id
                WHERE r.snapshot_date = $day GROUP BY r.nct_id"""),
            SlicePart("trials.studies", """
                SELECT (SELECT count(*) FROM raw.study_days WHERE snapshot_date = $day) AS raw_studies,
                       (SELECT count(*) FROM trials.studies WHERE snapshot_date = $day) AS trials_studies"""),
        ],
        "start_before_completion": [
            SlicePart("trials.studies", """
                SELECT nct_id, start_date, primary_completion_date, completion_date
                FROM trials.studies WHERE snapshot_date = $day"""),
        ],
        "site_coordinates_in_range": [
            SlicePart("trials.facilities", """
                SELECT nct_id, latitude, longitude FROM trials.facilities WHERE snapshot_date = $day"""),
        ],
        "recruiting_trials_have_recruiting_site": [
            SlicePart("trials.facilities", """
                SELECT s.nct_id, count(*) FILTER (WHERE f.status = 'RECRUITING') AS recruiting_sites
                FROM trials.studies s JOIN trials.facilities f ON f.snapshot_date = s.snapshot_date AND f.nct_id = s.nct_id
                WHERE s.snapshot_date = $day AND s.overall_status = 'RECRUITING' AND f.status IS NOT NULL
                GROUP BY s.nct_id"""),
        ],
        "no_unknown_enum_values": [
            SlicePart("trials_versions.enum_findings", """
                SELECT e.nct_id, e.field, e.value
                FROM trials_versions.enum_findings e JOIN raw.study_days d USING (content_hash)
                WHERE d.snapshot_date = $day"""),
        ],
    }
    return parts[check_name]
