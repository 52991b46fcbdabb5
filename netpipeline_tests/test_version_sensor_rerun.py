"""A stored data date whose change-log failed is not left without one: the /version sensor re-runs
the steps after the pull (never the pull: one raw materialisation, the API not asked again),
with backoff and at most NETPIPELINE_DAY_MAX_ATTEMPTS runs, but not a day stopped by a failed
blocking check; a run killed after the pull counts as failed. Real Dagster runs, replay server,
DuckDB file, a reader in another process, a run in a child process killed with SIGKILL."""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pytest

from netpipeline.orchestration import resources
from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.dead_runs import run_process
from netpipeline.orchestration.local_runs import run_request, tick_sensor
from netpipeline.processes import process_alive
from netpipeline.publication import simulated_now
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.warehouse_holder import Holder

pytestmark = pytest.mark.slow
D1, D2 = "2026-11-18", "2026-11-19"  # Wednesday, Thursday
ENV = {"NETPIPELINE_WAREHOUSE_LOCK_WAIT_S": "0.3", "NETPIPELINE_DAY_MAX_ATTEMPTS": "2", "NETPIPELINE_DAY_RETRY_MINUTES": "15"}
REPO = Path(__file__).resolve().parent.parent


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


@contextmanager
def held_from_step(monkeypatch, step: str):
    """Another process takes the warehouse just before the run's `step` opens it (the pull and the
    raw checks are done by then), so that step waits NETPIPELINE_WAREHOUSE_LOCK_WAIT_S and fails."""
    holders: list[Holder] = []
    opening = resources.open_for_writing

    def open_after_a_reader(path, *args, **kwargs):
        if not holders and resources._current_step()[1] == step:
            holders.append(Holder(Path(path)))
        return opening(path, *args, **kwargs)

    monkeypatch.setattr(resources, "open_for_writing", open_after_a_reader)
    try:
        yield holders
    finally:
        monkeypatch.setattr(resources, "open_for_writing", opening)
        for holder in holders:
            holder.close()


def materialisations(h, asset: dg.AssetKey, day: str) -> int:
    return len(h.instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=asset, asset_partitions=[day]),
                                                 limit=10).records)


def snapshots_of(tmp_path: Path, days: dict[str, dict]) -> Path:
    folder = tmp_path / "snap"
    for i, (day, overrides) in enumerate(days.items()):
        write_day(folder, day, [make_study(nct(n), day, **{"designModule.enrollmentInfo.count": 40 + i},
                                           **overrides.get(n, {})) for n in range(1, 6)])
    return folder


