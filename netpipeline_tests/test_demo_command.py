"""README command (1), the demo runner, as a user runs it: a fresh process, its own Dagster home,
warehouse and outbox, two of the bundled replay days."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from netpipeline_tests.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def test_demo_runs_the_days_and_prints_its_summary_without_dagster_debug_lines(tmp_path, monkeypatch):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path / "home"), "NETPIPELINE_WAREHOUSE": str(tmp_path / "w.duckdb"),
           "NETPIPELINE_OUTBOX": str(tmp_path / "outbox"), "NETPIPELINE_PUBLISHED_WAREHOUSE": str(tmp_path / "pub.duckdb"),
           "NETPIPELINE_PUBLISHED_PARQUET": str(tmp_path / "parquet")}
    done = subprocess.run([sys.executable, "-m", "netpipeline.demo.run", "--days", "2026-11-18", "2026-11-19"],
                          cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    for day in ("2026-11-18", "2026-11-19"):
        assert f"{day}: daily_job ok" in output
    assert output.count("digest_sensor → digest_job ok") == 2
    assert " - DEBUG - " not in output and "STEP_START" not in output
    emails = sorted(p.relative_to(tmp_path / "outbox").as_posix() for p in (tmp_path / "outbox").glob("*/*.eml"))
    assert "2026-11-19/patient-boston.eml" in emails and len(emails) >= 6
    assert f"outbox: {tmp_path / 'outbox'} ({len(emails)} digest emails" in output
    # The quiet console does not thin the event log: the UI still has every step's events.
    import dagster as dg

    with dg.DagsterInstance.from_config(str(tmp_path / "home")) as instance:
        runs = instance.get_run_records()
        assert len(runs) == 4
        starts = instance.all_logs(runs[-1].dagster_run.run_id, of_type=dg.DagsterEventType.STEP_START)
        assert starts
        # Issue 17: the daemon's first digest_sensor tick after the demo (its stored cursor starts
        # empty: the demo ticked the sensor in process) requests nothing: both digests were sent.
        from netpipeline.definitions import build_definitions

        monkeypatch.setenv("NETPIPELINE_WAREHOUSE", str(tmp_path / "w.duckdb"))
        defs = build_definitions()
        context = dg.build_sensor_context(instance=instance, cursor=None, definitions=defs, resources=defs.resources)
        first_tick = defs.resolve_sensor_def("digest_sensor").evaluate_tick(context)
        assert not first_tick.run_requests
        assert first_tick.skip_message == "digests already sent for 2026-11-18, 2026-11-19"
