"""A day's digests, end to end: the one entry point the asset, the tests and the benchmark call.

    report = send_day(day, warehouse_file, config)

1. Read (one short warehouse connection): the day's gate, its base and data dates, the
   change-log, the facts of the trials a digest can show, who already has the day's digest;
   a delivery journal left by a crashed run is folded into the ledger first.
2. Render every subscriber's digest (no connection held).
3. Send, appending each outcome to the delivery journal and folding it into
   `digest.deliveries` in short batch transactions (`journal.py` says why), so the warehouse's
   single writer lock is free while mail travels.
A full disk under the ledger or the journal ends the day with one error saying what was sent
and where it is recorded (`storage_errors.digest_storage_error`).
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

import duckdb

from netpipeline.changes.changelog import read_events
from netpipeline.digest import ledger
from netpipeline.digest.cadence import events_once, week_start, weekly_due
from netpipeline.digest.config import DigestConfig
from netpipeline.digest.journal import DeliveryJournal
from netpipeline.digest.render import RenderedDigest
from netpipeline.digest.send import DeliveryReport, build_digests, deliver
from netpipeline.digest.subscriber import Subscriber
from netpipeline.digest.subscriptions import load_subscriptions
from netpipeline.digest.trial_facts import TrialsToLoad, load_trial_facts
from netpipeline.digest.unsubscribe import suppressed
from netpipeline.integrity import open_checked
from netpipeline.quality.results import gate
from netpipeline.storage_errors import digest_storage_error, is_storage_error
from netpipeline.warehouse import connect

# The journal already makes each accepted message durable, so folding it into the ledger only
# keeps digest.deliveries current for readers; each fold opens the warehouse (~0.1-0.2 s under
# load), so it is done rarely (10,000 subscribers: 2-4 folds).
FOLD_EVERY = 5000         # outcomes per ledger transaction ...
FOLD_AFTER_S = 60.0       # ... or at least this often while mail is going out


class DigestGateError(RuntimeError):
    """The day's blocking quality checks failed: no digest is rendered or sent for it."""


class DigestSendError(RuntimeError):
    """Some digests could not be sent; the others were, and the ledger says which."""


@dataclass
class DayInputs:
    """What the day's digests are made of, read in one short connection."""
    day: date
    base_date: date | None
    data_date: date | None
    events: list[dict]
    trials: dict[str, dict]
    already_sent: set[str]
    suppressed: set[str] = field(default_factory=set)   # lower-cased addresses that unsubscribed
    weekly_starts: dict[str, date] = field(default_factory=dict)  # weekly subscribers due today -> since
    week_events: list[dict] = field(default_factory=list)         # events of earlier days they need
    week_trials: dict[str, dict] = field(default_factory=dict)    # facts of trials gone since those days


@dataclass
class DayReport:
    day: date
    subscribers: int
    events: int
    trials_loaded: int
    transport: str
    deliveries: DeliveryReport
    preview: RenderedDigest | None
    warehouse_held_s: float = 0.0       # total time a warehouse connection was open
    warehouse_opens: int = 0
    digests: list[RenderedDigest] = field(default_factory=list, repr=False)

    def failure_message(self) -> str:
        who = "; ".join(f"{subscriber}: {error}" for subscriber, error in self.deliveries.failed)
        return (f"{self.day}: {len(self.deliveries.failed)} digest(s) failed ({who}); {self.deliveries.summary()}. "
                "They are recorded in digest.deliveries and will be retried on the next run.")


class WarehouseOpener:
    """Opens the warehouse for short blocks and adds up how long it was held. Each open waits for
    another process's lock like every pipeline step (`warehouse.connect`), then fails naming it; the
    first block for writing probes the file for damage first (netpipeline.integrity), before the
    ledger is written."""

    def __init__(self, path: str | Path, read_only: bool = False, lock_wait_s: float | None = None,
                 log: Callable[[str], None] | None = None):
        self.path, self.read_only, self.lock_wait_s, self.log = Path(path), read_only, lock_wait_s, log
        self.held_s, self.opens = 0.0, 0

    @contextmanager
    def __call__(self) -> Iterator[duckdb.DuckDBPyConnection]:
        started = time.perf_counter()

        def open_it() -> duckdb.DuckDBPyConnection:
            return connect(self.path, read_only=self.read_only, lock_wait_s=self.lock_wait_s, log=self.log)
        con = open_checked(self.path, open_it) if self.opens == 0 and not self.read_only else open_it()
        try:
            yield con
        finally:
            con.close()
            self.held_s += time.perf_counter() - started
            self.opens += 1


