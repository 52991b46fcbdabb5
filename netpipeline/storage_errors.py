"""A full disk or another storage error during a day, reported once and in words.

DuckDB says "IO Error: Could not write file ...: No space left on device" (or, after a failed
commit, "database has been invalidated"): true, but it does not say which day, which step, what
is stored now, or what happens next. `storage_error` says all of it, reading back what the
warehouse holds for the day after the failed step's connection is closed. The steps that write
elsewhere say the same in their terms: the publication for readers (`publication_storage_error`:
what readers have now) and the digest's ledger and journal (`digest_storage_error`: what was sent
and where it is recorded). The words for every case are here, in one place.
"""
from __future__ import annotations

import errno
from dataclasses import dataclass
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


@dataclass(frozen=True)
class DayStored:
    """What the working warehouse holds for a day, read back after a storage error."""

    raw: bool
    normalised: bool
    checks: int
    change_log: bool
    sent: int                 # digests recorded as sent in digest.deliveries
    raw_checks: int = 0       # of `checks`, those of raw/ctgov_studies
    served_later: date | None = None   # a later data date the API served (stored, or named when a day was missed)

    def words(self) -> str:
        from netpipeline.quality.catalog import CHECKS   # here: only when a message is built
        yes = {True: "yes", False: "no"}
        said = (f"raw pull {yes[self.raw]}, normalised tables {yes[self.normalised]}, "
                f"{self.checks} of {len(CHECKS)} check results, change-log {yes[self.change_log]}")
        return said + (f", {self.sent} digest(s) recorded as sent" if self.sent else "")

    def consequence(self, day: date, step: str) -> str:
        """What it means for the day, and what to do."""
        from netpipeline.quality.catalog import CHECKS
        free = "free space (or fix the storage), then"
        if not self.raw and self.served_later:
            return (f"The day will not be mailed: its pull is not stored and {day} can no longer be pulled (the "
                    f"live API serves only its current data date, {self.served_later} or later by now). The /version "
                    "sensor records it as missed (raw.missed_days) and the next stored day's change-log compares "
                    "with the last stored day. Free space (or fix the storage) before the next day's run.")
        if self.checks < len(CHECKS):
            return f"The day is unchecked and will not be mailed until it is re-run: {free} {self._rerun(day)}"
        if not self.change_log:
            return f"The day has no change-log and will not be mailed until it is re-run: {free} {self._rerun(day)}"
        return f"The day's data, checks and change-log are stored: {free} materialise {step} for {day} again."

    def _rerun(self, day: date) -> str:
        """How to run the day again. The live API serves only its current data date and the raw
        step refuses any other (ingest.raw_store.check_data_date): a stored pull is not pulled
        again, an unstored one can be only while the API still serves the day."""
        from netpipeline.quality.catalog import CHECKS, checks_for
        if not self.raw:
            return (f"re-run {day} while the API still serves it (the /version sensor retries a failed pull by "
                    "itself; netpipeline-live-check prints the date served). Once the API serves a later date, "
                    f"{day} can no longer be pulled and is recorded as missed.")
        # the daily run's steps after the pull; the digest follows through digest_sensor
        steps = ("changes/events", "published/warehouse")
        if self.checks < len(CHECKS):
            steps = ("trials/trial_tables", *steps)
        raw_checks = len(checks_for("raw"))
        checks_first = "" if self.raw_checks >= raw_checks else (
            f"first execute the {raw_checks} checks of raw/ctgov_studies alone for {day} (Dagster UI: the "
            f"asset's checks, partition {day}; they read the stored pull), then ")
        return (f"{checks_first}materialise {', '.join(steps)} for {day}, not the raw pull: it is stored, and the "
                f"live API refuses a day other than its current data date (Dagster UI: select these assets, "
                f"partition {day}; or dagster asset materialize -m netpipeline.definitions --select "
                f"'{','.join(steps)}' --partition {day}).")


