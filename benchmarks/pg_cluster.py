"""A throwaway PostgreSQL cluster for the scale-out proof (postgres_instance.py, docs/scale-out.md).

Where the server binaries are (or apt-get them), the unprivileged user it runs as (PostgreSQL
refuses root), and the cluster itself: initdb, pg_ctl start on a free port on 127.0.0.1 with
password auth over TCP, the database, and a stop that does not give up.
"""
from __future__ import annotations

import glob
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
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

DB_NAME = "dagster"
DB_USER = "netpipeline"
PG_TOOLS = ("initdb", "pg_ctl", "postgres")


class ProofError(RuntimeError):
    """The proof could not be carried out; the message says what and why."""


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
