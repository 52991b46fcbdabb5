"""The day's data-quality checks: each one defined once, here (name, asset, severity,
description, the SQL slices it validates and the Great Expectations expectations run on them).

Adding a check is adding one `CheckDef` to `CHECKS` (and its row in docs/warehouse.md, which a
test compares): the Dagster layer builds one partitioned asset check per entry, the runner
(`expectations.py`) reads its slices and expectations, the gate counts its blocking entries.

No Great Expectations import here: expectations are named (GX class + kwargs) and instantiated
only when checks execute, so the code location loads fast (GX costs 5-9 s to import).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from netpipeline.normalise import api_enums
from netpipeline.quality.day_slices import (
    Param, SlicePart, children_sql, dates_sql, expect, start_vs_completion_sql,
)

Severity = Literal["blocking", "warning"]
Target = Literal["raw", "trials"]


@dataclass(frozen=True)
class CheckDef:
    name: str
    target: Target      # which asset the check belongs to
    severity: Severity
    description: str
    parts: tuple[SlicePart, ...] = ()

    def slice_parts(self, existing_trials_tables: set[str]) -> list[SlicePart]:
        """The check's slices with their SQL resolved against the trials tables that exist."""
        return [SlicePart(p.label, p.query(existing_trials_tables), p.expectations, p.context, p.can_fail)
                for p in self.parts]


_STATUS, _PHASE, _STUDY_TYPE, _AGENCY_CLASS = (
    sorted(api_enums.API_ENUMS[k]) for k in ("Status", "Phase", "StudyType", "AgencyClass"))


def _raw_blocking_names(_tables: set[str]) -> str:
    return ", ".join(f"'{c.name}'" for c in CHECKS if c.target == "raw" and c.severity == "blocking")


def _day_and_previous_counts(tables: set[str]) -> str:
    # Against the latest earlier stored day whose raw blocking checks did not fail: a day that
    # lost 30% of its studies must not become the yardstick of the day after it.
    return """
        WITH today AS (SELECT count(*) AS n FROM raw.study_days WHERE snapshot_date = $day),
             prev AS (SELECT max(snapshot_date) AS d FROM raw.pulls WHERE snapshot_date < $day
                      AND snapshot_date NOT IN (SELECT snapshot_date FROM quality.check_results
                                                WHERE check_name IN (%s) AND NOT passed)),
             prev_n AS (SELECT count(*) AS n FROM raw.study_days WHERE snapshot_date = (SELECT d FROM prev))
        SELECT today.n AS studies, (SELECT d FROM prev) AS previous_date, prev_n.n AS previous_studies,
        """ % _raw_blocking_names(tables)


def _volume_sql(tables: set[str]) -> str:
    return _day_and_previous_counts(tables) + """
               CASE WHEN prev_n.n > 0 THEN round(greatest(0, (prev_n.n - today.n) / prev_n.n::DOUBLE), 6) ELSE 0 END AS drop_share
        FROM today, prev_n"""


def _volume_rise_sql(tables: set[str]) -> str:
    return _day_and_previous_counts(tables) + """
               today.n - prev_n.n AS entered,
               CASE WHEN prev_n.n > 0 THEN round(greatest(0, (today.n - prev_n.n) / prev_n.n::DOUBLE), 6) ELSE 0 END AS rise_share
        FROM today, prev_n"""


_NOT_NULL, _UNIQUE, _IN_SET, _BETWEEN = ("ExpectColumnValuesToNotBeNull", "ExpectColumnValuesToBeUnique",
                                         "ExpectColumnValuesToBeInSet", "ExpectColumnValuesToBeBetween")
_PAIR_EQUAL = "ExpectColumnPairValuesToBeEqual"

