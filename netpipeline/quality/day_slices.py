"""The pieces a check definition is made of (`SlicePart`, `Expect`, `Param`) and the SQL
builders shared by several checks. No Great Expectations here: a check names its expectations
(GX class + keyword arguments), and `expectations.py` instantiates them when checks run.

Each slice part is a query (parameter `$day`) whose result GX validates. Every row of a slice
is one thing that can fail (a study, a site, a date, the day's counts), so "failures" in
quality.check_results counts rows of these slices.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from netpipeline.normalise.trials_schema import DATE_FIELDS as _TRIALS_DATE_FIELDS

# Child tables of trials.studies that must point to a study of the same day.
CHILD_TABLES = (
    "conditions", "keywords", "interventions", "intervention_other_names", "design_groups",
    "design_group_interventions", "sponsors", "facilities", "facility_contacts", "central_contacts",
    "overall_officials", "eligibilities", "design_outcomes", "browse_conditions", "browse_interventions",
    "study_references", "id_information", "enum_findings", "net_profile", "intervention_classes",
)

# Every date of trials.studies (each has <date>, <date>_raw, <date>_precision, <date>_type).
DATE_FIELDS = tuple(prefix for prefix, _key, _is_struct in _TRIALS_DATE_FIELDS)


@dataclass(frozen=True)
class Param:
    """A run parameter an expectation reads (e.g. `volume_drop_max`), filled in when checks run."""
    name: str


@dataclass(frozen=True)
class Expect:
    """One GX expectation by class name (`great_expectations.expectations.<gx_class>`) and kwargs."""
    gx_class: str
    kwargs: tuple[tuple[str, Any], ...]

    def resolved_kwargs(self, params: dict[str, Any]) -> dict[str, Any]:
        # Lists are kept as tuples (hashable definitions) and handed to GX as lists again.
        return {k: params[v.name] if isinstance(v, Param) else list(v) if isinstance(v, tuple) else v
                for k, v in self.kwargs}


def expect(gx_class: str, **kwargs: Any) -> Expect:
    return Expect(gx_class, tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()))


@dataclass(frozen=True)
class SlicePart:
    label: str          # the table (or relation) the part validates, shown in results
    # The query; a callable gets the names of the trials tables that exist (for slices whose
    # SQL depends on them) and is evaluated when the check runs.
    sql: str | Callable[[set[str]], str]
    expectations: tuple[Expect, ...] = ()
    # Columns shown next to an offending value in summaries (which table, which date field...).
    context: tuple[str, ...] = ()
    # For slices that grow with every row of the day (child rows, dates, sites: ~45 rows per
    # study, 13 million at 300,000 studies): a condition over the slice's columns that holds for
    # every row its expectations could fail. The rows are then counted in DuckDB and only these
    # reach pandas and GX, so memory follows the offending rows, not the day. It must be a
    # superset of the failures (test_quality_prefilter compares both ways on broken data).
    can_fail: str | None = None

    def query(self, existing_trials_tables: set[str]) -> str:
        return self.sql(existing_trials_tables) if callable(self.sql) else self.sql


def children_sql(existing: set[str]) -> str:
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


def dates_sql() -> str:
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


def start_vs_completion_sql() -> str:
    return f"""
        SELECT nct_id, start_date_raw AS start_date, primary_completion_date_raw AS primary_completion_date,
               completion_date_raw AS completion_date,
               {_not_after('start_date', 'primary_completion_date')} AS start_not_after_primary_completion,
               {_not_after('start_date', 'completion_date')} AS start_not_after_completion
        FROM trials.studies WHERE snapshot_date = $day"""
