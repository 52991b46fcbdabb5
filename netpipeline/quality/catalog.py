"""The day's data-quality checks as plain data: names, severities, what each one guards.

No Great Expectations import here: the Dagster layer builds its check specs from this list at
code-location load time, and GX (5-9 s to import) is loaded only when checks execute.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["blocking", "warning"]
Target = Literal["raw", "trials"]


@dataclass(frozen=True)
class CheckDef:
    name: str
    target: Target      # which asset the check belongs to
    severity: Severity
    description: str


CHECKS: tuple[CheckDef, ...] = (
    CheckDef("raw_day_complete", "raw", "blocking",
             "The stored day holds exactly the API's totalCount distinct studies, each once."),
    CheckDef("volume_within_limit", "raw", "blocking",
             "The day's study count did not drop by more than NETPIPELINE_VOLUME_DROP_MAX against the previous "
             "stored day whose raw blocking checks passed: the signature of an API outage or a broken query, "
             "never of real trials ending."),
    CheckDef("data_date_advances", "raw", "warning",
             "The data timestamp is newer than the previous stored day's."),
    CheckDef("nct_id_valid", "trials", "blocking",
             "Every study has an NCT ID of the form NCT + 8 digits, unique within the day."),
    CheckDef("enums_valid", "trials", "blocking",
             "Overall status, phases, study type and sponsor class hold values of the API spec's enums."),
    CheckDef("children_have_parent", "trials", "blocking",
             "Every child row (conditions, interventions, sites, sponsors, arms, outcomes, eligibility, MeSH, "
             "references, ids, enum findings, NET enrichment) points to a study of the same day."),
    CheckDef("date_precision_valid", "trials", "blocking",
             "Every date the API served (all 15 date fields) kept its precision (year, month or day) and parsed "
             "to a typed date."),
    CheckDef("enrollment_non_negative", "trials", "blocking",
             "Enrolment counts are zero or more."),
    CheckDef("raw_trials_reconciled", "trials", "blocking",
             "Every raw study of the day was normalised: one trials.studies row per raw.study_days study, and as "
             "many trials.studies rows as the pull stored (raw.pulls.studies)."),
    CheckDef("start_before_completion", "trials", "warning",
             "Start date is not after the primary completion or completion date (compared at the coarser of "
             "the two dates' precisions)."),
    CheckDef("site_coordinates_in_range", "trials", "warning",
             "Site latitudes lie in [-90, 90] and longitudes in [-180, 180]."),
    CheckDef("recruiting_trials_have_recruiting_site", "trials", "warning",
             "A recruiting trial that reports site statuses has at least one recruiting site."),
    CheckDef("no_unknown_enum_values", "trials", "warning",
             "No study holds an enum value outside the API spec in any field normalisation checks (it keeps and "
             "reports such values in trials.enum_findings)."),
)


def checks_for(target: Target) -> list[CheckDef]:
    return [c for c in CHECKS if c.target == target]


def check_by_name(name: str) -> CheckDef:
    for check in CHECKS:
        if check.name == name:
            return check
    raise KeyError(name)
