"""The checks as Dagster sees them, the code location's load time, and the parts of the check
runner that need no Dagster run (fast: one DuckDB file or none)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import duckdb
import pytest

from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.orchestration.checks import QUALITY_CHECKS
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.quality.catalog import CHECKS, check_by_name
from netpipeline_tests.conftest import PROJECT_ROOT
from netpipeline_tests.test_normalise_docs import DOC, documented_tables

LOAD_PROBE = """
import json, sys, time
started = time.perf_counter()
import netpipeline.definitions as definitions
elapsed = time.perf_counter() - started
print(json.dumps({
    "load_s": round(elapsed, 3),
    "gx_modules": sorted(m for m in sys.modules if m.split(".")[0] == "great_expectations"),
    "checks": len(definitions.defs.resolve_asset_graph().asset_check_keys),
}))
"""


def test_code_location_loads_without_great_expectations():
    env = {**os.environ, "DAGSTER_DISABLE_TELEMETRY": "1"}
    done = subprocess.run([sys.executable, "-c", LOAD_PROBE], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"netpipeline.definitions loaded in {probe['load_s']} s (fresh interpreter, GX not imported)")
    assert probe["gx_modules"] == []
    assert probe["checks"] == len(CHECKS) + 1  # and raw_freshness (orchestration/freshness.py: no GX)


def test_one_partitioned_asset_check_per_catalog_entry_blocking_by_severity():
    specs = {spec.name: spec for checks_def in QUALITY_CHECKS for spec in checks_def.check_specs}
    assert sorted(specs) == sorted(c.name for c in CHECKS)
    for check in CHECKS:
        spec = specs[check.name]
        assert spec.asset_key == {"raw": RAW_STUDIES, "trials": TRIAL_TABLES}[check.target]
        assert spec.blocking is (check.severity == "blocking"), check.name
        assert spec.description == check.description
    for checks_def in QUALITY_CHECKS:
        assert checks_def.partitions_def == daily_partitions


def test_start_before_completion_compares_partial_dates_at_their_precision():
    """A partial date is stored as the first day of its month/year; the warning must not read
    2025-03-15 -> "2025-03" as a start after completion."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA trials")
    con.execute("CREATE TABLE trials.studies (snapshot_date DATE, nct_id VARCHAR, "
                + ", ".join(f"{c} DATE, {c}_raw VARCHAR, {c}_precision VARCHAR"
                            for c in ("start_date", "primary_completion_date", "completion_date")) + ")")
    cases = {  # nct: (start, primary completion, completion) -> expected (vs primary, vs completion)
        "NCT00000001": (("2025-03-15", "2025-03", None), (True, None)),      # same month
        "NCT00000002": (("2025-04", "2025-03-31", "2026"), (False, True)),   # April is after March
        "NCT00000003": (("2025", "2025-01-10", "2024-12"), (True, False)),   # same year; 2024 is before
        "NCT00000004": (("2025-03-16", "2025-03-15", "2025-03-16"), (False, True)),
        "NCT00000005": ((None, "2025-03-15", None), (None, None)),
    }
    for nct_id, ((start, pcd, cd), _) in cases.items():
        values = []
        for raw in (start, pcd, cd):
            precision = {4: "year", 7: "month", 10: "day"}[len(raw)] if raw else None
            typed = (raw + {"year": "-01-01", "month": "-01", "day": ""}[precision]) if raw else None
            values += [typed, raw, precision]
        con.execute("INSERT INTO trials.studies VALUES (DATE '2026-10-01', ?, " + ", ".join("?" * 9) + ")",
                    [nct_id, *values])
    (part,) = check_by_name("start_before_completion").slice_parts(set())
    rows = con.execute(part.sql.replace("$day", "$1"), [date(2026, 10, 1)]).fetchall()
    got = {r[0]: (r[4], r[5]) for r in rows}
    assert got == {nct_id: expected for nct_id, (_, expected) in cases.items()}


def test_a_check_that_cannot_run_fails_and_replaces_an_earlier_pass(tmp_path):
    """A crashing blocking check must close the gate, not leave yesterday's 'passed' in place."""
    pytest.importorskip("great_expectations")
    from netpipeline.quality.results import ensure_quality_schema, gate, run_day_check

    con = duckdb.connect(str(tmp_path / "w.duckdb"))
    ensure_quality_schema(con)
    day = date(2026, 10, 1)
    con.execute("INSERT INTO quality.check_results (snapshot_date, check_name, target_table, severity, passed, "
                "evaluated_rows, failures, failure_share, sample, expectations, checked_at) "
                "VALUES (?, 'raw_day_complete', 'raw.study_days', 'blocking', true, 5, 0, 0, '[]', '[]', now())", [day])
    assert gate(con, day).failed == ()
    outcome = run_day_check(con, day, check_by_name("raw_day_complete"), 0.1)   # no raw schema at all
    assert not outcome.passed and "CatalogException" in outcome.error
    (reason,) = gate(con, day).failed
    assert reason.startswith("raw_day_complete (1 of 0 rows failed; e.g. error: 'CatalogException")
    assert con.execute("SELECT count(*), bool_and(NOT passed) FROM quality.check_results").fetchone() == (1, True)



def test_check_results_table_is_documented_column_by_column():
    from netpipeline.quality.results import ensure_quality_schema   # no GX: results imports it lazily

    con = duckdb.connect()
    ensure_quality_schema(con)
    actual = dict(con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
                              "'quality' AND table_name = 'check_results' ORDER BY ordinal_position").fetchall())
    assert documented_tables(DOC.read_text(encoding="utf-8"))["quality.check_results"] == actual
    if os.environ.get("NETPIPELINE_UPDATE_SNAPSHOTS") == "1":
        DOC.write_text(sync_checks_table(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    documented_checks = {line.split("`")[1] for line in DOC.read_text(encoding="utf-8").split("### The checks")[1]
                         .split("###")[0].splitlines() if line.startswith("| `")}
    assert documented_checks == {c.name for c in CHECKS}


def sync_checks_table(doc: str) -> str:
    """docs/warehouse.md with one row per catalogue check, in catalogue order: a row already
    written is kept as it is, a new check gets one from its definition, a removed one loses its
    row (so adding a check is one CheckDef plus NETPIPELINE_UPDATE_SNAPSHOTS=1)."""
    head, rest = doc.split("### The checks", 1)
    section, next_heading, tail = rest.partition("\n#")
    lines = section.split("\n")
    rows = [i for i, line in enumerate(lines) if line.startswith("| `")]
    written = {lines[i].split("`")[1]: lines[i] for i in rows}
    assets = {"raw": RAW_STUDIES.to_user_string(), "trials": TRIAL_TABLES.to_user_string()}
    table = [written.get(c.name) or f"| `{c.name}` | `{assets[c.target]}` | {c.severity} | {c.description} |"
             for c in CHECKS]
    section = "\n".join(lines[:rows[0]] + table + lines[rows[-1] + 1:])
    return head + "### The checks" + section + next_heading + tail
