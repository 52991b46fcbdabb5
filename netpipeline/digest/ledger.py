"""Delivery ledger: what was sent to whom for which day, in the warehouse (schema `digest`).

One row per (snapshot_date, subscriber_id), replaced on every new outcome. Only a 'sent' row is
final: a rerun of the day skips subscribers with 'sent' and tries everybody else again
('failed' and 'skipped_empty' rows are re-evaluated, e.g. after a fix or late events).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import duckdb

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
    """Replace the (day, subscriber) row with this outcome, atomically.

    Call with status='sent' only after the server accepted the message. A 'sent' row is never
    downgraded: that would make a later rerun send the digest a second time.
    """
    if status not in STATUSES:
        raise ValueError(f"ledger status must be one of {STATUSES}, got {status!r}")
    if status == "sent" and sent_at is None:
        sent_at = datetime.now(timezone.utc).replace(tzinfo=None)
    with transaction(con):
        current = con.execute("SELECT status FROM digest.deliveries WHERE snapshot_date = ? AND subscriber_id = ?",
                              [day, subscriber_id]).fetchone()
        if current is not None and current[0] == "sent" and status != "sent":
            raise LedgerError(f"digest of {day} for {subscriber_id} is already recorded as sent; "
                              f"refusing to overwrite it with {status!r}")
        con.execute("DELETE FROM digest.deliveries WHERE snapshot_date = ? AND subscriber_id = ?", [day, subscriber_id])
        con.execute("INSERT INTO digest.deliveries (snapshot_date, subscriber_id, email, message_id, status, attempts, "
                    "error, sent_at, subject, events) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [day, subscriber_id, email, message_id, status, attempts, error,
                     sent_at if status == "sent" else None, subject, events])
