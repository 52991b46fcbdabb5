"""Runs a check: its day slices (catalog.py) validated by its Great Expectations (pandas).

GX is imported inside the functions only: importing it costs 5-9 s, and the code location
must load fast. The validation goes through GX's pandas datasource on query results, because
GX cannot validate DuckDB through its SQL datasource.

Counting: every row of a slice is one thing that can fail. `evaluated_rows`
is the number of slice rows (all parts of the check), `failures` the number of those rows that
failed at least one expectation (an expectation that fails without naming rows, e.g. one that
raised, counts once), so `failure_share` is in [0, 1]. The sample holds the first offending
rows: the NCT ID, the failing column and value, and the row itself.
"""
from __future__ import annotations

import functools
import threading
from datetime import date
from typing import Any

import duckdb

from netpipeline.quality.catalog import CheckDef
from netpipeline.quality.day_slices import SlicePart
from netpipeline.quality.outcomes import CheckOutcome, plain

SAMPLE_SIZE = 10
_ROW = "__row"          # row number added to every slice, so GX names offending rows exactly


def _suite(part: SlicePart, params: dict[str, Any]) -> list[Any]:
    """The part's expectations (named in catalog.py) as GX objects."""
    import great_expectations.expectations as gxe

    return [getattr(gxe, e.gx_class)(**e.resolved_kwargs(params)) for e in part.expectations]


_warm_up: threading.Thread | None = None
_warm_up_lock = threading.Lock()


def warm_up_in_background() -> None:
    """Import GX and build its context in a daemon thread, once per process.

    A run's first check step would otherwise spend 4-5 s importing GX. Started when a run that
    has checks begins, the import overlaps the ingest step (paging the API is mostly waiting);
    `run_check` joins the thread before using GX, so only one thread ever imports it.
    """
    global _warm_up
    with _warm_up_lock:
        if _warm_up is None:
            _warm_up = threading.Thread(target=_warm, name="gx-warm-up", daemon=True)
            _warm_up.start()


def _warm() -> None:
    try:
        _batch_definition()
    except Exception:  # noqa: BLE001 - the check step imports again and reports the error
        pass


def _wait_for_warm_up() -> None:
    with _warm_up_lock:
        thread = _warm_up
    if thread is not None:
        thread.join()


@functools.cache
def _batch_definition():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("netpipeline_day").add_dataframe_asset("day_slice")
    return context, asset.add_batch_definition_whole_dataframe("whole_slice")


def run_check(con: duckdb.DuckDBPyConnection, check: CheckDef, day: date, params: dict[str, Any],
              existing_trials_tables: set[str], prefilter: bool = True) -> CheckOutcome:
    """Validate the check's day slices with GX. `prefilter=False` hands GX every row even of the
    parts that declare `can_fail` (the reference the tests compare the prefiltered run with)."""
    _wait_for_warm_up()
    import great_expectations as gx

    _context, batch_definition = _batch_definition()
    parts = check.slice_parts(existing_trials_tables)
    outcome = CheckOutcome(check=check, table=", ".join(p.label for p in parts), passed=True)
    for index, part in enumerate(parts):
        frame, slice_rows = _slice_frame(con, part, day, prefilter)
        frame.insert(0, _ROW, range(len(frame)))
        suite = gx.ExpectationSuite(name=f"{check.name}.{index}", expectations=_suite(part, params))
        id_columns = [_ROW] + (["nct_id"] if "nct_id" in frame.columns else [])
        result = batch_definition.get_batch(batch_parameters={"dataframe": frame}).validate(
            suite, result_format={"result_format": "COMPLETE", "unexpected_index_column_names": id_columns})
        failing_rows: dict[int, list[str]] = {}      # row -> columns of the first expectation it failed
        rowless: list[dict[str, Any]] = []           # failed expectations that name no rows
        for item in result.results:
            columns = _columns(item.expectation_config.kwargs)
            rows = _failing_rows(item)
            error = _error(item)
            outcome.expectations.append({
                "expectation": item.expectation_config.type,
                "column": ", ".join(columns) or None,
                "part": part.label,
                "success": bool(item.success),
                "unexpected": len(rows) if rows else (0 if item.success else 1),
                **({"error": error} if error else {}),
            })
            if item.success:
                continue
            outcome.passed = False
            if rows:
                for row in rows:
                    failing_rows.setdefault(row, columns)
            else:
                rowless.append({"nct_id": None, "column": ", ".join(columns) or None,
                                "value": plain((item.result or {}).get("observed_value")),
                                "error": error or "failed without naming rows", "part": part.label})
        outcome.evaluated_rows += slice_rows
        outcome.failures += len(failing_rows) + len(rowless)
        for row in sorted(failing_rows):
            if len(outcome.sample) < SAMPLE_SIZE:
                outcome.sample.append(_entry(frame, row, failing_rows[row], part))
        outcome.sample.extend(rowless[: max(0, SAMPLE_SIZE - len(outcome.sample))])
    return outcome


def _slice_frame(con: duckdb.DuckDBPyConnection, part: SlicePart, day: date, prefilter: bool) -> tuple[Any, int]:
    """The part's rows that GX validates, and how many rows the slice has in all."""
    sql = part.sql.replace("$day", "$1")
    if not (prefilter and part.can_fail):
        frame = con.execute(sql, [day]).df()
        return frame, len(frame)
    total = con.execute(f"SELECT count(*) FROM ({sql})", [day]).fetchall()[0][0]
    # An empty result keeps the slice's columns, so GX still finds the columns it checks.
    frame = con.execute(f"SELECT * FROM ({sql}) WHERE {part.can_fail}", [day]).df()
    return frame, total


def _columns(kwargs: dict[str, Any]) -> list[str]:
    if kwargs.get("column"):
        return [kwargs["column"]]
    return [kwargs[k] for k in ("column_A", "column_B") if kwargs.get(k)]


def _failing_rows(item: Any) -> list[int]:
    entries = (item.result or {}).get("unexpected_index_list") or []
    return [int(e[_ROW]) for e in entries if isinstance(e, dict) and e.get(_ROW) is not None]


def _error(item: Any) -> str | None:
    info = item.exception_info or {}
    candidates = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    for candidate in candidates:
        if candidate.get("raised_exception"):
            return str(candidate.get("exception_message") or "expectation raised")
    return None


def _entry(frame: Any, row: int, columns: list[str], part: SlicePart) -> dict[str, Any]:
    record = {k: plain(v) for k, v in frame.iloc[row].items() if k != _ROW}
    value = record.get(columns[0]) if len(columns) == 1 else {c: record.get(c) for c in columns}
    return {
        "nct_id": record.get("nct_id"),
        "column": ", ".join(columns),
        "value": value,
        "context": {c: record[c] for c in part.context if record.get(c) is not None},
        "part": part.label,
    }

