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
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

PROJECT_ROOT = Path(__file__).resolve().parents[1]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))

DAYS = ("2026-11-18", "2026-11-19")
DB_NAME = "dagster"
DB_USER = "netpipeline"
PASSWORD_ENV = "NETPIPELINE_PG_PASSWORD"
POOL = "ctgov_api"
PG_TOOLS = ("initdb", "pg_ctl", "postgres")
RESULT_MARKER = "NETPIPELINE_PG_PROOF_RESULT "
PROOF_TAG = "netpipeline/proof"


class ProofError(RuntimeError):
    """The proof could not be carried out; the message says what and why."""


# --- PostgreSQL binaries ------------------------------------------------------------------------

def find_pg_bin() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: PATH first, then Debian's
    /usr/lib/postgresql/<major>/bin (the `postgresql` package does not put initdb on PATH)."""
    found = [shutil.which(tool) for tool in PG_TOOLS]
    if all(found):
        return Path(os.path.realpath(found[0])).parent  # type: ignore[arg-type]
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                        key=lambda p: [int(x) for x in re.findall(r"\d+", p)], reverse=True)
    for candidate in candidates:
        if all((Path(candidate) / tool).is_file() for tool in PG_TOOLS):
            return Path(candidate)
    return None


def install_postgres() -> Path:
    """apt-get install postgresql (root, or non-root with password-less sudo)."""
    prefix: list[str] = []
    if os.geteuid() != 0:
        if not shutil.which("sudo"):
            raise ProofError("--install needs root (or sudo) to run apt-get; install `postgresql` yourself")
        prefix = ["sudo", "-n"]
    if not shutil.which("apt-get"):
        raise ProofError("--install only knows apt-get (Debian/Ubuntu); install PostgreSQL >= 13 yourself")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    for cmd in (["apt-get", "update"], ["apt-get", "install", "-y", "--no-install-recommends", "postgresql"]):
        print("$", shlex.join(prefix + cmd), flush=True)
        subprocess.run(prefix + cmd, check=True, env=env)
    pg_bin = find_pg_bin()
    if pg_bin is None:
        raise ProofError("apt-get installed postgresql but initdb/pg_ctl/postgres are still not found")
    return pg_bin


# --- the unprivileged user PostgreSQL runs as ------------------------------------------------------

@dataclass(frozen=True)
class PgUser:
    """Who runs initdb/pg_ctl: None means the current (non-root) user, as is."""

    name: str | None
    uid: int
    gid: int

    def wrap(self, cmd: list[str]) -> list[str]:
        if self.name is None:
            return cmd
        if shutil.which("runuser"):
            return ["runuser", "-u", self.name, "--", *cmd]
        # su needs a shell; nobody's login shell is nologin, so name one.
        return ["su", "-s", "/bin/sh", self.name, "-c", shlex.join(cmd)]

    def own(self, path: Path) -> None:
        if self.name is not None:
            os.chown(path, self.uid, self.gid)


def pg_user(name: str = "nobody") -> PgUser:
    """As root: `name` (created with useradd when missing). Otherwise: the current user."""
    if os.geteuid() != 0:
        return PgUser(None, os.getuid(), os.getgid())
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        nologin = shutil.which("nologin") or "/usr/sbin/nologin"
        print(f"creating system user {name!r} for PostgreSQL (it refuses to run as root)", flush=True)
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", nologin, name], check=True)
        entry = pwd.getpwnam(name)
    if entry.pw_uid == 0:
        raise ProofError(f"--pg-user {name!r} is root; PostgreSQL refuses to run as root")
    return PgUser(name, entry.pw_uid, entry.pw_gid)


# --- a throwaway cluster ------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresCluster:
    """initdb + pg_ctl start in `root` (a dir the PostgreSQL user can traverse); stop() is idempotent."""

    root: Path
    pg_bin: Path
    user: PgUser
    host: str = "127.0.0.1"
    port: int = 0
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    started: bool = False
    init_s: float = 0.0
    start_s: float = 0.0

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "sock"

    @property
    def log_file(self) -> Path:
        return self.root / "postgres.log"

    def _run(self, cmd: list[str], timeout: float = 120) -> subprocess.CompletedProcess:
        # cwd: the unprivileged user may not be able to read the caller's working directory.
        proc = subprocess.run(self.user.wrap(cmd), cwd=self.root, capture_output=True, text=True, timeout=timeout)
        if proc.returncode != 0:
            raise ProofError(f"{shlex.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}{proc.stderr}{self.log_tail()}")
        return proc

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_file.read_text(errors="replace").splitlines()[-lines:]
        except OSError:
            return ""
        return "\n--- postgres.log (tail) ---\n" + "\n".join(text)

    def pg_ctl_options(self) -> str:
        return f"-p {self.port} -k {self.socket_dir} -c listen_addresses={self.host}"

    def start(self) -> "PostgresCluster":
        self.root.mkdir(parents=True, exist_ok=True)
        self.user.own(self.root)
        self.socket_dir.mkdir(exist_ok=True)
        self.user.own(self.socket_dir)
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n")
        pwfile.chmod(0o600)
        self.user.own(pwfile)
        t0 = time.monotonic()
        try:
            # Local socket: trust (only this user can reach the 0700 socket dir); TCP: password.
            self._run([str(self.pg_bin / "initdb"), "-D", str(self.data_dir), "-U", DB_USER, "-E", "UTF8",
                       "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                       f"--pwfile={pwfile}", "--no-sync"])
        finally:
            pwfile.unlink(missing_ok=True)
        self.init_s = time.monotonic() - t0
        t0 = time.monotonic()
        for attempt in range(3):  # a free port can be taken between free_port() and bind
            self.port = free_port()
            try:
                self._run([str(self.pg_bin / "pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                           "-w", "-t", "60", "-o", self.pg_ctl_options(), "start"])
            except ProofError:
                if attempt == 2 or "could not bind" not in self.log_tail(50).lower():
                    self.started = (self.data_dir / "postmaster.pid").exists()
                    raise
                continue
            break
        self.started = True
        self.start_s = time.monotonic() - t0
        return self

    def stop(self) -> None:
        if not self.started and not (self.data_dir / "postmaster.pid").exists():
            return
        try:
            self._run([str(self.pg_bin / "pg_ctl"), "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "30", "stop"], timeout=60)
        except (ProofError, subprocess.TimeoutExpired) as exc:
            pid = self._postmaster_pid()
            if pid is not None:  # the postmaster we started, by the PID it wrote
                print(f"pg_ctl stop failed ({exc}); sending SIGQUIT to postmaster {pid}", file=sys.stderr)
                try:
                    os.kill(pid, signal.SIGQUIT)
                except ProcessLookupError:
                    pass
        self.started = False

    def _postmaster_pid(self) -> int | None:
        try:
            return int((self.data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None

    def connect(self, dbname: str = DB_NAME):
        import psycopg2

        return psycopg2.connect(host=self.host, port=self.port, user=DB_USER, password=self.password,
                                dbname=dbname, connect_timeout=10)

    def create_database(self, name: str = DB_NAME) -> None:
        con = self.connect("postgres")
        try:
            con.autocommit = True
            with con.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            con.close()

    def server_version(self) -> str:
        con = self.connect()
        try:
            with con.cursor() as cur:
                cur.execute("SELECT current_setting('server_version')")
                return cur.fetchone()[0]
        finally:
            con.close()


# --- DAGSTER_HOME ---------------------------------------------------------------------------------

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


# --- replay snapshot ---------------------------------------------------------------------------------

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


# --- the Dagster runs, in a child process -----------------------------------------------------------

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
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--dagster-home", str(dagster_home), "--days", *days]
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


# --- what PostgreSQL holds ------------------------------------------------------------------------------

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


# --- the whole proof --------------------------------------------------------------------------------

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


@contextmanager
def running_cluster(root: Path, pg_bin: Path, user: PgUser) -> Iterator[PostgresCluster]:
    cluster = PostgresCluster(root=root / "pg", pg_bin=pg_bin, user=user)
    try:
        cluster.start()
        cluster.create_database()
        yield cluster
    finally:
        with _no_interrupts():
            cluster.stop()


@contextmanager
def _no_interrupts() -> Iterator[None]:
    """Cleanup must not be cut short by a second Ctrl-C."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


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


