"""The Dagster side of the scale-out proof: DAGSTER_HOME on PostgreSQL, a replay snapshot, and
daily_job run per day in a child process (postgres_instance.py --worker).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from pg_cluster import DB_NAME, DB_USER, PostgresCluster, ProofError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROOF_SCRIPT = Path(__file__).resolve().with_name("postgres_instance.py")  # its --worker mode calls worker()

DAYS = ("2026-11-18", "2026-11-19")
PASSWORD_ENV = "NETPIPELINE_PG_PASSWORD"
POOL = "ctgov_api"
RESULT_MARKER = "NETPIPELINE_PG_PROOF_RESULT "
PROOF_TAG = "netpipeline/proof"


def dagster_yaml(host: str, port: int, username: str = DB_USER, db_name: str = DB_NAME) -> str:
    return f"""\
# Throwaway instance written by benchmarks/postgres_instance.py (docs/scale-out.md).
# Runs, event logs (asset materialisations, checks, pools) and schedules/sensors in PostgreSQL.
storage:
  postgres:
    postgres_db:
      hostname: {host}
      port: {port}
      username: {username}
      password:
        env: {PASSWORD_ENV}
      db_name: {db_name}
      # SQLAlchemy 2.1 maps plain postgresql:// to psycopg (3); dagster-postgres ships psycopg2.
      scheme: postgresql+psycopg2
telemetry:
  enabled: false
"""


def write_dagster_home(home: Path, cluster: PostgresCluster) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text(dagster_yaml(cluster.host, cluster.port))
    return home


def write_snapshot(snapshots: Path, studies: int = 40, days: tuple[str, ...] = DAYS) -> dict[str, int]:
    """`studies` NET studies on the first day; each later day: 3 edited, 1 gone, 1 new."""
    from netpipeline_tests.factories import make_study, nct, write_day

    ids = list(range(1, studies + 1))
    counts = {}
    for index, day in enumerate(days):
        if index:
            ids = [i for i in ids if i != ids[0]] + [max(ids) + 1]
        edited = set(ids[1:4]) if index else set()
        day_studies = [make_study(nct(i), day, **({"statusModule.overallStatus": "ACTIVE_NOT_RECRUITING"} if i in edited else {}))
                       for i in ids]
        write_day(snapshots, day, day_studies)
        counts[day] = len(day_studies)
    return counts


def run_days_in_child(dagster_home: Path, days: tuple[str, ...], base_url_template: str, warehouse: Path,
                      password: str, log_file: Path, timeout_s: float = 600) -> dict[str, Any]:
    """Run daily_job for each day (in order) in a fresh interpreter; returns its JSON result."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)  # DuckDBResource does not create it
    env = dict(os.environ)
    env.update({
        "DAGSTER_HOME": str(dagster_home),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        PASSWORD_ENV: password,
        "NETPIPELINE_CTGOV_BASE_URL": base_url_template,
        "NETPIPELINE_WAREHOUSE": str(warehouse),
        "NETPIPELINE_PUBLISHED_WAREHOUSE": str(warehouse.parent / "published" / "netpipeline.duckdb"),
        "NETPIPELINE_PUBLISHED_PARQUET": str(warehouse.parent / "published" / "parquet"),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
    })
    cmd = [sys.executable, str(PROOF_SCRIPT), "--worker", "--dagster-home", str(dagster_home), "--days", *days]
    with open(log_file, "w") as log:
        proc = subprocess.run(cmd, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=log, text=True, timeout=timeout_s)
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if proc.returncode != 0 or not lines:
        tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-40:])
        raise ProofError(f"the Dagster worker failed (exit {proc.returncode}); log {log_file} "
                         f"(removed with the temp dir unless --keep), its tail:\n{tail}")
    return json.loads(lines[-1][len(RESULT_MARKER):])


def root_cause(error: Any) -> str:
    """The first line of the innermost cause of a Dagster SerializableErrorInfo."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    message = (getattr(error, "message", None) or str(error)).strip()
    return message.splitlines()[0] if message else type(error).__name__


def worker(dagster_home: str, days: list[str]) -> int:
    """Child process: NETPIPELINE_* and DAGSTER_HOME are already in the environment."""
    from dagster import DagsterInstance

    from netpipeline.definitions import defs

    job = defs.resolve_job_def("daily_job")
    result: dict[str, Any] = {"job": job.name, "runs": [], "pools": {}}
    for node in job.graph.node_dict.values():
        result["pools"][node.name] = getattr(node.definition, "pool", None)
    with DagsterInstance.from_config(dagster_home) as instance:
        result["event_log_storage"] = type(instance.event_log_storage).__name__
        result["run_storage"] = type(instance.run_storage).__name__
        # The API pool: one slot, instance-wide (only enforced for steps declaring pool="ctgov_api").
        instance.event_log_storage.set_concurrency_slots(POOL, 1)
        for day in days:
            t0 = time.monotonic()
            run = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False,
                                         tags={PROOF_TAG: "postgres_instance"})
            failures = [f"{e.step_key}: {root_cause(e.event_specific_data.error)}"
                        for e in run.all_events if e.event_type_value == "STEP_FAILURE"]
            materialised = sorted(e.asset_key.to_user_string() for e in run.get_asset_materialization_events())
            result["runs"].append({"day": day, "run_id": run.run_id, "success": run.success,
                                   "seconds": round(time.monotonic() - t0, 2), "failures": failures,
                                   "materialised": materialised})
    print(RESULT_MARKER + json.dumps(result), flush=True)
    return 0
