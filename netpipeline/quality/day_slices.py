"""The SQL that reads each check's slice of one day from the warehouse.

Each check is one or more parts: a query (parameter `$day`) whose result Great Expectations
validates with the expectations named in `expectations.py`. Keeping the SQL here, apart from
GX, lets tests and the UI show exactly what was validated.

Every row of a slice is one thing that can fail (a study, a site, a date, the day's counts),
so "failures" in quality.check_results counts rows of these slices.
"""
from __future__ import annotations

from dataclasses import dataclass

from netpipeline.normalise.trials_schema import DATE_FIELDS as _TRIALS_DATE_FIELDS
from netpipeline.quality.catalog import CHECKS

# Child tables of trials.studies that must point to a study of the same day.
CHILD_TABLES = (
    "conditions", "keywords", "interventions", "intervention_other_names", "design_groups",
    "design_group_interventions", "sponsors", "facilities", "facility_contacts", "central_contacts",
    "overall_officials", "eligibilities", "design_outcomes", "browse_conditions", "browse_interventions",
    "study_references", "id_information", "enum_findings", "net_profile", "intervention_classes",
)

# Raw checks that make a stored day unfit as the volume yardstick of later days.
_RAW_BLOCKING = ", ".join(f"'{c.name}'" for c in CHECKS if c.target == "raw" and c.severity == "blocking")

# Every date of trials.studies (each has <date>, <date>_raw, <date>_precision, <date>_type).
DATE_FIELDS = tuple(prefix for prefix, _key, _is_struct in _TRIALS_DATE_FIELDS)


@dataclass(frozen=True)
class SlicePart:
    label: str          # the table (or relation) the part validates, shown in results
    sql: str
    # Columns shown next to an offending value in summaries (which table, which date field...).
    context: tuple[str, ...] = ()
    # For slices that grow with every row of the day (child rows, dates, sites: ~45 rows per
    # study, 13 million at 300,000 studies): a condition over the slice's columns that holds for
    # every row its expectations could fail. The rows are then counted in DuckDB and only these
    # reach pandas and GX, so memory follows the offending rows, not the day. It must be a
    # superset of the failures (test_quality_prefilter compares both ways on broken data).
    can_fail: str | None = None


def _children_sql(existing: set[str]) -> str:
    # What the trials.<child> views give for the day (raw.study_days joined to the version
    # rows), with the child tables stacked BEFORE the one join: a UNION of 20 views would
    # build 20 hash tables of the day's versions at once (1.2 GB of RSS at 300,000 studies).
    stacked = " UNION ALL ".join(
        f"SELECT '{table}' AS child_table, content_hash, nct_id FROM trials_versions.{table}"
        for table in CHILD_TABLES if table in existing)
    if not stacked:
        return "SELECT NULL::VARCHAR AS child_table, NULL::VARCHAR AS nct_id, true AS has_parent WHERE false"
    return f"""
        SELECT c.child_table, c.nct_id, s.nct_id IS NOT NULL AS has_parent
        FROM ({stacked}) c
        JOIN raw.study_days d ON d.content_hash = c.content_hash AND d.snapshot_date = $day
        LEFT JOIN (SELECT DISTINCT nct_id FROM trials.studies WHERE snapshot_date = $day) s ON s.nct_id = c.nct_id
        WHERE d.snapshot_date IN (SELECT snapshot_date FROM trials_versions.normalised_days)"""


def _dates_sql() -> str:
    # One scan of the day's studies, each date field unnested as a row (not a UNION of one
    # view scan per field, which builds a hash table of the day's versions per field).
    fields = ", ".join(
        f"{{'field': '{f}', 'raw': {f}_raw, 'precision': {f}_precision, 'typed': {f}}}" for f in DATE_FIELDS)
    return f"""
        SELECT nct_id, d.field AS field, d.raw AS raw, d.precision AS precision, d.typed AS typed
        FROM (SELECT nct_id, unnest([{fields}]) AS d FROM trials.studies WHERE snapshot_date = $day)
        WHERE d.raw IS NOT NULL"""


def _not_after(start: str, end: str) -> str:
    """start <= end at the coarser of the two dates' precisions (NULL when either is missing).

    A partial date is stored anchored at the first day of its month/year, so a start of 2025-03-15
    and a completion of "2025-03" must compare as months, not as 2025-03-15 > 2025-03-01.
    """
    def key(column: str) -> str:
        coarser = (f"CASE WHEN 'year' IN ({start}_precision, {end}_precision) THEN 'year' "
                   f"WHEN 'month' IN ({start}_precision, {end}_precision) THEN 'month' ELSE 'day' END")
        return (f"(CASE {coarser} WHEN 'year' THEN year({column}) * 10000 "
                f"WHEN 'month' THEN year({column}) * 10000 + month({column}) * 100 "
                f"ELSE year({column}) * 10000 + month({column}) * 100 + day({column}) END)")

    return f"CASE WHEN {start} IS NULL OR {end} IS NULL THEN NULL ELSE {key(start)} <= {key(end)} END"


