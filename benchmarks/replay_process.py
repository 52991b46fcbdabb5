"""The replay server (the stand-in for the remote API) in its own process, for the benchmarks."""
from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Replay:
    """`python -m netpipeline.replay` in its own process (the API is remote: its memory and CPU
    are not the pipeline's)."""

    def __init__(self, snapshots: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "netpipeline.replay", "--snapshots", str(snapshots), "--port", "0"],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
        self.base = self.proc.stdout.readline().split(": ", 1)[1].strip()
        self.url_template = self.proc.stdout.readline().split(": ", 1)[1].strip()

    def warm(self, day: str) -> float:
        """Index the day and run the pull's query once (its result rows are cached)."""
        import httpx

        from netpipeline.ingest.scope import Scope
        params = Scope("bench-everything", "bench-1", ()).query_params()  # what the pull sends (pipeline_child.SCOPE_YAML)
        started = time.perf_counter()
        response = httpx.get(self.url_template.replace("{date}", day) + "/studies",
                             params={**params, "pageSize": "1", "countTotal": "true"}, timeout=3600)
        response.raise_for_status()
        return time.perf_counter() - started

    def rss_mb(self) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
        except OSError:
            pass
        return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
