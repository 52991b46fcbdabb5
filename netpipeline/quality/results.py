"""quality.check_results: every check's outcome per day, for the gate and downstream tools."""
from __future__ import annotations

import json
from datetime import date, datetime

import duckdb

from netpipeline.quality.catalog import CheckDef, Target, checks_for
from netpipeline.quality.expectations import CheckOutcome, run_check
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
    sample         VARCHAR   NOT NULL,   -- JSON: up to 10 offending {nct_id, column, value}
    expectations   VARCHAR   NOT NULL,   -- JSON: each GX expectation and its outcome
    checked_at     TIMESTAMP NOT NULL
);
"""


def ensure_quality_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, QUALITY_DDL)


def run_day_check(con: duckdb.DuckDBPyConnection, day: date, check: CheckDef, volume_drop_max: float) -> CheckOutcome:
    """Run one check for the day and record its outcome (replacing an earlier one)."""
    ensure_quality_schema(con)
    existing = {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'trials'").fetchall()}
    outcome = run_check(con, check, day, {"volume_drop_max": volume_drop_max}, existing)
    record_outcomes(con, day, [outcome])
    return outcome


def run_day_checks(con: duckdb.DuckDBPyConnection, day: date, target: Target, volume_drop_max: float) -> list[CheckOutcome]:
    """Every check of `target` for the day (what the asset checks run one by one)."""
    return [run_day_check(con, day, check, volume_drop_max) for check in checks_for(target)]


def record_outcomes(con: duckdb.DuckDBPyConnection, day: date, outcomes: list[CheckOutcome]) -> None:
    checked_at = datetime.now().replace(microsecond=0)
    with transaction(con):
        for o in outcomes:
            con.execute("DELETE FROM quality.check_results WHERE snapshot_date = ? AND check_name = ?", [day, o.check.name])
            con.execute(
                "INSERT INTO quality.check_results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [day, o.check.name, o.table, o.check.severity, o.passed, o.evaluated_rows, o.failures,
                 o.failure_share, json.dumps(o.sample, default=str), json.dumps(o.expectations, default=str), checked_at],
            )


def blocking_failures(con: duckdb.DuckDBPyConnection, day: date) -> list[str]:
    """Summaries of the day's failed blocking checks; empty when the day may go on."""
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'quality' "
                       "AND table_name = 'check_results'").fetchone():
        return []
    rows = con.execute(
        "SELECT check_name, failures, evaluated_rows, sample FROM quality.check_results "
        "WHERE snapshot_date = ? AND severity = 'blocking' AND NOT passed ORDER BY check_name",
        [day],
    ).fetchall()
    return [f"{name} ({failures} of {evaluated} rows failed)" for name, failures, evaluated, _ in rows]