def test_a_change_log_that_failed_after_the_pull_is_re_run_without_the_pull_then_given_up(tmp_path, monkeypatch):
    with pipeline(tmp_path, snapshots_of(tmp_path, {D1: {}, D2: {}}), monkeypatch, env=ENV) as h:
        now, cursor = [utc("2026-11-18T14:00")], [None]

        def tick(at: str, execute: bool = True):
            now[0] = utc(at)
            t = tick_sensor(h.defs, h.instance, "ctgov_version_sensor", cursor[0], execute=execute)
            cursor[0] = t.cursor
            return t

        def studies_requests() -> int:
            return sum(r.path.endswith("/studies") for r in h.replay.request_log)

        with simulated_now(lambda: now[0]):
            h.replay.set_current_day(D1)
            # The pull stores D1; a reader then holds the warehouse past the wait: the trial tables fail.
            with held_from_step(monkeypatch, "trials/trial_tables") as holders:
                first = tick("2026-11-18T14:00")
            [run] = first.runs
            assert first.run_keys == [D1] and not run.success and run.materialized == ["raw/ctgov_studies"]
            assert run.error.startswith("trials__trial_tables: ") and f"(PID {holders[0].pid})" in run.error
            pulled = h.query("SELECT fetched_at FROM raw.pulls WHERE snapshot_date = ?", [D1])
            studies_before = studies_requests()

            waiting = tick("2026-11-18T14:10")   # the same backoff as a pull: 15 minutes
            assert waiting.run_keys == [] and waiting.skip.startswith(
                f"data date {D1} is stored but its change-log failed 1 time(s); attempt 2 (the steps after the pull) at ")
            rerun = tick("2026-11-18T14:20")
            pull_id = h.instance.fetch_materializations(RAW_STUDIES, limit=1).records[0].storage_id
            assert rerun.run_keys == [f"{D1}-after-pull-{pull_id}-attempt2"]
            assert RAW_STUDIES not in rerun.requests[0].asset_selection
            assert [r.success for r in rerun.runs] == [True], [r.error for r in rerun.runs]
            assert rerun.runs[0].materialized == ["changes/events", "published/warehouse", "trials/trial_tables"]
            # The raw day was neither pulled again nor rewritten; the change-log and the digest follow.
            assert materialisations(h, RAW_STUDIES, D1) == 1 and materialisations(h, CHANGE_EVENTS, D1) == 1
            assert studies_requests() == studies_before
            assert h.query("SELECT fetched_at FROM raw.pulls WHERE snapshot_date = ?", [D1]) == pulled
            assert h.query("SELECT count(*) FROM changes.days WHERE snapshot_date = ?", [D1]) == [(1,)]
            assert tick("2026-11-18T15:00").skip == f"data date {D1} is stored"
            digests, _ = h.tick_digest()
            assert [(r.partition, r.success) for r in digests] == [(D1, True)]
            assert h.query("SELECT count(*) FROM digest.deliveries WHERE snapshot_date = ?", [D1])[0][0] > 0

            # D2 fails after its pull every time: NETPIPELINE_DAY_MAX_ATTEMPTS (2) runs, then the sensor says so.
            h.replay.set_current_day(D2)
            with held_from_step(monkeypatch, "trials/trial_tables"):
                assert not tick("2026-11-19T14:00").runs[0].success
            second = tick("2026-11-19T14:20", execute=False)
            with Holder(h.warehouse) as reader:
                failed = run_request(h.defs, h.instance, "ctgov_version_sensor", *second.requests)
            assert not failed.success and f"(PID {reader.pid})" in failed.error and "raw/ctgov_studies" not in failed.materialized
            gave_up = tick("2026-11-19T16:00")
            assert gave_up.run_keys == [] and gave_up.skip.startswith(
                f"data date {D2} is stored but its change-log failed 2 time(s); gave up")
            assert "Last error: raw__ctgov_studies_" in gave_up.skip and f"(PID {reader.pid})" in gave_up.skip
            assert materialisations(h, RAW_STUDIES, D2) == 1 and materialisations(h, CHANGE_EVENTS, D2) == 0


def test_a_day_stopped_by_a_blocking_check_is_not_re_run_and_the_skip_says_why(tmp_path, monkeypatch, capfd):
    negative = {2: {"designModule.enrollmentInfo": {"count": -5, "type": "ESTIMATED"}}}
    with pipeline(tmp_path, snapshots_of(tmp_path, {D1: negative, D2: {}}), monkeypatch, env=ENV) as h:
        now = [utc("2026-11-18T14:00")]
        with simulated_now(lambda: now[0]):
            h.replay.set_current_day(D1)
            first = tick_sensor(h.defs, h.instance, "ctgov_version_sensor", None)
            [run] = first.runs
            assert not run.success and run.failed_checks == ["enrollment_non_negative"]
            assert "changes__events" in run.skipped
            now[0] = utc("2026-11-18T16:00")   # well past the backoff
            later = tick_sensor(h.defs, h.instance, "ctgov_version_sensor", first.cursor)
            assert later.run_keys == [] and later.skip == (
                f"data date {D1} is stored but blocking check(s) failed in run {run.run_id}: trials/trial_tables "
                f"enrollment_non_negative: not re-run, the same data would fail again; fix it, then re-run daily_job for {D1}")
            # The API moves on: the sensor requests D2 and says D1 needs a re-run by hand.
            h.replay.set_current_day(D2)
            capfd.readouterr()
            moved = tick_sensor(h.defs, h.instance, "ctgov_version_sensor", later.cursor, execute=False)
            assert moved.run_keys == [D2]
            logged = capfd.readouterr().err   # the sensor's log (the daemon's: the tick's log in the UI)
            assert (f"ERROR - data date {D1} is stored but has no change-log (blocking check(s) failed in run "
                    f"{run.run_id}: trials/trial_tables enrollment_non_negative); the API now serves {D2}") in logged, logged


