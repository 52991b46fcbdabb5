"""What a check found: `CheckOutcome` (what quality.check_results and the Dagster check
metadata hold), its summary in words, and JSON-safe values for both. No Great Expectations
here: the gate (results.gate) reads outcomes without importing it."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from netpipeline.quality.catalog import CheckDef

_EXAMPLES_IN_SUMMARY = 3


@dataclass
class CheckOutcome:
    check: CheckDef
    table: str
    passed: bool
    evaluated_rows: int = 0
    failures: int = 0
    sample: list[dict[str, Any]] = field(default_factory=list)
    expectations: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None     # the check could not be evaluated (it then fails)

    @property
    def failure_share(self) -> float:
        if not self.evaluated_rows:
            return 0.0 if self.passed else 1.0
        return round(min(1.0, self.failures / self.evaluated_rows), 6)

    @property
    def offending_nct_ids(self) -> list[str]:
        """The NCT IDs of the sample, first seen first, each once."""
        return list(dict.fromkeys(str(s["nct_id"]) for s in self.sample if s.get("nct_id")))

    def summary(self) -> str:
        if self.error:
            return f"{self.check.name}: could not be evaluated: {self.error}"
        if self.passed:
            return f"{self.check.name}: passed on {self.evaluated_rows} rows"
        failed = list(dict.fromkeys(e["expectation"] for e in self.expectations if not e["success"]))
        examples = "; ".join(describe(s) for s in self.sample[:_EXAMPLES_IN_SUMMARY])
        return (f"{self.check.name}: {self.failures} of {self.evaluated_rows} rows failed "
                f"({', '.join(failed)})" + (f"; e.g. {examples}" if examples else ""))


def describe(entry: dict[str, Any]) -> str:
    """One offending row in words: `NCT00000003 overall_status='PAUSED_FOR_LUNCH'`."""
    parts = [str(entry["nct_id"])] if entry.get("nct_id") and entry.get("column") != "nct_id" else []
    value = entry.get("value")
    if isinstance(value, dict):
        parts.append(", ".join(f"{k}={_short(v)}" for k, v in value.items()))
    elif entry.get("column"):
        parts.append(f"{entry['column']}={_short(value)}")
    if entry.get("error"):
        parts.append(f"error: {_short(entry['error'], 200)}")
    context = entry.get("context") or {}
    if context:
        parts.append("(" + ", ".join(f"{k}={_short(v)}" for k, v in context.items()) + ")")
    return " ".join(parts)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def failed_outcome(check: CheckDef, error: BaseException) -> CheckOutcome:
    """The outcome of a check that could not run (SQL error, GX error): it fails, with the error."""
    message = f"{type(error).__name__}: {error}"
    return CheckOutcome(check=check, table="", passed=False, failures=1, error=message,
                        sample=[{"nct_id": None, "column": None, "value": None, "error": message}],
                        expectations=[{"expectation": "check_evaluated", "column": None, "part": "",
                                       "success": False, "unexpected": 1, "error": message}])


def plain(value: Any) -> Any:
    """JSON-safe scalar for metadata and the results table (numpy, pandas NA/NaT, timestamps)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, datetime) or hasattr(value, "to_pydatetime"):
        try:
            value = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        except ValueError:
            return None
        if value != value:  # NaT
            return None
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "tolist"):              # numpy scalars and arrays
        return plain(value.tolist()) if not isinstance(value.tolist(), list) else [plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    try:
        json.dumps(value)
        return value
    except TypeError:
        return str(value)