def read_day(con: duckdb.DuckDBPyConnection, day: date) -> DayStored:
    from netpipeline.quality.catalog import checks_for
    tables = {f"{s}.{t}" for s, t in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall()}

    def count(table: str, where: str = "", params: tuple = ()) -> int:
        sql = f"SELECT count(*) FROM {table} WHERE snapshot_date = ? {where}"
        return con.execute(sql, [day, *params]).fetchone()[0] if table in tables else 0
    later = [f"SELECT {column} FROM {table} WHERE {column} > $day" for table, column in
             (("raw.pulls", "snapshot_date"), ("raw.missed_days", "served_instead")) if table in tables]
    served_later = con.execute(f"SELECT min(d) FROM ({' UNION ALL '.join(later)}) AS t(d)",
                               {"day": day}).fetchone()[0] if later else None
    return DayStored(raw=count("raw.pulls") > 0, normalised=count("trials_versions.normalised_days") > 0,
                     checks=count("quality.check_results"), change_log=count("changes.days") > 0,
                     sent=count("digest.deliveries", "AND status = 'sent'"),
                     raw_checks=count("quality.check_results", "AND check_name IN (SELECT unnest(?))",
                                      ([c.name for c in checks_for("raw")],)),
                     served_later=served_later)


def _unreadable(exc: duckdb.Error) -> str:
    return f"could not be read back ({type(exc).__name__}: {str(exc).splitlines()[0]})"


def stored_for_day(path: str | Path, day: date) -> DayStored | str:
    """What the warehouse holds for `day` (read-only: the failed writer is closed), or why it
    could not be read back."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        return _unreadable(exc)
    try:
        return read_day(con, day)
    except duckdb.Error as exc:
        return _unreadable(exc)
    finally:
        con.close()


def _cause(exc: BaseException) -> str:
    """'the disk is full (<what the system said>)' or 'a storage error (...)'."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    full = (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        any(w in str(exc).lower() for w in _FULL_WORDS)
    return f"{'the disk is full' if full else 'a storage error'} ({text})"


def storage_error(path: str | Path, day: date | None, step: str, exc: BaseException) -> WarehouseStorageError:
    """The one error a step raises when storage failed under it."""
    if day is None:
        return WarehouseStorageError(f"{step}: writing the warehouse {path} failed: {_cause(exc)}. "
                                     "Free space or fix the storage, then run again.")
    stored = stored_for_day(path, day)
    if not isinstance(stored, DayStored):   # unreadable: assume the worst
        stored_words, consequence = stored, DayStored(False, False, 0, False, 0).consequence(day, step)
    else:
        stored_words, consequence = stored.words(), stored.consequence(day, step)
    return WarehouseStorageError(f"{day}: step {step} could not write the warehouse {path}: {_cause(exc)}. "
                                 f"Stored now for {day}: {stored_words}. {consequence}")


def publication_storage_error(con: duckdb.DuckDBPyConnection, day: date, target: str, folder: Path,
                              exc: BaseException, readers_have: str) -> WarehouseStorageError:
    """Writing the copy for readers failed (`target`: what could not be written, under `folder`):
    the working warehouse (`con`, still open) is not affected; `readers_have` says what readers
    see now."""
    try:
        stored = read_day(con, day).words()
    except duckdb.Error as err:
        stored = _unreadable(err)
    return WarehouseStorageError(
        f"{day}: step published/warehouse could not write {target}: {_cause(exc)}. The working warehouse is "
        f"not affected; it holds for {day}: {stored}. {readers_have} Free space under {folder} (or fix the "
        f"storage), then materialise published/warehouse for {day} again: it publishes the warehouse as it is.")


def digest_storage_error(day: date, target: str, exc: BaseException, *, sent_folded: int, sent_in_journal: int,
                         journal: Path, unrecorded: tuple[str, str | None] | None) -> WarehouseStorageError:
    """Recording the day's deliveries failed (`target`: the ledger or the delivery journal).
    `unrecorded`: (subscriber, Message-ID) of a digest the mail server accepted that could not be recorded."""
    sent = sent_folded + sent_in_journal + (1 if unrecorded else 0)
    if not sent:
        said = "This run sent no digest."
    else:
        said = (f"This run sent {sent} digest(s) before the error: {sent_folded} recorded in digest.deliveries, "
                f"{sent_in_journal} only in the delivery journal {journal} (the next run folds them into the ledger).")
    if unrecorded:
        said += (f" The digest to {unrecorded[0]} was accepted by the mail server but could not be recorded: the "
                 f"re-run sends it again, with the same Message-ID {unrecorded[1]}, by which mail systems can drop "
                 "the duplicate.")
    return WarehouseStorageError(
        f"{day}: step digest/emails could not write {target}: {_cause(exc)}. {said} The day's data, checks and "
        f"change-log are not affected. Free space (or fix the storage), then re-run digest/emails for {day}: "
        "a digest recorded as sent is not sent again.")