def test_a_run_killed_after_the_pull_is_failed_by_the_sensor_which_re_runs_the_steps_after_it(tmp_path, monkeypatch, capfd):
    with pipeline(tmp_path, snapshots_of(tmp_path, {D1: {}}), monkeypatch, env=ENV) as h:
        now = [utc("2026-11-18T14:00")]
        with simulated_now(lambda: now[0]):
            h.replay.set_current_day(D1)
            first = tick_sensor(h.defs, h.instance, "ctgov_version_sensor", None, execute=False)
            assert first.run_keys == [D1]
            # The requested run, in a process of its own: it pulls D1, then hangs in the trial tables
            # (a reader holds the warehouse, the wait is long) until it is killed.
            child = subprocess.Popen(
                [sys.executable, "-m", "netpipeline_tests.killable_run", D1, str(tmp_path / "dagster_home"),
                 "trials/trial_tables"], cwd=REPO, env={**os.environ, "NETPIPELINE_WAREHOUSE_LOCK_WAIT_S": "600"},
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            output: list[str] = []
            threading.Thread(target=lambda: output.extend(child.stdout), daemon=True).start()
            try:
                deadline = time.monotonic() + 60
                while not any(line.startswith("holding ") for line in output):
                    assert child.poll() is None, "".join(output)[-3000:]
                    assert time.monotonic() < deadline, "the child never reached the trial tables"
                    time.sleep(0.05)
                [run] = h.instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
                assert run_process(h.instance, run.run_id)[0] == child.pid
                assert materialisations(h, RAW_STUDIES, D1) == 1
            finally:
                child.kill()
                child.wait(timeout=30)
            holder = int(next(line for line in output if line.startswith("holding ")).split()[1])
            deadline = time.monotonic() + 10
            while process_alive(holder):        # the reader leaves when its parent dies (stdin closed)
                assert time.monotonic() < deadline, "the reader outlived the killed run"
                time.sleep(0.05)
            studies_before = sum(r.path.endswith("/studies") for r in h.replay.request_log)
            assert studies_before >= 1          # the child's pull asked the replay
            assert h.instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED

            # Within the backoff: the dead run is marked failed, naming its PID; the re-run waits.
            now[0] = utc("2026-11-18T14:10")
            waiting = tick_sensor(h.defs, h.instance, "ctgov_version_sensor", first.cursor)
            assert h.instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.FAILURE
            [failure] = h.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
            assert f"left STARTED by process {child.pid}, which is gone" in failure.message and D1 in failure.message
            assert waiting.run_keys == [] and waiting.skip.startswith(
                f"data date {D1} is stored but its change-log failed 1 time(s); attempt 2 (the steps after the pull) at ")

            # Past it: the steps after the pull, with the dead run's error as the last one.
            capfd.readouterr()
            now[0] = utc("2026-11-18T14:20")
            rerun = tick_sensor(h.defs, h.instance, "ctgov_version_sensor", waiting.cursor)
            logged = capfd.readouterr().err
            pull_id = h.instance.fetch_materializations(RAW_STUDIES, limit=1).records[0].storage_id
            assert rerun.run_keys == [f"{D1}-after-pull-{pull_id}-attempt2"]
            assert [r.success for r in rerun.runs] == [True], [r.error for r in rerun.runs]
            assert rerun.runs[0].materialized == ["changes/events", "published/warehouse", "trials/trial_tables"]
            assert (f"re-running the steps after the pull. Last error: run {run.run_id} of daily_job "
                    f"for {D1} was left STARTED by process {child.pid}") in logged, logged
            assert materialisations(h, RAW_STUDIES, D1) == 1 and materialisations(h, CHANGE_EVENTS, D1) == 1
            assert sum(r.path.endswith("/studies") for r in h.replay.request_log) == studies_before
            assert h.query("SELECT count(*) FROM changes.days WHERE snapshot_date = ?", [D1]) == [(1,)]
            assert tick_sensor(h.defs, h.instance, "ctgov_version_sensor", rerun.cursor).skip == f"data date {D1} is stored"
