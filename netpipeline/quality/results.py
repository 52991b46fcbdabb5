"""quality.check_results: every check's outcome per day, for the gate and downstream tools."""
from __future__ import annotations

import json
from datetime import date, datetime

import duckdb

from netpipeline.quality.catalog import CheckDef, Target, checks_for
from netpipeline.quality.expectations import run_check
from netpipeline.quality.outcomes import CheckOutcome, describe, failed_outcome
from netpipeline.warehouse import ensure_schema, transaction

QUALITY_DDL = """
CREATE SCHEMA IF NOT EXISTS quality;
CREATE TABLE IF NOT EXISTS quality.check_results (
    snapshot_date  DATE      NOT NULL,
    check_name     VARCHAR   NOT NULL,
    target_table   VARCHAR   NOT NULL,
    severity       VARCHAR   NOT NULL,   -- 'blocking' | 'warning'
    passed         BOOLEAN   NOT NULL,
    evaluated_rows BIGINT    NOT NULL,
    failures       BIGINT    NOT NULL,
    failure_share  DOUBLE    NOT NULL,
    sample         VARCHAR   NOT NULL,   -- JSON: up to 10 offending {nct_id, column, value, context, part}
    expectations   VARCHAR   NOT NULL,   -- JSON: each GX expectation and its outcome
    checked_at     TIMESTAMP NOT NULL
);
ALTER TABLE quality.check_results ADD COLUMN IF NOT EXISTS summary VARCHAR;
ALTER TABLE quality.check_results ADD COLUMN IF NOT EXISTS run_id VARCHAR;
"""

_COLUMNS = ("snapshot_date", "check_name", "target_table", "severity", "passed", "evaluated_rows", "failures",
            "failure_share", "sample", "expectations", "checked_at", "summary", "run_id")
_EXAMPLES_IN_GATE = 3


def ensure_quality_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, QUALITY_DDL)


def run_day_check(con: duckdb.DuckDBPyConnection, day: date, check: CheckDef, volume_drop_max: float,
                  run_id: str | None = None) -> CheckOutcome:
    """Run one check for the day and record its outcome (replacing an earlier one).

    A check that cannot be evaluated (a query or GX error) is recorded as failed with the error:
    a blocking check that crashed must close the gate, not leave an earlier 'passed' in place.
    """
    ensure_quality_schema(con)
    existing = {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'trials'").fetchall()}
    try:
        outcome = run_check(con, check, day, {"volume_drop_max": volume_drop_max}, existing)
    except Exception as exc:  # noqa: BLE001 - recorded and reported as the check's failure
        outcome = failed_outcome(check, exc)
    record_outcomes(con, day, [outcome], run_id=run_id)
    return outcome


def run_day_checks(con: duckdb.DuckDBPyConnection, day: date, target: Target, volume_drop_max: float) -> list[CheckOutcome]:
    """Every check of `target` for the day (what the asset checks run one by one)."""
    return [run_day_check(con, day, check, volume_drop_max) for check in checks_for(target)]


def record_outcomes(con: duckdb.DuckDBPyConnection, day: date, outcomes: list[CheckOutcome],
                    run_id: str | None = None) -> None:
    ensure_quality_schema(con)
    checked_at = datetime.now().replace(microsecond=0)
    with transaction(con):
        for o in outcomes:
            con.execute("DELETE FROM quality.check_results WHERE snapshot_date = ? AND check_name = ?", [day, o.check.name])
            con.execute(
                f"INSERT INTO quality.check_results ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                [day, o.check.name, o.table, o.check.severity, o.passed, o.evaluated_rows, o.failures,
                 o.failure_share, json.dumps(o.sample, default=str), json.dumps(o.expectations, default=str),
                 checked_at, o.summary(), run_id],
            )


def blocking_failures(con: duckdb.DuckDBPyConnection, day: date) -> list[str]:
    """The day's failed blocking checks, each with what failed; empty when the day may go on.

    E.g. `enums_valid (1 of 45 rows failed; e.g. NCT00000003 overall_status='PAUSED_FOR_LUNCH')`.
    """
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'quality' "
                       "AND table_name = 'check_results'").fetchone():
        return []
    rows = con.execute(
        "SELECT check_name, failures, evaluated_rows, sample FROM quality.check_results "
        "WHERE snapshot_date = ? AND severity = 'blocking' AND NOT passed ORDER BY check_name",
        [day],
    ).fetchall()
    reasons = []
    for name, failures, evaluated, sample in rows:
        try:
            examples = "; ".join(describe(s) for s in json.loads(sample)[:_EXAMPLES_IN_GATE])
        except (ValueError, TypeError, KeyError, AttributeError):
            examples = ""
        reasons.append(f"{name} ({failures} of {evaluated} rows failed" + (f"; e.g. {examples})" if examples else ")"))
    return reasons
