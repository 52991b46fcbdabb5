"""Delivery ledger: what was sent to whom for which day, in the warehouse (schema `digest`).

One row per (snapshot_date, subscriber_id), replaced on every new outcome. Only a 'sent' row is
final: a rerun of the day skips subscribers with 'sent' and tries everybody else again
('failed' and 'skipped_empty' rows are re-evaluated, e.g. after a fix or late events).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb
import pyarrow as pa

from netpipeline.warehouse import ensure_schema, transaction

STATUSES = ("sent", "failed", "skipped_empty")

DDL = """
CREATE SCHEMA IF NOT EXISTS digest;
CREATE TABLE IF NOT EXISTS digest.deliveries (
    snapshot_date DATE NOT NULL,
    subscriber_id VARCHAR NOT NULL,
    email VARCHAR NOT NULL,
    message_id VARCHAR,
    status VARCHAR NOT NULL CHECK (status IN ('sent', 'failed', 'skipped_empty')),
    attempts INTEGER NOT NULL,
    error VARCHAR,
    sent_at TIMESTAMP,          -- UTC; set only for 'sent', when the server accepted the message
    subject VARCHAR,
    events INTEGER,
    PRIMARY KEY (snapshot_date, subscriber_id)
);
"""


@dataclass(frozen=True)
class Delivery:
    snapshot_date: date
    subscriber_id: str
    email: str
    message_id: str | None
    status: str
    attempts: int
    error: str | None
    sent_at: datetime | None
    subject: str | None
    events: int | None


class LedgerError(RuntimeError):
    pass


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, DDL)


def deliveries(con: duckdb.DuckDBPyConnection, day: date) -> dict[str, Delivery]:
    """All ledger rows of a day, by subscriber id."""
    rows = con.execute(
        "SELECT snapshot_date, subscriber_id, email, message_id, status, attempts, error, sent_at, subject, events "
        "FROM digest.deliveries WHERE snapshot_date = ? ORDER BY subscriber_id", [day]).fetchall()
    return {r[1]: Delivery(*r) for r in rows}


def already_sent(con: duckdb.DuckDBPyConnection, day: date) -> set[str]:
    """Subscriber ids whose digest for `day` the server has accepted."""
    rows = con.execute("SELECT subscriber_id FROM digest.deliveries WHERE snapshot_date = ? AND status = 'sent'",
                       [day]).fetchall()
    return {r[0] for r in rows}


def record(con: duckdb.DuckDBPyConnection, *, day: date, subscriber_id: str, email: str, status: str,
           attempts: int, message_id: str | None = None, error: str | None = None,
           subject: str | None = None, events: int | None = None, sent_at: datetime | None = None) -> None:
    """Replace the (day, subscriber) row with this outcome, atomically (see `record_many`)."""
    record_many(con, [Outcome(day, subscriber_id, email, message_id, status, attempts, error, subject, events, sent_at)])


@dataclass(frozen=True)
class Outcome:
    """One delivery outcome, as the ledger stores it (the journal holds these until then)."""
    day: date
    subscriber_id: str
    email: str
    message_id: str | None
    status: str
    attempts: int
    error: str | None = None
    subject: str | None = None
    events: int | None = None
    sent_at: datetime | None = None


def record_many(con: duckdb.DuckDBPyConnection, outcomes: list[Outcome]) -> None:
    """Replace the (day, subscriber) rows of `outcomes` in one transaction.

    Record status='sent' only after the server accepted the message. A 'sent' row is never
    downgraded: that would make a later rerun send the digest a second time.
    """
    if not outcomes:
        return
    latest = {(o.day, o.subscriber_id): o for o in outcomes}  # a later outcome of the same delivery wins
    rows = []
    for o in latest.values():
        if o.status not in STATUSES:
            raise ValueError(f"ledger status must be one of {STATUSES}, got {o.status!r}")
        sent_at = (o.sent_at or datetime.now(timezone.utc).replace(tzinfo=None)) if o.status == "sent" else None
        rows.append((o.day, o.subscriber_id, o.email, o.message_id, o.status, o.attempts, o.error, sent_at,
                     o.subject, o.events))
    batch = pa.table(list(zip(*rows)), schema=_BATCH_SCHEMA)
    with transaction(con):
        con.register("ledger_batch", batch)
        try:
            clash = con.execute(
                "SELECT d.snapshot_date, d.subscriber_id, b.status FROM digest.deliveries d JOIN ledger_batch b "
                "USING (snapshot_date, subscriber_id) WHERE d.status = 'sent' AND b.status <> 'sent' LIMIT 1").fetchall()
            if clash:
                clash = clash[0]
                raise LedgerError(f"digest of {clash[0]} for {clash[1]} is already recorded as sent; "
                                  f"refusing to overwrite it with {clash[2]!r}")
            con.execute("DELETE FROM digest.deliveries d USING ledger_batch b "
                        "WHERE d.snapshot_date = b.snapshot_date AND d.subscriber_id = b.subscriber_id")
            con.execute("INSERT INTO digest.deliveries (snapshot_date, subscriber_id, email, message_id, status, attempts, "
                        "error, sent_at, subject, events) SELECT * FROM ledger_batch")
        finally:
            con.unregister("ledger_batch")


_BATCH_SCHEMA = pa.schema([
    ("snapshot_date", pa.date32()), ("subscriber_id", pa.string()), ("email", pa.string()),
    ("message_id", pa.string()), ("status", pa.string()), ("attempts", pa.int32()), ("error", pa.string()),
    ("sent_at", pa.timestamp("us")), ("subject", pa.string()), ("events", pa.int32()),
])
