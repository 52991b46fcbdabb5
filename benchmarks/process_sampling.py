"""Memory and CPU of the benchmark's own process, sampled from /proc (Linux).

A sampler thread reads VmHWM from /proc/self/status every 20 ms and resets it
(`echo 5 > /proc/self/clear_refs`), so each sample is the true peak of its interval and a
stage's peak is the largest sample overlapping it.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path


def status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    """Every `interval` s: (wall time, peak RSS kB since the previous sample, process CPU s)."""

    def __init__(self, interval: float = 0.02, abort_mb: float | None = None, on_abort=None):
        super().__init__(name="rss-sampler", daemon=True)
        self.interval = interval
        self.abort_mb, self.on_abort = abort_mb, on_abort
        self.samples: list[tuple[float, int, float]] = []
        self._halt = threading.Event()
        self.can_reset = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # reset VmHWM to the current RSS (Linux >= 4.0)
            return True
        except OSError:
            return False

    def sample(self) -> None:
        hwm = status_kb("VmHWM")
        self.samples.append((time.time(), hwm, time.process_time(), status_kb("VmRSS")))
        if self.can_reset:
            self._reset()
        if self.abort_mb and hwm / 1024 > self.abort_mb and self.on_abort:
            # A safety valve for a shared machine: better a reported failure than the OOM killer.
            self.on_abort(hwm / 1024)

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.sample()

    def window(self, start: float, end: float) -> dict[str, float]:
        """Peak RSS, RSS at start and end (MB) and CPU seconds of the process between two wall times."""
        peak, cpu_start, cpu_end, rss_start, rss_end, prev_t = 0, None, None, None, None, None
        for t, hwm, cpu, rss in self.samples:
            if prev_t is not None and t >= start and prev_t <= end:
                peak = max(peak, hwm)
            if t <= start:
                cpu_start, rss_start = cpu, rss
            if cpu_end is None and t >= end:
                cpu_end, rss_end = cpu, rss
            prev_t = t
        first, last = (self.samples[0], self.samples[-1]) if self.samples else ((0, 0, 0.0, 0),) * 2
        cpu_start = first[2] if cpu_start is None else cpu_start
        cpu_end = last[2] if cpu_end is None else cpu_end
        return {"peak_rss_mb": round(peak / 1024), "cpu_s": round(cpu_end - cpu_start, 2),
                "rss_start_mb": round((first[3] if rss_start is None else rss_start) / 1024),
                "rss_end_mb": round((last[3] if rss_end is None else rss_end) / 1024)}
