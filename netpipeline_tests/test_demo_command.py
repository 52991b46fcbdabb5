"""README command (1), the demo runner, as a user runs it: a fresh process, its own Dagster home,
warehouse and outbox, two of the bundled replay days."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from netpipeline.replay.server import ReplayServer
from netpipeline_tests.conftest import DEMO_REPLAY, PROJECT_ROOT

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
        # The UI command the demo prints keeps the sensors on a replay of its last day (offline),
        # so the /version sensor's first tick requests nothing either.
        assert ("netpipeline-replay --snapshots data/replay --port 8765 --day 2026-11-19 &\n"
                f"  DAGSTER_HOME={tmp_path / 'home'} NETPIPELINE_CTGOV_BASE_URL=http://127.0.0.1:8765/api/v2 "
                "uv run --frozen dagster dev -w workspace.yaml") in output
        with ReplayServer(DEMO_REPLAY, current_day="2026-11-19") as replay:
            monkeypatch.setenv("NETPIPELINE_CTGOV_BASE_URL", replay.url)
            defs = build_definitions()
            ticks = {name: defs.resolve_sensor_def(name).evaluate_tick(dg.build_sensor_context(
                instance=instance, cursor=None, definitions=defs, resources=defs.resources))
                for name in ("digest_sensor", "ctgov_version_sensor")}
        assert not any(t.run_requests for t in ticks.values())
        assert ticks["digest_sensor"].skip_message == "digests already sent for 2026-11-18, 2026-11-19"
        assert ticks["ctgov_version_sensor"].skip_message == "data date 2026-11-19 is stored"
