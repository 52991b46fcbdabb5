"""A reader in another process (DuckDB shares one database instance within a process, so a held
connection has to live elsewhere to behave like a notebook or a BI tool).

    python -m netpipeline_tests.warehouse_holder <file>

Opens <file> read-only, prints `ready <pid>`, then for every `read` line on stdin prints one
JSON line of what it sees through that same connection; `quit` (or EOF) closes it. Tests drive
it through `Holder`.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

PROJECT_ROOT = Path(__file__).resolve().parents[1]

READS = {
    "days": "SELECT list(snapshot_date::VARCHAR ORDER BY snapshot_date) FROM raw.pulls",
    "change_log_days": "SELECT list(snapshot_date::VARCHAR ORDER BY snapshot_date) FROM changes.days",
    "digest_days": "SELECT list(DISTINCT snapshot_date::VARCHAR ORDER BY snapshot_date::VARCHAR) FROM digest.deliveries",
    "current_day": "SELECT max(snapshot_date)::VARCHAR FROM trials.current_studies",
    # Whole scans: every data block of the file the connection opened is still read correctly.
    "studies": "SELECT [count(*)::VARCHAR, sum(hash(s::VARCHAR))::VARCHAR] FROM trials.studies s",
    "events": "SELECT [count(*)::VARCHAR, sum(hash(e::VARCHAR))::VARCHAR] FROM changes.events e",
    "payload_bytes": "SELECT sum(length(payload))::VARCHAR FROM raw.study_payloads",
}


def main() -> None:
    con = duckdb.connect(sys.argv[1], read_only=True)
    print(f"ready {os.getpid()}", flush=True)
    for line in sys.stdin:
        if line.strip() != "read":
            break
        print(json.dumps({name: con.execute(sql).fetchone()[0] for name, sql in READS.items()}), flush=True)
    con.close()


class Holder:
    """A read-only connection held open in another process."""

    def __init__(self, path: Path):
        self.proc = subprocess.Popen([sys.executable, "-m", "netpipeline_tests.warehouse_holder", str(path)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT)
        ready = self.proc.stdout.readline().split()
        assert ready[:1] == ["ready"], f"holder did not open {path}"
        self.pid = int(ready[1])

    def read(self) -> dict:
        self.proc.stdin.write("read\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "the holder died while reading"
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def __enter__(self) -> "Holder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def fresh_read(path: Path) -> dict:
    holder = Holder(path)
    try:
        return holder.read()
    finally:
        holder.close()


if __name__ == "__main__":
    main()
