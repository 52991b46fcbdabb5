"""The delivery journal: each accepted message is on disk before the ledger sees it.

Committing one DuckDB transaction per delivery costs an fsync (~4 ms here), and opening the
warehouse ~50 ms, so a ledger written per delivery would hold the warehouse's single-writer
lock for most of a large fan-out. Instead the sender appends each outcome to this journal (an
fsync'd JSON line for every 'sent', outside the warehouse) and folds the journal into
`digest.deliveries` in short batch transactions. A crash between two folds loses nothing:
the next run of the day folds what the journal holds before it decides who still needs mail.
The window in which a rerun may send twice is, as before, only between the server's
acceptance and the journal write (and the deterministic Message-ID covers it).

The journal's lock file also keeps two processes from sending the same day at once (it is
released by the OS when a process dies, so a crashed run never blocks the next one).
"""
from __future__ import annotations

import fcntl
import json
import os
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path

from netpipeline.digest.ledger import Outcome


class DigestBusyError(RuntimeError):
    """Another process is sending this day's digests right now."""


class DeliveryJournal:
    def __init__(self, folder: str | Path, day: date):
        self.folder, self.day = Path(folder), day
        self.path = self.folder / f"{day.isoformat()}.jsonl"
        self._lock_fd: int | None = None
        self._fh = None

    def __enter__(self) -> DeliveryJournal:
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / f"{self.day.isoformat()}.lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise DigestBusyError(f"the digests of {self.day} are being sent by another process right now "
                                  f"(lock {self.folder}/{self.day}.lock); this run sends nothing") from None
        self._lock_fd = fd
        self._fh = open(self.path, "a", encoding="utf-8")
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._fh is not None:
                fh, self._fh = self._fh, None
                fh.close()   # may raise (a full disk under what is still buffered) ...
        finally:
            if self._lock_fd is not None:   # ... the lock is released all the same
                os.close(self._lock_fd)  # releases the flock
                self._lock_fd = None

    def pending(self) -> list[Outcome]:
        """Outcomes written but not yet folded into the ledger (a torn last line is ignored)."""
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                raw = json.loads(line)
            except json.JSONDecodeError:
                continue  # the process died inside this write: the message was never recorded as sent
            raw["day"] = date.fromisoformat(raw["day"])
            raw["sent_at"] = datetime.fromisoformat(raw["sent_at"]) if raw.get("sent_at") else None
            out.append(Outcome(**raw))
        return out

    def append(self, outcome: Outcome) -> None:
        """Write one outcome; a 'sent' one is fsync'd before this returns."""
        raw = asdict(outcome)
        raw["day"] = outcome.day.isoformat()
        raw["sent_at"] = outcome.sent_at.isoformat() if outcome.sent_at else None
        self._fh.write(json.dumps(raw) + "\n")
        if outcome.status == "sent":
            self._fh.flush()
            os.fsync(self._fh.fileno())

    def clear(self) -> None:
        """Everything so far is in the ledger."""
        self._fh.flush()
        self._fh.truncate(0)
        self._fh.seek(0)
        os.fsync(self._fh.fileno())
