"""What killed pulls leave behind is cleaned up by the next run (issue 13): staging folders beside
the warehouse, and Dagster runs left STARTED by a dead process (by run_day and by the /version
sensor, which would otherwise hold the day back as "in progress" for ever)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from netpipeline.ingest import raw_staging
from netpipeline.ingest.raw_staging import Staging, remove_leftovers
from netpipeline.orchestration.dead_runs import run_process
from netpipeline.processes import process_alive
from netpipeline.replay.faults import Fault
from netpipeline.settings import DEFAULTS
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

D1 = "2026-10-01"
REPO = Path(__file__).resolve().parent.parent


def _staging_dirs(folder: Path) -> list[Path]:
    return sorted(folder.glob(".raw-staging-*"))


def _start_killable_run(tmp_path: Path) -> subprocess.Popen:
    """daily_job's raw step for D1 in a process of its own, on the harness's Dagster instance."""
    return subprocess.Popen([sys.executable, "-m", "netpipeline_tests.killable_run", D1,
                             str(tmp_path / "dagster_home")], cwd=REPO, env=dict(os.environ),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


@pytest.mark.slow
def test_a_pull_killed_mid_way_leaves_staging_and_a_started_run_that_the_next_run_cleans_up(tmp_path, monkeypatch):
    snapshots = tmp_path / "replay"
    write_day(snapshots, D1, [make_study(nct(i), D1) for i in range(1, 31)])
    scope = tmp_path / "scope.yaml"   # 5 studies a page: 6 pages, so the pull can be cut between them
    scope.write_text(Path(DEFAULTS["NETPIPELINE_SCOPE"]).read_text().replace("page_size: 1000", "page_size: 5"))
    with pipeline(tmp_path, snapshots, monkeypatch, env={"NETPIPELINE_SCOPE": str(scope)}) as h:
        h.replay.add_faults([Fault("slow", path="/studies", skip=2, delay_s=120)])   # the 3rd page hangs
        child = _start_killable_run(tmp_path)
        deadline = time.monotonic() + 60
        # Killed once a page is staged and the 3rd page is hanging in the slow fault (so the fault
        # is spent and the re-run is not slowed by it).
        while not (any(d.glob("page-*.parquet") for d in _staging_dirs(h.warehouse.parent))
                   and h.replay.faults[0]["seen"] >= 3):
            assert child.poll() is None, child.stdout.read().decode()[-3000:]
            assert time.monotonic() < deadline, "the child never staged a page"
            time.sleep(0.1)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
        # The defects as the probes found them: the staging stays, the run says STARTED.
        left = _staging_dirs(h.warehouse.parent)
        assert len(left) == 1 and f"-{child.pid}-w.duckdb-" in left[0].name
        killed = h.instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        assert len(killed) == 1 and not process_alive(child.pid)

        outcome = h.run_day(D1, assets=["raw/ctgov_studies"])
        assert outcome.success, outcome.error
        assert _staging_dirs(h.warehouse.parent) == []
        assert h.query("SELECT studies FROM raw.pulls WHERE snapshot_date = ?", [D1]) == [(30,)]
        run = h.instance.get_run_by_id(killed[0].run_id)
        assert run.status == dg.DagsterRunStatus.FAILURE
        failure = h.instance.all_logs(run.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
        assert f"left STARTED by process {child.pid}, which is gone" in failure.message
        assert D1 in failure.message


def _tick_version_sensor(h, cursor: str | None) -> dg.SensorResult:
    sensor = h.defs.resolve_sensor_def("ctgov_version_sensor")
    context = dg.build_sensor_context(instance=h.instance, cursor=cursor, definitions=h.defs, resources=h.defs.resources)
    return sensor.evaluate_tick(context)


@pytest.mark.slow
def test_the_version_sensor_waits_for_a_live_run_and_fails_a_dead_one_then_requests_the_day(tmp_path, monkeypatch):
    snapshots = tmp_path / "replay"
    write_day(snapshots, D1, [make_study(nct(i), D1) for i in range(1, 6)])
    with pipeline(tmp_path, snapshots, monkeypatch) as h:
        h.replay.set_current_day(D1)
        h.replay.add_faults([Fault("slow", path="/studies", delay_s=120)])   # the pull hangs on its 1st page
        child = _start_killable_run(tmp_path)
        try:
            deadline = time.monotonic() + 60
            while not (h.replay.faults[0]["seen"] >= 1 and
                       (started := h.instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])))):
                assert child.poll() is None, child.stdout.read().decode()[-3000:]
                assert time.monotonic() < deadline, "the child never started its pull"
                time.sleep(0.1)
            run_id = started[0].run_id
            assert run_process(h.instance, run_id)[0] == child.pid

            # Alive: the run is left alone and holds the day back.
            alive = _tick_version_sensor(h, None)
            assert not alive.run_requests and alive.skip_message == f"data date {D1}: run {run_id} is in progress"
            assert h.instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.STARTED
        finally:
            child.kill()
            child.wait(timeout=30)
        assert not process_alive(child.pid)

        # Dead: the next tick marks it failed, naming the PID, and requests the day.
        dead = _tick_version_sensor(h, alive.cursor)
        assert h.instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
        failure = h.instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)[-1]
        assert f"left STARTED by process {child.pid}, which is gone" in failure.message and D1 in failure.message
        assert [(r.partition_key, r.run_key) for r in dead.run_requests] == [(D1, D1)]
        # Reported once: the next tick (waiting for the requested run) does not fail it again.
        assert not _tick_version_sensor(h, dead.cursor).run_requests
        assert len(h.instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)) == 1


def _warehouse(folder: Path, name: str = "w.duckdb") -> Path:
    path = folder / name
    connect(path).close()
    return path


def test_staging_of_a_live_pull_in_this_process_and_of_other_warehouses_is_kept(tmp_path):
    warehouse = _warehouse(tmp_path)
    other = _warehouse(tmp_path, "other.duckdb")
    dead = tmp_path / ".raw-staging-999999999-w.duckdb-abc123_x"   # a PID no process can have
    other_dead = tmp_path / ".raw-staging-999999999-other.duckdb-abc123_x"
    for folder in (dead, other_dead):
        folder.mkdir()
        (folder / "page-000000.parquet").write_bytes(b"x")
    con = connect(warehouse)
    try:
        running = Staging(con)              # a pull of this warehouse still going in this process
        assert running.leftovers_removed == [dead] and not dead.exists()
        second = Staging(con)               # another one starting meanwhile leaves it alone
        assert second.leftovers_removed == [] and running.dir.exists()
        assert other_dead.exists()          # another warehouse's staging is that warehouse's business
        second.remove()
        running.remove()
        assert running.dir not in raw_staging._LIVE
    finally:
        con.close()
    assert _staging_dirs(tmp_path) == [other_dead]
    remove_leftovers(other.resolve())
    assert _staging_dirs(tmp_path) == []


def test_unowned_staging_of_older_versions_is_removed_only_when_the_warehouse_is_alone(tmp_path):
    warehouse = _warehouse(tmp_path)
    legacy = tmp_path / ".raw-staging-k2j4_9zq"
    legacy.mkdir()
    _warehouse(tmp_path, "other.duckdb")
    assert remove_leftovers(warehouse.resolve()) == [] and legacy.exists()
    (tmp_path / "other.duckdb").unlink()
    assert remove_leftovers(warehouse.resolve()) == [legacy] and not legacy.exists()


def test_a_reused_pid_is_not_the_process_that_was_seen():
    me = os.getpid()
    assert process_alive(me) and process_alive(me, seen_at=time.time())
    assert not process_alive(me, seen_at=time.time() - 10 * 365 * 86400)   # seen long before this one started
