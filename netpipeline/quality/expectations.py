"""Great Expectations suites, defined in code, run on each check's day slice (pandas).

GX is imported inside the functions only: importing it costs 5-9 s, and the code location
must load fast. The validation goes through GX's pandas datasource on query results, because
GX cannot validate DuckDB through its SQL datasource.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import duckdb

from netpipeline.normalise import api_enums
from netpipeline.quality.catalog import CheckDef
from netpipeline.quality.day_slices import slice_parts

SAMPLE_SIZE = 10


@dataclass
class CheckOutcome:
    check: CheckDef
    table: str
    passed: bool
    evaluated_rows: int = 0
    failures: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    expectations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failure_share(self) -> float:
        return round(self.failures / self.evaluated_rows, 6) if self.evaluated_rows else (0.0 if self.passed else 1.0)

    def summary(self) -> str:
        failed = [e["expectation"] for e in self.expectations if not e["success"]]
        if self.passed:
            return f"{self.check.name}: passed on {self.evaluated_rows} rows"
        ids = ", ".join(sorted({str(s.get("nct_id")) for s in self.sample if s.get("nct_id")}))
        return (f"{self.check.name}: {self.failures} of {self.evaluated_rows} rows failed "
                f"({', '.join(failed)})" + (f"; e.g. {ids}" if ids else ""))


def _suite_for(name: str, part: int, params: dict[str, Any]) -> list[Any]:
    import great_expectations.expectations as gxe

    status, phases, study_types, classes = (sorted(api_enums.API_ENUMS[k]) for k in ("Status", "Phase", "StudyType", "AgencyClass"))
    suites: dict[tuple[str, int], list[Any]] = {
        ("raw_day_complete", 0): [
            gxe.ExpectColumnValuesToNotBeNull(column="nct_id"),
            gxe.ExpectColumnValuesToBeUnique(column="nct_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="total_count"),
        ],
        ("raw_day_complete", 1): [
            gxe.ExpectColumnValuesToNotBeNull(column="total_count"),
            gxe.ExpectColumnPairValuesToBeEqual(column_A="distinct_studies", column_B="total_count"),
        ],
        ("volume_within_limit", 0): [
            gxe.ExpectColumnValuesToBeBetween(column="drop_share", min_value=0, max_value=params["volume_drop_max"]),
        ],
        ("data_date_advances", 0): [
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A="data_timestamp", column_B="previous_data_timestamp", ignore_row_if="either_value_is_missing"),
        ],
        ("nct_id_valid", 0): [
            gxe.ExpectColumnValuesToNotBeNull(column="nct_id"),
            gxe.ExpectColumnValuesToBeUnique(column="nct_id"),
            gxe.ExpectColumnValuesToMatchRegex(column="nct_id", regex=r"^NCT\d{8}$"),
        ],
        ("enums_valid", 0): [
            gxe.ExpectColumnValuesToBeInSet(column="overall_status", value_set=status),
            gxe.ExpectColumnValuesToBeInSet(column="study_type", value_set=study_types),
            gxe.ExpectColumnValuesToBeInSet(column="lead_sponsor_class", value_set=classes),
        ],
        ("enums_valid", 1): [gxe.ExpectColumnValuesToBeInSet(column="phase", value_set=phases)],
        ("enums_valid", 2): [gxe.ExpectColumnValuesToBeInSet(column="agency_class", value_set=classes)],
        ("children_have_parent", 0): [gxe.ExpectColumnValuesToBeInSet(column="has_parent", value_set=[True])],
        ("date_precision_valid", 0): [
            gxe.ExpectColumnValuesToNotBeNull(column="precision"),
            gxe.ExpectColumnValuesToBeInSet(column="precision", value_set=["year", "month", "day"]),
            gxe.ExpectColumnValuesToNotBeNull(column="typed"),
        ],
        ("enrollment_non_negative", 0): [gxe.ExpectColumnValuesToBeBetween(column="enrollment", min_value=0)],
        ("raw_trials_reconciled", 0): [gxe.ExpectColumnValuesToBeBetween(column="trials_rows", min_value=1, max_value=1)],
        ("raw_trials_reconciled", 1): [gxe.ExpectColumnPairValuesToBeEqual(column_A="raw_studies", column_B="trials_studies")],
        ("start_before_completion", 0): [
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=col, column_B="start_date", or_equal=True, ignore_row_if="either_value_is_missing")
            for col in ("primary_completion_date", "completion_date")
        ],
        ("site_coordinates_in_range", 0): [
            gxe.ExpectColumnValuesToBeBetween(column="latitude", min_value=-90, max_value=90),
            gxe.ExpectColumnValuesToBeBetween(column="longitude", min_value=-180, max_value=180),
        ],
        ("recruiting_trials_have_recruiting_site", 0): [
            gxe.ExpectColumnValuesToBeBetween(column="recruiting_sites", min_value=1),
        ],
        ("no_unknown_enum_values", 0): [gxe.ExpectTableRowCountToEqual(value=0)],
    }
    return suites[(name, part)]


@functools.cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("netpipeline_day").add_dataframe_asset("day_slice")
    return context, asset.add_batch_definition_whole_dataframe("whole_slice")


def run_check(con: duckdb.DuckDBPyConnection, check: CheckDef, day: date, params: dict[str, Any],
              existing_trials_tables: set[str]) -> CheckOutcome:
    import great_expectations as gx

    context, batch_definition = _batch_definition()
    parts = slice_parts(check.name, existing_trials_tables)
    outcome = CheckOutcome(check=check, table=", ".join(p.label for p in parts), passed=True)
    for index, part in enumerate(parts):
        frame = con.execute(part.sql.replace("$day", "$1"), [day]).df()
        suite = gx.ExpectationSuite(name=f"{check.name}.{index}", expectations=_suite_for(check.name, index, params))
        id_columns = ["nct_id"] if "nct_id" in frame.columns else []
        result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
            suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": id_columns})
        outcome.evaluated_rows = max(outcome.evaluated_rows, len(frame))
        for item in result.results:
            detail = item.result or {}
            unexpected = int(detail.get("unexpected_count") or (0 if item.success else 1))
            outcome.expectations.append({
                "expectation": item.expectation_config.type,
                "column": item.expectation_config.kwargs.get("column") or item.expectation_config.kwargs.get("column_A"),
                "part": part.label,
                "success": bool(item.success),
                "unexpected": unexpected,
            })
            if not item.success:
                outcome.passed = False
                outcome.failures += unexpected
                outcome.sample.extend(_sample(item, frame))
    outcome.failures = min(outcome.failures, max(outcome.evaluated_rows, outcome.failures))
    outcome.sample = outcome.sample[:SAMPLE_SIZE]
    return outcome


def _sample(item: Any, frame: Any) -> list[dict[str, Any]]:
    detail = item.result or {}
    column = item.expectation_config.kwargs.get("column")
    rows = []
    for entry in (detail.get("unexpected_index_list") or [])[:SAMPLE_SIZE]:
        if isinstance(entry, dict):
            rows.append({"nct_id": entry.get("nct_id"), "column": column, "value": _plain(entry.get(column))})
    if not rows:
        for value in (detail.get("partial_unexpected_list") or [])[:SAMPLE_SIZE]:
            rows.append({"nct_id": None, "column": column, "value": _plain(value)})
    if not rows and detail.get("observed_value") is not None:
        rows.append({"nct_id": None, "column": column, "value": _plain(detail.get("observed_value"))})
        rows.extend({"nct_id": r.get("nct_id"), "column": None, "value": _plain(r)}
                    for r in frame.head(SAMPLE_SIZE - 1).to_dict("records"))
    return rows


def _plain(value: Any) -> Any:
    """JSON-safe scalar for metadata and the results table (numpy, timestamps, tuples)."""
    try:
        json.dumps(value)
        return value
    except TypeError:
        if hasattr(value, "item"):
            return value.item()
        return str(value)
