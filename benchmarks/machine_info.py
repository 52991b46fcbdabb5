"""What a benchmark ran on: the machine, library versions, and the code as it was on disk."""
from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def machine() -> dict[str, Any]:
    import dagster
    import duckdb
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "dagster": dagster.__version__, "os": platform.platform()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
        info["ram_gb"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    try:
        info["os_release"] = next(line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                                  if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        pass
    info.update(code_version())
    for mod in ("polars", "pyarrow", "orjson", "great_expectations", "httpx"):
        try:
            info[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            pass
    return info


def code_version() -> dict[str, Any]:
    """HEAD, and a digest of each stage's code as it is on disk (others edit the tree meanwhile)."""
    import hashlib
    out: dict[str, Any] = {}
    try:
        out["git_head"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                                         text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "netpipeline"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True).stdout.splitlines()
        out["uncommitted_files_in_netpipeline"] = len(dirty)
    except (OSError, subprocess.CalledProcessError):
        pass
    for package in ("ingest", "normalise", "quality", "changes", "digest"):
        digest = hashlib.sha256()
        for path in sorted((PROJECT_ROOT / "netpipeline" / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        out[f"code_{package}"] = digest.hexdigest()[:10]
    return out
