"""Scale-out, small: daily_job on a Dagster instance whose run/event-log storage is PostgreSQL.

Uses benchmarks/postgres_instance.py's pieces (docs/scale-out.md): a throwaway PostgreSQL
cluster (initdb + pg_ctl, as an unprivileged user when run as root), a 40-study replay
snapshot over two days, and the job run in a child process on DagsterInstance.from_config.
Then reads PostgreSQL back with psycopg2, not through Dagster. Skips when the PostgreSQL
server binaries are not installed.
"""
from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import sys
from pathlib import Path

import duckdb
import pytest

from netpipeline.replay.server import ReplayServer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SCRIPT = PROJECT_ROOT / "benchmarks" / "postgres_instance.py"
DAYS = ("2026-11-18", "2026-11-19")
STUDIES = 40
RAW = "raw/ctgov_studies"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]


def load_script():
    name = "netpipeline_benchmarks_postgres_instance"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def pg():
    pytest.importorskip("psycopg2", reason="psycopg2 not installed (uv dev group)")
    pytest.importorskip("dagster_postgres", reason="dagster-postgres not installed (uv dev group)")
    script = load_script()
    pg_bin = script.find_pg_bin()
    if pg_bin is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl, postgres) not on PATH nor in "
                    "/usr/lib/postgresql/*/bin; install them (apt-get install -y postgresql) or run "
                    "benchmarks/postgres_instance.py --install")
    if os.geteuid() == 0:
        if not (shutil.which("runuser") or shutil.which("su")):
            pytest.skip("running as root, and neither runuser nor su is available to start PostgreSQL unprivileged")
        try:
            pwd.getpwnam("nobody")
        except KeyError:
            pytest.skip("running as root and there is no user 'nobody' to run PostgreSQL as (PostgreSQL refuses root)")
    return script, pg_bin


def test_daily_job_records_runs_and_materialisations_in_postgres(pg):
    script, pg_bin = pg
    # Every context manager below cleans up on failure too: the replay server, the cluster
    # (pg_ctl stop) and the temp dir, in that order.
    with script.workspace() as root, script.running_cluster(root, pg_bin, script.pg_user("nobody")) as cluster:
        home = script.write_dagster_home(root / "dagster_home", cluster)
        counts = script.write_snapshot(root / "replay", STUDIES, DAYS)
        assert counts == {DAYS[0]: STUDIES, DAYS[1]: STUDIES}
        warehouse = root / "warehouse" / "netpipeline.duckdb"
        with ReplayServer(root / "replay") as server:
            child = script.run_days_in_child(home, DAYS, server.url_template, warehouse, cluster.password,
                                             root / "worker.log", timeout_s=90)

        # What the run process saw: its instance is the PostgreSQL one. (Whether the runs
        # succeeded is asserted last, so a pipeline failure still gets its storage checked.)
        assert child["run_storage"] == "PostgresRunStorage"
        assert child["event_log_storage"] == "PostgresEventLogStorage"
        assert [run["day"] for run in child["runs"]] == list(DAYS)
        run_ids = [run["run_id"] for run in child["runs"]]
        outcome = {run["run_id"]: "SUCCESS" if run["success"] else "FAILURE" for run in child["runs"]}

        # What PostgreSQL holds, read with psycopg2.
        con = cluster.connect()
        try:
            with con.cursor() as cur:
                cur.execute("SELECT run_id, pipeline_name, status, partition FROM runs ORDER BY id")
                assert cur.fetchall() == [(run_id, "daily_job", outcome[run_id], day) for run_id, day in zip(run_ids, DAYS)]

                cur.execute("SELECT run_id, value FROM run_tags WHERE key = 'dagster/partition' ORDER BY run_id")
                assert sorted(cur.fetchall()) == sorted(zip(run_ids, DAYS))

                # Dagster stores RUN_SUCCESS / RUN_FAILURE under their pre-1.0 names.
                cur.execute("SELECT run_id, dagster_event_type FROM event_logs "
                            "WHERE dagster_event_type IN ('PIPELINE_SUCCESS', 'PIPELINE_FAILURE') ORDER BY id")
                assert cur.fetchall() == [(run_id, f"PIPELINE_{outcome[run_id]}") for run_id in run_ids]

                cur.execute("SELECT run_id, asset_key, partition FROM event_logs "
                            "WHERE dagster_event_type = 'ASSET_MATERIALIZATION' ORDER BY id")
                rows = [(run_id, script.asset_path(key), part) for run_id, key, part in cur.fetchall()]
                for run_id, day in zip(run_ids, DAYS):
                    assert (run_id, RAW, day) in rows, f"no {RAW} materialisation for {day} in event_logs"
                expected = sorted((run["run_id"], asset, run["day"]) for run in child["runs"] for asset in run["materialised"])
                assert sorted(rows) == expected  # exactly the materialisations the runs reported, each once

                cur.execute("SELECT count(*) FROM asset_keys WHERE asset_key = %s", (json.dumps(RAW.split("/")),))
                assert cur.fetchone()[0] == 1

                cur.execute('SELECT concurrency_key, "limit" FROM concurrency_limits')
                assert ("ctgov_api", 1) in cur.fetchall()
        finally:
            con.close()

        assert script.sqlite_files(home) == [], "the instance wrote SQLite storage beside PostgreSQL"

        # And the runs really pulled the replay into the warehouse: day 2 = 3 edited, 1 gone, 1 new.
        with duckdb.connect(str(warehouse), read_only=True) as wh:
            pulls = wh.execute("SELECT snapshot_date::VARCHAR, studies, new_studies, changed_studies, removed_studies "
                               "FROM raw.pulls ORDER BY 1").fetchall()
        assert pulls == [(DAYS[0], STUDIES, STUDIES, 0, 0), (DAYS[1], STUDIES, 1, 3, 1)]

        failed = {run["day"]: run["failures"] for run in child["runs"] if not run["success"]}
        assert not failed, f"daily_job failed (its runs are recorded in PostgreSQL): {json.dumps(failed, indent=1)}"