def storage_ok(report: dict[str, Any]) -> bool:
    """PostgreSQL holds every run with the outcome Dagster reported, and exactly the
    materialisations the runs produced; nothing went to SQLite."""
    child, pg = report["dagster"], report["postgres"]
    pg_runs = {r["run_id"]: r for r in pg["runs"]}
    from_dagster = sorted((asset, run["day"]) for run in child["runs"] for asset in run["materialised"])
    from_postgres = sorted((m["asset"], m["partition"]) for m in pg["materialisations"] for _ in range(m["count"]))
    return (
        set(pg_runs) == {run["run_id"] for run in child["runs"]}
        and all(pg_runs[run["run_id"]]["status"] == ("SUCCESS" if run["success"] else "FAILURE") for run in child["runs"])
        and all(pg_runs[run["run_id"]]["partition"] == run["day"] for run in child["runs"])
        and from_dagster == from_postgres
        and not report["sqlite_files"]
    )


def runs_ok(report: dict[str, Any]) -> bool:
    runs = report["dagster"]["runs"]
    return bool(runs) and all(run["success"] and "raw/ctgov_studies" in run["materialised"] for run in runs)


def format_report(report: dict[str, Any]) -> str:
    child, pg = report["dagster"], report["postgres"]
    days = [run["day"] for run in child["runs"]]
    out = [
        f"PostgreSQL {report['server_version']} at 127.0.0.1:{report['port']} (binaries {report['pg_bin']}, "
        f"running as {report['pg_user']}; initdb {report['initdb_s']} s, start {report['pg_start_s']} s)",
        f"Dagster instance: run storage {child['run_storage']}, event log {child['event_log_storage']}; "
        f"{pg['tables']} tables in database {DB_NAME!r}; SQLite files in DAGSTER_HOME: {report['sqlite_files'] or 'none'}",
        f"replay snapshot: {', '.join(f'{d} {n} studies' for d, n in report['studies_per_day'].items())}",
        "",
        f"runs of {child['job']} (execute_in_process in a child process, {report['worker_s']} s incl. imports):",
    ]
    pg_runs = {r["run_id"]: r for r in pg["runs"]}
    for run in child["runs"]:
        row = pg_runs.get(run["run_id"], {})
        out.append(f"  {run['day']}  run {run['run_id'][:8]}  success={run['success']}  {run['seconds']:>6.2f} s  "
                   f"postgres runs.status={row.get('status', 'MISSING')} partition={row.get('partition')}")
        for failure in run.get("failures", []):
            out.append(f"      step failed: {failure}")
    out.append(f"event_logs rows for these runs: {pg['events']}; asset check evaluations: {pg['check_evaluations']}")
    out.append("asset materialisations in event_logs (asset: partitions):")
    by_asset: dict[str, list[str]] = {}
    for m in pg["materialisations"]:
        by_asset.setdefault(m["asset"], []).append(f"{m['partition']}" + (f" x{m['count']}" if m["count"] != 1 else ""))
    for asset, parts in by_asset.items():
        out.append(f"  {asset}: {', '.join(parts)}")
    missing = [d for d in days if ("raw/ctgov_studies", d) not in {(m["asset"], m["partition"]) for m in pg["materialisations"]}]
    if missing:
        out.append(f"  MISSING raw/ctgov_studies for {missing}")
    pooled = {node: pool for node, pool in child["pools"].items() if pool}
    out.append(f"pools in concurrency_limits: {pg['pools']}; steps of {child['job']} declaring a pool: {pooled or 'none'}")
    out.append(f"total {report['total_s']} s; temp dir {report['tmp']} " + ("kept" if "restart" in report else "removed"))
    if "restart" in report:
        out.append(f"  PostgreSQL is stopped; restart it with: {report['restart']}")
        out.append(f"  then: {report['inspect']}")
    if report["ok"]:
        out.append("RESULT: OK - every run succeeded; runs and materialisations are recorded in PostgreSQL")
    elif report["storage_ok"]:
        out.append("RESULT: FAILED - PostgreSQL holds the runs and materialisations as Dagster reported them, "
                   "but a run of the pipeline failed (step failures above)")
    else:
        out.append("RESULT: FAILED - PostgreSQL does not hold what the runs reported")
    return "\n".join(out)


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
