"""Proof: the pipeline's Dagster instance runs on PostgreSQL (see docs/scale-out.md).

    uv run --frozen python benchmarks/postgres_instance.py [--studies 40] [--keep] [--install]

1. Creates a temp dir; `initdb` a throwaway PostgreSQL cluster in it and starts `postgres` on
   127.0.0.1 with a free port (password auth over TCP), then creates the database `dagster`.
   PostgreSQL refuses to run as root: as root, initdb/pg_ctl run as `--pg-user` (default
   `nobody`; any other name is created with useradd when missing) via runuser (or su).
2. Writes DAGSTER_HOME/dagster.yaml: run, event-log and schedule storage in that database via
   dagster_postgres (password from the environment), telemetry off; sets the `ctgov_api` pool
   limit to 1 on the instance.
3. Writes a small replay snapshot (netpipeline_tests.factories; 2 days) and starts the replay
   server over it.
4. Runs `daily_job` for each day with `execute_in_process` on
   `DagsterInstance.from_config(DAGSTER_HOME)`, in a child Python process: netpipeline's
   resources read NETPIPELINE_* at import time, so the run gets a fresh interpreter with the
   replay URL and a temp warehouse set before `netpipeline.definitions` is imported.
5. Verifies from PostgreSQL itself (psycopg2 on the `runs`, `event_logs` and
   `concurrency_limits` tables) that the runs and the asset materialisations are recorded there,
   and that DAGSTER_HOME holds no SQLite storage; prints a report.
6. Always stops the replay server and PostgreSQL and removes the temp dir (also on Ctrl-C or
   SIGTERM), unless --keep (the server is still stopped; the report says how to restart it).

Exit status: 0 when every run succeeded and PostgreSQL holds them; 1 otherwise; 2 when the
PostgreSQL binaries are missing (use --install as root, or install `postgresql`).

The pieces, beside this file: pg_cluster.py (steps 1 and 6: binaries, user, cluster),
pg_dagster_runs.py (steps 2 to 4), pg_proof_report.py (the verdict and the report); step 5's
reads are below.
"""
from __future__ import annotations

import argparse
import json
import os
import pwd
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

PROJECT_ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = Path(__file__).resolve().parent  # the pieces below; the test loads this file by path
for _path in (PROJECT_ROOT, BENCHMARKS):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from pg_cluster import (  # noqa: E402
    DB_NAME, DB_USER, PostgresCluster, ProofError, find_pg_bin, install_postgres, pg_user, running_cluster,
)
from pg_dagster_runs import (  # noqa: E402
    DAYS, PASSWORD_ENV, run_days_in_child, worker, write_dagster_home, write_snapshot,
)
from pg_proof_report import format_report, runs_ok, storage_ok  # noqa: E402


@contextmanager
def workspace(keep: bool = False, prefix: str = "netpipeline-pg-") -> Iterator[Path]:
    """A temp dir under the system temp dir, traversable by the PostgreSQL user; removed after."""
    root = Path(tempfile.mkdtemp(prefix=prefix))
    root.chmod(0o711)
    try:
        yield root
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def asset_path(asset_key_json: str | None) -> str:
    """event_logs.asset_key holds the key's path as JSON, e.g. '["raw", "ctgov_studies"]'."""
    try:
        return "/".join(json.loads(asset_key_json))
    except (TypeError, ValueError):
        return str(asset_key_json)


def query_postgres(cluster: PostgresCluster, run_ids: list[str]) -> dict[str, Any]:
    """Read the runs, materialisations and pool back with psycopg2, not through Dagster."""
    con = cluster.connect()
    try:
        with con.cursor() as cur:
            cur.execute("SELECT run_id, pipeline_name, status, partition FROM runs WHERE run_id = ANY(%s) ORDER BY id", (run_ids,))
            runs = [dict(zip(("run_id", "job", "status", "partition"), row)) for row in cur.fetchall()]
            cur.execute("SELECT count(*) FROM runs")
            total_runs = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM event_logs WHERE run_id = ANY(%s)", (run_ids,))
            events = cur.fetchone()[0]
            cur.execute(
                "SELECT asset_key, partition, count(*) FROM event_logs "
                "WHERE dagster_event_type = 'ASSET_MATERIALIZATION' AND run_id = ANY(%s) GROUP BY 1, 2 ORDER BY 1, 2",
                (run_ids,),
            )
            materialisations = [{"asset": asset_path(key), "partition": part, "count": n} for key, part, n in cur.fetchall()]
            cur.execute(
                "SELECT count(*) FROM event_logs WHERE dagster_event_type = 'ASSET_CHECK_EVALUATION' AND run_id = ANY(%s)",
                (run_ids,),
            )
            check_evaluations = cur.fetchone()[0]
            cur.execute('SELECT concurrency_key, "limit" FROM concurrency_limits ORDER BY 1')
            pools = dict(cur.fetchall())
            cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            tables = cur.fetchone()[0]
        return {"runs": runs, "total_runs": total_runs, "events": events, "materialisations": materialisations,
                "check_evaluations": check_evaluations, "pools": pools, "tables": tables}
    finally:
        con.close()