CHECKS: tuple[CheckDef, ...] = (
    CheckDef("raw_day_complete", "raw", "blocking",
             "The stored day holds exactly the API's totalCount distinct studies, each once.", (
                 SlicePart("raw.study_days", """
                     SELECT d.nct_id, p.total_count
                     FROM raw.study_days d LEFT JOIN raw.pulls p USING (snapshot_date)
                     WHERE d.snapshot_date = $day""",
                           (expect(_NOT_NULL, column="nct_id"), expect(_UNIQUE, column="nct_id"),
                            expect(_NOT_NULL, column="total_count"))),
                 SlicePart("raw.pulls", """
                     SELECT $day::DATE AS snapshot_date, p.total_count,
                            (SELECT count(DISTINCT nct_id) FROM raw.study_days WHERE snapshot_date = $day) AS distinct_studies
                     FROM (SELECT 1) LEFT JOIN raw.pulls p ON p.snapshot_date = $day""",
                           (expect(_NOT_NULL, column="total_count"),
                            expect(_PAIR_EQUAL, column_A="distinct_studies", column_B="total_count"))),
             )),
    CheckDef("volume_within_limit", "raw", "blocking",
             "The day's study count did not drop by more than NETPIPELINE_VOLUME_DROP_MAX against the previous "
             "stored day whose raw blocking checks passed: the signature of an API outage or a broken query, "
             "never of real trials ending.", (
                 SlicePart("raw.pulls", _volume_sql,
                           (expect(_BETWEEN, column="drop_share", min_value=0, max_value=Param("volume_drop_max")),),
                           context=("studies", "previous_date", "previous_studies")),
             )),
    CheckDef("volume_rise_within_limit", "raw", "warning",
             "The day's study count did not rise by more than NETPIPELINE_VOLUME_RISE_MAX against the previous "
             "stored day whose raw blocking checks passed: a mass entry (a scope or MeSH change, a query "
             "widened by mistake) rather than that many new registrations.", (
                 SlicePart("raw.pulls", _volume_rise_sql,
                           (expect(_BETWEEN, column="rise_share", min_value=0, max_value=Param("volume_rise_max")),),
                           context=("studies", "previous_date", "previous_studies", "entered")),
             )),
    CheckDef("data_date_advances", "raw", "warning",
             "The data timestamp is newer than the previous stored day's.", (
                 SlicePart("raw.pulls", """
                     SELECT p.data_timestamp,
                            (SELECT max(data_timestamp) FROM raw.pulls WHERE snapshot_date < $day) AS previous_data_timestamp
                     FROM raw.pulls p WHERE p.snapshot_date = $day""",
                           (expect("ExpectColumnPairValuesAToBeGreaterThanB", column_A="data_timestamp",
                                   column_B="previous_data_timestamp", ignore_row_if="either_value_is_missing"),)),
             )),
    CheckDef("nct_id_valid", "trials", "blocking",
             "Every study has an NCT ID of the form NCT + 8 digits, unique within the day.", (
                 SlicePart("trials.studies", "SELECT nct_id FROM trials.studies WHERE snapshot_date = $day",
                           (expect(_NOT_NULL, column="nct_id"), expect(_UNIQUE, column="nct_id"),
                            expect("ExpectColumnValuesToMatchRegex", column="nct_id", regex=r"^NCT\d{8}$"))),
             )),
    CheckDef("required_fields_present", "trials", "blocking",
             "Every study has what every registered study has: a brief title and an overall status (not a "
             "phase: observational and expanded-access studies have none).", (
                 SlicePart("trials.studies", """
                     SELECT nct_id, nullif(trim(brief_title), '') AS brief_title, overall_status
                     FROM trials.studies WHERE snapshot_date = $day""",
                           (expect(_NOT_NULL, column="brief_title"), expect(_NOT_NULL, column="overall_status"))),
             )),
    CheckDef("enums_valid", "trials", "blocking",
             "Overall status, phases, study type and sponsor class hold values of the API spec's enums.", (
                 SlicePart("trials.studies", """
                     SELECT nct_id, overall_status, study_type, lead_sponsor_class
                     FROM trials.studies WHERE snapshot_date = $day""",
                           (expect(_IN_SET, column="overall_status", value_set=_STATUS),
                            expect(_IN_SET, column="study_type", value_set=_STUDY_TYPE),
                            expect(_IN_SET, column="lead_sponsor_class", value_set=_AGENCY_CLASS))),
                 SlicePart("trials.studies.phases", """
                     SELECT nct_id, unnest(phases) AS phase FROM trials.studies WHERE snapshot_date = $day""",
                           (expect(_IN_SET, column="phase", value_set=_PHASE),)),
                 SlicePart("trials.sponsors", """
                     SELECT nct_id, lead_or_collaborator, agency_class FROM trials.sponsors WHERE snapshot_date = $day""",
                           (expect(_IN_SET, column="agency_class", value_set=_AGENCY_CLASS),),
                           context=("lead_or_collaborator",)),
             )),
    CheckDef("children_have_parent", "trials", "blocking",
             "Every child row (conditions, interventions, sites, sponsors, arms, outcomes, eligibility, MeSH, "
             "references, ids, enum findings, NET enrichment) points to a study of the same day.", (
                 SlicePart("trials.*", children_sql, (expect(_IN_SET, column="has_parent", value_set=[True]),),
                           context=("child_table",), can_fail="has_parent IS DISTINCT FROM true"),
             )),
    CheckDef("date_precision_valid", "trials", "blocking",
             "Every date the API served (all 15 date fields) kept its precision (year, month or day) and parsed "
             "to a typed date.", (
                 SlicePart("trials.studies", dates_sql(),
                           (expect(_NOT_NULL, column="precision"),
                            expect(_IN_SET, column="precision", value_set=["year", "month", "day"]),
                            expect(_NOT_NULL, column="typed")),
                           context=("field", "raw"),
                           can_fail="precision IS NULL OR precision NOT IN ('year', 'month', 'day') OR typed IS NULL"),
             )),
    CheckDef("enrollment_non_negative", "trials", "blocking",
             "Enrolment counts are zero or more.", (
                 SlicePart("trials.studies", "SELECT nct_id, enrollment FROM trials.studies WHERE snapshot_date = $day",
                           (expect(_BETWEEN, column="enrollment", min_value=0),)),
             )),
    CheckDef("raw_trials_reconciled", "trials", "blocking",
             "Every raw study of the day was normalised: one trials.studies row per raw.study_days study, and as "
             "many trials.studies rows as the pull stored (raw.pulls.studies).", (
                 SlicePart("raw.study_days", """
                     SELECT r.nct_id, count(s.nct_id) AS trials_rows
                     FROM raw.study_days r
                     LEFT JOIN trials.studies s ON s.snapshot_date = r.snapshot_date AND s.nct_id = r.nct_id
                     WHERE r.snapshot_date = $day GROUP BY r.nct_id""",
                           (expect(_BETWEEN, column="trials_rows", min_value=1, max_value=1),)),
                 # The counts, also against what the pull recorded: a study lost from raw.study_days
                 # after the pull (which the raw checks only see when raw is pulled again) shows here.
                 SlicePart("trials.studies", """
                     SELECT (SELECT count(*) FROM raw.study_days WHERE snapshot_date = $day) AS raw_studies,
                            (SELECT count(*) FROM trials.studies WHERE snapshot_date = $day) AS trials_studies,
                            (SELECT studies FROM raw.pulls WHERE snapshot_date = $day) AS pulled_studies""",
                           (expect(_PAIR_EQUAL, column_A="raw_studies", column_B="trials_studies"),
                            expect(_PAIR_EQUAL, column_A="trials_studies", column_B="pulled_studies"))),
             )),
    CheckDef("start_before_completion", "trials", "warning",
             "Start date is not after the primary completion or completion date (compared at the coarser of "
             "the two dates' precisions).", (
                 SlicePart("trials.studies", start_vs_completion_sql(),
                           tuple(expect(_IN_SET, column=c, value_set=[True])
                                 for c in ("start_not_after_primary_completion", "start_not_after_completion")),
                           context=("start_date", "primary_completion_date", "completion_date")),
             )),
    CheckDef("site_coordinates_in_range", "trials", "warning",
             "Site latitudes lie in [-90, 90] and longitudes in [-180, 180].", (
                 SlicePart("trials.facilities", """
                     SELECT nct_id, facility_id, name AS facility, latitude, longitude
                     FROM trials.facilities WHERE snapshot_date = $day""",
                           (expect(_BETWEEN, column="latitude", min_value=-90, max_value=90),
                            expect(_BETWEEN, column="longitude", min_value=-180, max_value=180)),
                           context=("facility",),
                           # NULL coordinates pass (GX skips missing values), so NOT BETWEEN suffices.
                           can_fail="latitude NOT BETWEEN -90 AND 90 OR longitude NOT BETWEEN -180 AND 180"),
             )),
    CheckDef("recruiting_trials_have_recruiting_site", "trials", "warning",
             "A recruiting trial that reports site statuses has at least one recruiting site.", (
                 SlicePart("trials.facilities", """
                     SELECT s.nct_id, count(*) AS sites_with_status,
                            count(*) FILTER (WHERE f.status = 'RECRUITING') AS recruiting_sites
                     FROM trials.studies s JOIN trials.facilities f ON f.snapshot_date = s.snapshot_date AND f.nct_id = s.nct_id
                     WHERE s.snapshot_date = $day AND s.overall_status = 'RECRUITING' AND f.status IS NOT NULL
                     GROUP BY s.nct_id""",
                           (expect(_BETWEEN, column="recruiting_sites", min_value=1),),
                           context=("sites_with_status",)),
             )),
    CheckDef("no_unknown_enum_values", "trials", "warning",
             "No study holds an enum value outside the API spec in any field normalisation checks (it keeps and "
             "reports such values in trials.enum_findings).", (
                 # One row per study of the day: its unknown enum values (NULL when it has none).
                 SlicePart("trials.enum_findings", """
                     SELECT s.nct_id,
                            string_agg(DISTINCT e.field || ' = ' || e.value, '; ') AS unknown_values
                     FROM trials.studies s
                     LEFT JOIN trials.enum_findings e ON e.snapshot_date = s.snapshot_date AND e.content_hash = s.content_hash
                     WHERE s.snapshot_date = $day GROUP BY s.nct_id""",
                           (expect("ExpectColumnValuesToBeNull", column="unknown_values"),)),
             )),
)


def checks_for(target: Target) -> list[CheckDef]:
    return [c for c in CHECKS if c.target == target]


def check_by_name(name: str) -> CheckDef:
    for check in CHECKS:
        if check.name == name:
            return check
    raise KeyError(name)


def blocking_checks() -> list[CheckDef]:
    """Every blocking check: a day has passed its gate only when each has a passing result."""
    return [c for c in CHECKS if c.severity == "blocking"]