def read_inputs(con: duckdb.DuckDBPyConnection, day: date, subscribers: list[Subscriber]) -> DayInputs:
    """The gate, then everything the day's digests read. Writes nothing."""
    status = gate(con, day)
    if not status.passed:
        # The digest sensor never requests such a day; this refuses a manual run too (the day
        # may still hold a change-log computed before its checks failed, or its checks never ran).
        raise DigestGateError(f"{day}: quality gate {status.state}, no digest: {status.reason()}")
    row = con.execute("SELECT base_date FROM changes.days WHERE snapshot_date = ?", [day]).fetchone()
    if row is None:
        raise RuntimeError(f"{day}: no change-log; materialise changes/events for {day} first")
    base_date = row[0]
    pulled = con.execute("SELECT data_timestamp::DATE FROM raw.pulls WHERE snapshot_date = ?", [day]).fetchone()
    events = read_events(con, day)
    has_ledger = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'digest' "
                             "AND table_name = 'deliveries'").fetchone()[0]
    weekly_starts = _weekly_due(con, day, subscribers, has_ledger)
    week_events = []
    if weekly_starts:
        earlier = con.execute("SELECT snapshot_date FROM changes.days WHERE snapshot_date > ? AND snapshot_date < ? "
                              "ORDER BY snapshot_date", [min(weekly_starts.values()), day]).fetchall()
        for (other,) in earlier:
            if gate(con, other).passed:  # a day that did not pass its gate was never reported
                week_events += read_events(con, other)
    trials = load_trial_facts(con, day, base_date, TrialsToLoad.for_digests(subscribers, events + week_events))
    # A trial that left during the week may be in neither today's data nor its base day's:
    # its facts are those of the day its earlier event was compared against (weekly digests only).
    week_trials: dict[str, dict] = {}
    gone: dict[date, set[str]] = {}
    for ev in week_events:
        if ev["nct_id"] not in trials and ev.get("base_date"):
            gone.setdefault(ev["base_date"], set()).add(ev["nct_id"])
    for then, ids in sorted(gone.items(), reverse=True):
        missing = frozenset(ids - trials.keys() - week_trials.keys())
        week_trials |= {n: f | {"previous_overall_status": f["overall_status"]}
                   for n, f in load_trial_facts(con, then, None, TrialsToLoad(missing, "none")).items()}
    done = ledger.already_sent(con, day) if has_ledger else set()
    return DayInputs(day, base_date, pulled[0] if pulled else None, events, trials, done, suppressed(con),
                     weekly_starts, week_events, week_trials)


def _weekly_due(con: duckdb.DuckDBPyConnection, day: date, subscribers: list[Subscriber],
                has_ledger: bool) -> dict[str, date]:
    """Weekly subscribers whose digest is due on `day`, with the date their digest reports since."""
    weekly = [s for s in subscribers if s.weekly_on is not None]
    last: dict[str, date] = {}
    if weekly and has_ledger:
        last = dict(con.execute(
            "SELECT subscriber_id, max(snapshot_date) FROM digest.deliveries WHERE snapshot_date < ? "
            "AND status IN ('sent', 'skipped_empty') AND subscriber_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL",
            [day, [s.id for s in weekly]]).fetchall())
    return {s.id: week_start(day, last.get(s.id)) for s in weekly if weekly_due(s.weekly_on, day, last.get(s.id))}


def render_day(inputs: DayInputs, subscribers: list[Subscriber], unsubscribe) -> tuple[list[RenderedDigest], list[str]]:
    """Every due subscriber's digest (daily ones: the day's events; weekly ones: the week's),
    and the ids of weekly subscribers not due today."""
    day = inputs.day
    daily = [s for s in subscribers if s.weekly_on is None]
    digests = build_digests(daily, day, inputs.data_date, inputs.base_date, inputs.events, inputs.trials,
                            include_empty=True, unsubscribe=unsubscribe)
    not_due = []
    for sub in (s for s in subscribers if s.weekly_on is not None):
        since = inputs.weekly_starts.get(sub.id)
        if since is None:
            not_due.append(sub.id)
            continue
        week = events_once([e for e in inputs.week_events if e["snapshot_date"] > since] + inputs.events)
        digests += build_digests([sub], day, inputs.data_date, since, week, inputs.week_trials | inputs.trials,
                                 include_empty=True, unsubscribe=unsubscribe)
    return digests, not_due