def _start_vs_completion_sql() -> str:
    return f"""
        SELECT nct_id, start_date_raw AS start_date, primary_completion_date_raw AS primary_completion_date,
               completion_date_raw AS completion_date,
               {_not_after('start_date', 'primary_completion_date')} AS start_not_after_primary_completion,
               {_not_after('start_date', 'completion_date')} AS start_not_after_completion
        FROM trials.studies WHERE snapshot_date = $day"""


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
            # Against the latest earlier stored day whose raw blocking checks did not fail: a day
            # that lost 30% of its studies must not become the yardstick of the day after it.
            SlicePart("raw.pulls", """
                WITH today AS (SELECT count(*) AS n FROM raw.study_days WHERE snapshot_date = $day),
                     prev AS (SELECT max(snapshot_date) AS d FROM raw.pulls WHERE snapshot_date < $day
                              AND snapshot_date NOT IN (SELECT snapshot_date FROM quality.check_results
                                                        WHERE check_name IN (%s) AND NOT passed)),
                     prev_n AS (SELECT count(*) AS n FROM raw.study_days WHERE snapshot_date = (SELECT d FROM prev))
                SELECT today.n AS studies, (SELECT d FROM prev) AS previous_date, prev_n.n AS previous_studies,
                       CASE WHEN prev_n.n > 0 THEN round(greatest(0, (prev_n.n - today.n) / prev_n.n::DOUBLE), 6) ELSE 0 END AS drop_share
                FROM today, prev_n""" % _RAW_BLOCKING, context=("studies", "previous_date", "previous_studies")),
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
                SELECT nct_id, lead_or_collaborator, agency_class FROM trials.sponsors WHERE snapshot_date = $day""",
                      context=("lead_or_collaborator",)),
        ],
        "children_have_parent": [SlicePart("trials.*", _children_sql(existing_trials_tables), context=("child_table",),
                                           can_fail="has_parent IS DISTINCT FROM true")],
        "date_precision_valid": [SlicePart(
            "trials.studies", _dates_sql(), context=("field", "raw"),
            can_fail="precision IS NULL OR precision NOT IN ('year', 'month', 'day') OR typed IS NULL")],
        "enrollment_non_negative": [
            SlicePart("trials.studies", "SELECT nct_id, enrollment FROM trials.studies WHERE snapshot_date = $day"),
        ],
        "raw_trials_reconciled": [
            SlicePart("raw.study_days", """
                SELECT r.nct_id, count(s.nct_id) AS trials_rows
                FROM raw.study_days r
                LEFT JOIN trials.studies s ON s.snapshot_date = r.snapshot_date AND s.nct_id = r.nct_id
                WHERE r.snapshot_date = $day GROUP BY r.nct_id"""),
            # The counts, also against what the pull recorded: a study lost from raw.study_days
            # after the pull (which the raw checks only see when raw is pulled again) shows here.
            SlicePart("trials.studies", """
                SELECT (SELECT count(*) FROM raw.study_days WHERE snapshot_date = $day) AS raw_studies,
                       (SELECT count(*) FROM trials.studies WHERE snapshot_date = $day) AS trials_studies,
                       (SELECT studies FROM raw.pulls WHERE snapshot_date = $day) AS pulled_studies"""),
        ],
        "start_before_completion": [SlicePart("trials.studies", _start_vs_completion_sql(),
                                             context=("start_date", "primary_completion_date", "completion_date"))],
        "site_coordinates_in_range": [
            SlicePart("trials.facilities", """
                SELECT nct_id, facility_id, name AS facility, latitude, longitude
                FROM trials.facilities WHERE snapshot_date = $day""", context=("facility",),
                      # NULL coordinates pass (GX skips missing values), so NOT BETWEEN suffices.
                      can_fail="latitude NOT BETWEEN -90 AND 90 OR longitude NOT BETWEEN -180 AND 180"),
        ],
        "recruiting_trials_have_recruiting_site": [
            SlicePart("trials.facilities", """
                SELECT s.nct_id, count(*) AS sites_with_status,
                       count(*) FILTER (WHERE f.status = 'RECRUITING') AS recruiting_sites
                FROM trials.studies s JOIN trials.facilities f ON f.snapshot_date = s.snapshot_date AND f.nct_id = s.nct_id
                WHERE s.snapshot_date = $day AND s.overall_status = 'RECRUITING' AND f.status IS NOT NULL
                GROUP BY s.nct_id""", context=("sites_with_status",)),
        ],
        "no_unknown_enum_values": [
            # One row per study of the day: its unknown enum values (NULL when it has none).
            SlicePart("trials.enum_findings", """
                SELECT s.nct_id,
                       string_agg(DISTINCT e.field || ' = ' || e.value, '; ') AS unknown_values
                FROM trials.studies s
                LEFT JOIN trials.enum_findings e ON e.snapshot_date = s.snapshot_date AND e.content_hash = s.content_hash
                WHERE s.snapshot_date = $day GROUP BY s.nct_id"""),
        ],
    }
    return parts[check_name]
