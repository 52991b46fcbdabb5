"""A real small disk for storage-error tests: a tmpfs mounted on a folder, filled to the last byte."""
from __future__ import annotations

import errno
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import pytest


@contextmanager
def small_disk(folder: Path, size: str = "48m") -> Iterator[Path]:
    """`folder` on a tmpfs of `size` (the test is skipped where mounting is not permitted)."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip() or mounted.returncode})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the disk under `folder` to the last byte; the filler file is returned (delete = free)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def failed_steps(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [r.dagster_event.step_key for r in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)]


def storage_error_message(instance: dg.DagsterInstance, run_id: str) -> str:
    """The message of the WarehouseStorageError the run's first failed step raised (Dagster wraps it)."""
    error = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)[0].dagster_event.event_specific_data.error
    while error is not None and error.cls_name != "WarehouseStorageError":
        error = error.cause
    assert error is not None, "the step failed with something other than a WarehouseStorageError"
    return error.message.split(": ", 1)[1].strip()   # "netpipeline.storage_errors.WarehouseStorageError: ..."