def sqlite_files(dagster_home: Path) -> list[str]:
    return sorted(str(p.relative_to(dagster_home)) for p in dagster_home.rglob("*.db"))


def run_proof(studies: int = 40, days: tuple[str, ...] = DAYS, keep: bool = False, pg_user_name: str = "nobody",
              pg_bin: Path | None = None, worker_timeout_s: float = 600) -> dict[str, Any]:
    from netpipeline.replay.server import ReplayServer

    pg_bin = pg_bin or find_pg_bin()
    if pg_bin is None:
        raise ProofError("initdb/pg_ctl/postgres not found (PATH, /usr/lib/postgresql/*/bin); rerun with --install")
    user = pg_user(pg_user_name)
    started = time.monotonic()
    report: dict[str, Any] = {"pg_bin": str(pg_bin), "pg_user": user.name or pwd.getpwuid(os.getuid()).pw_name}
    with workspace(keep) as root:
        report["tmp"] = str(root)
        with running_cluster(root, pg_bin, user) as cluster:
            report.update(port=cluster.port, server_version=cluster.server_version(),
                          initdb_s=round(cluster.init_s, 2), pg_start_s=round(cluster.start_s, 2))
            home = write_dagster_home(root / "dagster_home", cluster)
            report["dagster_yaml"] = (home / "dagster.yaml").read_text()
            report["studies_per_day"] = write_snapshot(root / "replay", studies, days)
            with ReplayServer(root / "replay") as server:
                t0 = time.monotonic()
                child = run_days_in_child(home, days, server.url_template, root / "warehouse" / "netpipeline.duckdb",
                                          cluster.password, root / "worker.log", worker_timeout_s)
                report["worker_s"] = round(time.monotonic() - t0, 2)
            report["dagster"] = child
            report["postgres"] = query_postgres(cluster, [run["run_id"] for run in child["runs"]])
            report["sqlite_files"] = sqlite_files(home)
            if keep:  # what it takes to look at the kept instance again (psql, dagster CLI, webserver)
                password_file = root / "pg_password"
                password_file.write_text(cluster.password + "\n")
                password_file.chmod(0o600)
                report["restart"] = shlex.join(user.wrap([str(pg_bin / "pg_ctl"), "-D", str(cluster.data_dir),
                                                          "-l", str(cluster.log_file), "-o", cluster.pg_ctl_options(), "start"]))
                report["inspect"] = (f"export DAGSTER_HOME={home} {PASSWORD_ENV}=$(cat {password_file}) "
                                     f"PGPASSWORD=$(cat {password_file}); psql -h {cluster.host} -p {cluster.port} "
                                     f"-U {DB_USER} {DB_NAME}")
    report["total_s"] = round(time.monotonic() - started, 2)
    report["storage_ok"] = storage_ok(report)
    report["runs_ok"] = runs_ok(report)
    report["ok"] = report["storage_ok"] and report["runs_ok"]
    return report


def _raise_interrupt(signum, frame):  # SIGTERM -> the same cleanup as Ctrl-C
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--studies", type=int, default=40, help="studies in the generated snapshot (default 40)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (cluster, DAGSTER_HOME, warehouse, logs)")
    parser.add_argument("--install", action="store_true", help="apt-get install postgresql when initdb is missing")
    parser.add_argument("--pg-user", default="nobody", help="as root: the user PostgreSQL runs as (created if missing)")
    parser.add_argument("--json", type=Path, help="also write the report as JSON here")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--dagster-home", help=argparse.SUPPRESS)
    parser.add_argument("--days", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.dagster_home, args.days)

    signal.signal(signal.SIGTERM, _raise_interrupt)
    pg_bin = find_pg_bin()
    try:
        if pg_bin is None:
            if not args.install:
                print("initdb/pg_ctl/postgres not found on PATH or in /usr/lib/postgresql/*/bin.\n"
                      "Install PostgreSQL (Debian: apt-get install -y postgresql) or rerun with --install.", file=sys.stderr)
                return 2
            pg_bin = install_postgres()
        report = run_proof(args.studies, DAYS, args.keep, args.pg_user, pg_bin)
    except KeyboardInterrupt:
        print("\ninterrupted; the replay server and PostgreSQL were stopped and the temp dir removed"
              + (" (kept: --keep)" if args.keep else ""), file=sys.stderr)
        return 130
    except (ProofError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    print(format_report(report))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, default=str))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
