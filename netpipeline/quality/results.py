"""quality.check_results: every check's outcome per day, for the gate and downstream tools."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

import duckdb

from netpipeline.quality.catalog import CheckDef, Target, blocking_checks, checks_for
from netpipeline.quality.expectations import run_check
from netpipeline.quality.outcomes import CheckOutcome, describe, failed_outcome
from netpipeline.settings import DEFAULTS
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
# A warning's threshold: callers without Dagster (tests, benchmarks) get the documented default.
_VOLUME_RISE_MAX = float(DEFAULTS["NETPIPELINE_VOLUME_RISE_MAX"])


def ensure_quality_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, QUALITY_DDL)


def run_day_check(con: duckdb.DuckDBPyConnection, day: date, check: CheckDef, volume_drop_max: float,
                  run_id: str | None = None, volume_rise_max: float = _VOLUME_RISE_MAX) -> CheckOutcome:
    """Run one check for the day and record its outcome (replacing an earlier one).

    A check that cannot be evaluated (a query or GX error) is recorded as failed with the error:
    a blocking check that crashed must close the gate, not leave an earlier 'passed' in place.
    """
    ensure_quality_schema(con)
    existing = {row[0] for row in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'trials'").fetchall()}
    try:
        outcome = run_check(con, check, day, {"volume_drop_max": volume_drop_max,
                                              "volume_rise_max": volume_rise_max}, existing)
    except Exception as exc:  # noqa: BLE001 - recorded and reported as the check's failure
        outcome = failed_outcome(check, exc)
    record_outcomes(con, day, [outcome], run_id=run_id)
    return outcome


def run_day_checks(con: duckdb.DuckDBPyConnection, day: date, target: Target, volume_drop_max: float,
                   volume_rise_max: float = _VOLUME_RISE_MAX) -> list[CheckOutcome]:
    """Every check of `target` for the day (what the asset checks run one by one)."""
    return [run_day_check(con, day, check, volume_drop_max, volume_rise_max=volume_rise_max)
            for check in checks_for(target)]


def run_all_day_checks(con: duckdb.DuckDBPyConnection, day: date, volume_drop_max: float,
                       volume_rise_max: float = _VOLUME_RISE_MAX) -> list[CheckOutcome]:
    """Every check of the catalogue for the day, raw first (what a daily run does, without Dagster)."""
    return (run_day_checks(con, day, "raw", volume_drop_max, volume_rise_max)
            + run_day_checks(con, day, "trials", volume_drop_max, volume_rise_max))


def drop_day_results(con: duckdb.DuckDBPyConnection, day: date, target: Target | None = None) -> None:
    """Forget the day's check results (of `target`'s checks, else all): the data they judged is
    being rewritten. Called inside the rewriting transaction (raw pull, normalisation), so a
    rewrite that dies before its checks run leaves the day "unchecked", never "passed" on results
    about the data it replaced; a rewrite that fails keeps the old data and its results."""
    if not con.execute("SELECT 1 FROM duckdb_tables() WHERE schema_name = 'quality' "
                       "AND table_name = 'check_results'").fetchone():
        return
    if target is None:
        con.execute("DELETE FROM quality.check_results WHERE snapshot_date = ?", [day])
    else:
        con.execute("DELETE FROM quality.check_results WHERE snapshot_date = ? AND check_name IN (SELECT unnest(?))",
                    [day, [c.name for c in checks_for(target)]])


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


@dataclass(frozen=True)
class GateStatus:
    """Whether a day may go on to its change-log and digest, and why not.

    Fail closed: a day has passed only when every blocking check of the catalogue has a result
    for it and all of them passed. A day normalised but cut off before its checks finished
    (killed, disk full) is "unchecked", not passed.
    """
    day: date
    failed: tuple[str, ...] = ()    # failed blocking checks, each with what failed
    missing: tuple[str, ...] = ()   # blocking checks with no result for the day

    @property
    def passed(self) -> bool:
        return not self.failed and not self.missing

    @property
    def state(self) -> str:
        return "failed" if self.failed else "unchecked" if self.missing else "passed"

    def reason(self) -> str:
        """In words, e.g. `blocking checks failed: enums_valid (...)`; '' when passed."""
        parts = []
        if self.failed:
            parts.append(f"blocking checks failed: {'; '.join(self.failed)}")
        if self.missing:
            parts.append(f"unchecked: no result for blocking check(s) {', '.join(self.missing)} "
                         "(the checks did not run or were interrupted; re-run the day)")
        return "; ".join(parts)


def gate(con: duckdb.DuckDBPyConnection, day: date) -> GateStatus:
    """The day's gate: the one definition the change-log, its base day, the digest sensor and the
    digest asset use."""
    required = [c.name for c in blocking_checks()]
    if not con.execute("SELECT 1 FROM information_schema.tables WHERE table_schema = 'quality' "
                       "AND table_name = 'check_results'").fetchone():
        return GateStatus(day, missing=tuple(required))
    rows = con.execute(
        "SELECT check_name, passed, failures, evaluated_rows, sample FROM quality.check_results "
        "WHERE snapshot_date = ? AND (severity = 'blocking' OR check_name IN (SELECT unnest(?))) ORDER BY check_name",
        [day, required],
    ).fetchall()
    recorded = {name for name, *_ in rows}
    failed = tuple(_failure_reason(name, failures, evaluated, sample)
                   for name, passed, failures, evaluated, sample in rows if not passed)
    return GateStatus(day, failed=failed, missing=tuple(n for n in required if n not in recorded))


def _failure_reason(name: str, failures: int, evaluated: int, sample: str) -> str:
    try:
        examples = "; ".join(describe(s) for s in json.loads(sample)[:_EXAMPLES_IN_GATE])
    except (ValueError, TypeError, KeyError, AttributeError):
        examples = ""
    return f"{name} ({failures} of {evaluated} rows failed" + (f"; e.g. {examples})" if examples else ")")
