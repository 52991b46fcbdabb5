"""Is the process that left something behind (a staging folder, a STARTED run) still there?

Used to clean up after processes killed mid-way (kill -9, OOM, a power cut): only what a dead
process owned is removed or marked failed. Same host only: PIDs name processes of this machine.
"""
from __future__ import annotations

import os
from pathlib import Path


def _started_at(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), from /proc; None where /proc cannot tell."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
    except (OSError, StopIteration, ValueError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()   # after "pid (comm) ": state is field 3
    if fields[0] in ("Z", "X"):                     # a zombie has exited: only its exit status is left
        return -1.0
    return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")


def process_alive(pid: int, seen_at: float | None = None) -> bool:
    """Whether `pid` still runs. With `seen_at` (epoch seconds at which the process was known to
    run), a process that started later is another one that reused the PID: the owner is dead."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass                                        # exists, owned by another user
    started = _started_at(pid)
    if started is not None and started < 0:
        return False
    if started is not None and seen_at is not None and started > seen_at + 1.0:
        return False
    return True