class _JournalledLedger:
    """Outcomes to the journal at once, into the ledger in batches (see journal.py). Counts where
    the sent ones are, for the words of a storage error."""

    def __init__(self, journal: DeliveryJournal, open_warehouse: Callable, clock=time.monotonic):
        self.journal, self.open_warehouse, self.clock = journal, open_warehouse, clock
        self.pending: list[ledger.Outcome] = []
        self.last_fold = clock()
        self.sent_folded = 0
        self.unrecorded: ledger.Outcome | None = None   # accepted by the mail server, not in the journal

    def write(self, outcome: ledger.Outcome) -> None:
        try:
            self.journal.append(outcome)
        except OSError:
            self.unrecorded = outcome if outcome.status == "sent" else None
            raise
        self.pending.append(outcome)
        if len(self.pending) >= FOLD_EVERY or self.clock() - self.last_fold >= FOLD_AFTER_S:
            self.flush()

    def flush(self) -> None:
        if self.pending:
            with self.open_warehouse() as con:
                ledger.record_many(con, self.pending)
            self.journal.clear()
            self.sent_folded += self.sent_in_journal
            self.pending = []
        self.last_fold = self.clock()

    @property
    def sent_in_journal(self) -> int:
        return sum(o.status == "sent" for o in self.pending)


def send_day(day: date, warehouse_file: str | Path, config: DigestConfig, *,
             subscribers: list[Subscriber] | None = None, mailer=None, max_attempts: int = 3,
             backoff_s: float = 5.0, sleep: Callable[[float], None] = time.sleep,
             lock_wait_s: float | None = None, log: Callable[[str], None] | None = None) -> DayReport:
    """Render and send every subscriber's digest of `day` exactly once; see the module docstring.

    `subscribers` defaults to the config's subscriptions file and `mailer` to the config's
    transport. Failed deliveries are in the report (and the ledger); the caller decides whether
    they fail the run. While another process holds the warehouse, each open waits `lock_wait_s`
    (default NETPIPELINE_WAREHOUSE_LOCK_WAIT_S), then raises `WarehouseLockedError`.
    """
    subscribers = load_subscriptions(config.subscriptions_file) if subscribers is None else subscribers
    unsubscribe = config.unsubscribe()  # a URL without a signing key stops here, before anything is sent
    open_warehouse = WarehouseOpener(warehouse_file, lock_wait_s=lock_wait_s, log=log)
    journal = DeliveryJournal(Path(warehouse_file).parent / "digest-journal", day)
    sink: _JournalledLedger | None = None
    try:
        with journal:
            with open_warehouse() as con:
                ledger.ensure_ledger(con)
                ledger.record_many(con, journal.pending())  # a crashed run's accepted messages
                journal.clear()
                inputs = read_inputs(con, day, subscribers)
            # Whoever unsubscribed gets nothing, whatever the subscriptions file still says.
            receiving = [s for s in subscribers if s.email.lower() not in inputs.suppressed]
            digests, not_due = render_day(inputs, receiving, unsubscribe)
            sink = _JournalledLedger(journal, open_warehouse)
            report = deliver(day, digests, mailer or config.mailer(), config.mail_from, sink, inputs.already_sent,
                             max_attempts=max_attempts, backoff_s=backoff_s, sleep=sleep)
    except (OSError, duckdb.Error) as exc:   # a full disk under the ledger or the journal: said in words
        if not is_storage_error(exc):
            raise
        target = f"the delivery journal {journal.path}" if isinstance(exc, OSError) else f"the warehouse {warehouse_file}"
        unrecorded = sink.unrecorded if sink else None
        raise digest_storage_error(
            day, target, exc, sent_folded=sink.sent_folded if sink else 0,
            sent_in_journal=sink.sent_in_journal if sink else 0, journal=journal.path,
            unrecorded=(unrecorded.subscriber_id, unrecorded.message_id) if unrecorded else None) from exc
    report.suppressed = [s.id for s in subscribers if s.email.lower() in inputs.suppressed]
    report.not_due = not_due
    return DayReport(day=day, subscribers=len(subscribers), events=len(inputs.events),
                     trials_loaded=len(inputs.trials), transport=config.transport(), deliveries=report,
                     preview=next((d for d in digests if d.should_send), None),
                     warehouse_held_s=open_warehouse.held_s, warehouse_opens=open_warehouse.opens,
                     digests=digests)
