"""Send the day's digests exactly once per (subscriber, day), with the ledger as the memory.

Order of operations per subscriber: skip if the ledger says 'sent'; send (retrying temporary
errors with exponential backoff); record 'sent' only after the server accepted the message, or
'failed' with the last error. A crash between the server's acceptance and that record is the
one window in which a rerun would send twice; the deterministic Message-ID lets mail systems
collapse such a duplicate. The record goes to a `LedgerSink`: the ledger itself on a held
connection (`send_digests`), or the delivery journal folded into the ledger in short batches
(`digest.day.send_day`, which holds no warehouse connection while mail travels). A failing subscriber never stops the others: the caller
fails the asset afterwards when `report.failed` is non-empty.
"""
from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Callable, Protocol

import duckdb

from netpipeline.digest import ledger, mass_entry
from netpipeline.digest.mailer import Mailer, MailError, PermanentMailError, build_message
from netpipeline.digest.render import RenderedDigest, render_digest
from netpipeline.digest.rules import select_events
from netpipeline.digest.subscriber import Subscriber
from netpipeline.digest.unsubscribe import Unsubscribe

log = logging.getLogger(__name__)


@dataclass
class DeliveryReport:
    sent: list[str] = field(default_factory=list)
    skipped_already_sent: list[str] = field(default_factory=list)
    skipped_empty: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)   # (subscriber_id, error)
    suppressed: list[str] = field(default_factory=list)            # unsubscribed: nothing sent, no ledger row
    not_due: list[str] = field(default_factory=list)               # weekly subscribers on another day: no row

    @property
    def ok(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        return (f"{len(self.sent)} sent, {len(self.skipped_already_sent)} already sent, "
                f"{len(self.skipped_empty)} skipped (no changes), {len(self.failed)} failed"
                + (f", {len(self.suppressed)} unsubscribed" if self.suppressed else ""))


def build_digests(subscribers: list[Subscriber], day: date, data_date: date | None, base_date: date | None,
                  events: list[dict], trials: dict[str, dict], include_empty: bool = False,
                  unsubscribe: Unsubscribe | None = None) -> list[RenderedDigest]:
    """Render every subscriber's digest for the day.

    Subscribers with no events and send_when_empty false are left out, so what comes back is
    exactly what should be mailed. With include_empty=True they are kept (their `should_send`
    is False) and send_digests records them as 'skipped_empty' in the ledger, which makes the
    ledger a complete account of the day for every subscriber.
    """
    out = []
    entry = mass_entry.detect(events, trials)   # many trials entering the scope: summarised
    for sub in subscribers:
        selected, entries = mass_entry.trim(sub, select_events(sub, events, trials), entry)
        if not selected and entries is None and not sub.send_when_empty and not include_empty:
            continue
        links = unsubscribe.links(sub.id, sub.email) if unsubscribe else None
        out.append(render_digest(sub, day, data_date, selected, trials, base_date, links, entries))
    return out


class LedgerSink(Protocol):
    """Where outcomes go: straight into the ledger, or through the journal (digest.day)."""
    def write(self, outcome: ledger.Outcome) -> None: ...
    def flush(self) -> None: ...


class DirectLedger:
    """One ledger transaction per outcome on a connection the caller holds (tests, small batches)."""

    def __init__(self, con: duckdb.DuckDBPyConnection):
        self.con = con

    def write(self, outcome: ledger.Outcome) -> None:
        ledger.record_many(self.con, [outcome])

    def flush(self) -> None:
        pass


def send_digests(con: duckdb.DuckDBPyConnection, day: date, digests: list[RenderedDigest], mailer: Mailer,
                 mail_from: str, max_attempts: int = 3, backoff_s: float = 5.0,
                 sleep: Callable[[float], None] = time.sleep) -> DeliveryReport:
    """Deliver `digests` for `day` recording each outcome on `con` (see `deliver`)."""
    ledger.ensure_ledger(con)
    return deliver(day, digests, mailer, mail_from, DirectLedger(con), ledger.already_sent(con, day),
                   max_attempts=max_attempts, backoff_s=backoff_s, sleep=sleep)


def deliver(day: date, digests: list[RenderedDigest], mailer: Mailer, mail_from: str, sink: LedgerSink,
            done: set[str], max_attempts: int = 3, backoff_s: float = 5.0,
            sleep: Callable[[float], None] = time.sleep) -> DeliveryReport:
    """Deliver `digests` for `day` except to the subscribers in `done`; see the module docstring.

    Temporary errors are retried up to `max_attempts` times in total, waiting
    backoff_s * 2**(attempt-1) between attempts. The mailer's connection is closed and the sink
    flushed at the end.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    ids = [d.subscriber_id for d in digests]
    if len(set(ids)) != len(ids):
        raise ValueError(f"several digests for the same subscriber: {sorted({i for i in ids if ids.count(i) > 1})}")
    wrong_day = [d.subscriber_id for d in digests if d.day != day]
    if wrong_day:
        raise ValueError(f"digests rendered for another day than {day}: {wrong_day}")

    report = DeliveryReport()
    try:
        for digest in digests:
            sid = digest.subscriber_id
            if sid in done:
                report.skipped_already_sent.append(sid)
                continue
            outcome = functools.partial(ledger.Outcome, day, sid, digest.email, digest.message_id,
                                        subject=digest.subject, events=digest.event_count)
            if not digest.should_send:
                sink.write(outcome("skipped_empty", 0))
                report.skipped_empty.append(sid)
                continue
            attempts, error = _deliver(digest, mailer, mail_from, max_attempts, backoff_s, sleep)
            if error is None:
                # Ledger errors propagate on purpose: a sent mail we cannot record must stop the run.
                sink.write(outcome("sent", attempts, sent_at=datetime.now(timezone.utc).replace(tzinfo=None)))
                report.sent.append(sid)
            else:
                sink.write(outcome("failed", attempts, error))
                report.failed.append((sid, error))
                log.warning("digest %s for %s failed after %d attempt(s): %s", day, sid, attempts, error)
        sink.flush()
    finally:
        mailer.close()
    log.info("digests for %s: %s", day, report.summary())
    return report


def _deliver(digest: RenderedDigest, mailer: Mailer, mail_from: str, max_attempts: int,
             backoff_s: float, sleep: Callable[[float], None]) -> tuple[int, str | None]:
    """(attempts used, None) on success, (attempts used, error text) on failure."""
    try:
        message = build_message(digest, mail_from)
    except Exception as exc:  # a bad address or header is this subscriber's problem only
        return 0, f"cannot build message: {type(exc).__name__}: {exc}"
    for attempt in range(1, max_attempts + 1):
        try:
            mailer.send(message, digest)
            return attempt, None
        except MailError as exc:
            error = f"{'temporary' if exc.temporary else 'permanent'}: {exc}"
            if isinstance(exc, PermanentMailError) or attempt == max_attempts:
                return attempt, error
            log.info("digest for %s: attempt %d failed (%s); retrying", digest.subscriber_id, attempt, exc)
            sleep(backoff_s * 2 ** (attempt - 1))
        except Exception as exc:  # a bug in a mailer must not cost the other subscribers their mail
            return attempt, f"permanent: {type(exc).__name__}: {exc}"
    raise AssertionError("unreachable")
