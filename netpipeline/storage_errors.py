"""A full disk or another storage error during a day, reported once and in words.

DuckDB says "IO Error: Could not write file ...: No space left on device" (or, after a failed
commit, "database has been invalidated"): true, but it does not say which day, which step, what
is stored now, or what happens next. `storage_error` says all of it, reading back what the
warehouse holds for the day after the failed step's connection is closed.
"""
from __future__ import annotations

import errno
from datetime import date
from pathlib import Path

import duckdb

_STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS, errno.EFBIG}
_STORAGE_WORDS = ("no space left on device", "disk quota exceeded", "input/output error",
                  "read-only file system", "file too large", "could not write", "could not truncate",
                  "could not fsync", "database has been invalidated", "failed to commit")
_FULL_WORDS = ("no space left on device", "disk quota exceeded")


class WarehouseStorageError(RuntimeError):
    """Writing the warehouse failed for want of storage (disk full, quota, I/O error)."""


def is_storage_error(exc: BaseException) -> bool:
    if isinstance(exc, WarehouseStorageError):
        return True
    if isinstance(exc, OSError) and exc.errno in _STORAGE_ERRNOS:
        return True
    if isinstance(exc, (duckdb.Error, OSError)):
        text = str(exc).lower()
        return "conflicting lock" not in text and any(w in text for w in _STORAGE_WORDS)
    return False


def stored_for_day(path: str | Path, day: date) -> str:
    """What the warehouse holds for `day`, in words (read-only: the failed writer is closed)."""
    facts = (
        ("raw pull", "SELECT count(*) FROM raw.pulls WHERE snapshot_date = ?"),
        ("normalised tables", "SELECT count(*) FROM trials_versions.normalised_days WHERE snapshot_date = ?"),
        ("check results", "SELECT count(*) FROM quality.check_results WHERE snapshot_date = ?"),
        ("change-log", "SELECT count(*) FROM changes.days WHERE snapshot_date = ?"),
    )
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return f"could not be read back ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    try:
        tables = {f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}
        said = []
        for what, sql in facts:
            table = sql.split(" FROM ")[1].split()[0]
            n = con.execute(sql, [day]).fetchone()[0] if table in tables else 0
            if what == "check results":
                from netpipeline.quality.catalog import CHECKS   # here: only when a message is built
                said.append(f"{n} of {len(CHECKS)} check results")
            else:
                said.append(f"{what} {'yes' if n else 'no'}")
        return ", ".join(said)
    except duckdb.Error as exc:
        return f"could not be read back ({type(exc).__name__}: {str(exc).splitlines()[0]})"
    finally:
        con.close()


def storage_error(path: str | Path, day: date | None, step: str, exc: BaseException) -> WarehouseStorageError:
    """The one error a step raises when storage failed under it."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        any(w in str(exc).lower() for w in _FULL_WORDS)
    cause = "the disk is full" if full else "a storage error"
    if day is None:
        return WarehouseStorageError(f"{step}: writing the warehouse {path} failed: {cause} ({text}). "
                                     "Free space or fix the storage, then run again.")
    return WarehouseStorageError(
        f"{day}: step {step} could not write the warehouse {path}: {cause} ({text}). "
        f"Stored now for {day}: {stored_for_day(path, day)}. The day is unchecked and will not be "
        f"mailed until it is re-run: free space (or fix the storage), then re-run {day}.")
