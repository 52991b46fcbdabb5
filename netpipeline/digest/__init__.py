"""Per-subscriber e-mail digests of the day's NET trial changes.

Plain code, no Dagster. The entry point is `send_day` (what the `digest/emails` asset calls):

    report = send_day(day, warehouse_file, DigestConfig.from_settings())
    if report.deliveries.failed: raise DigestSendError(report.failure_message())

The pieces it joins (subscriptions, rules, rendering, mailers, the ledger) are importable on
their own for tests.
"""
from netpipeline.digest.config import DigestConfig
from netpipeline.digest.day import DayReport, DigestGateError, DigestSendError, send_day
from netpipeline.digest.ledger import already_sent, deliveries, ensure_ledger
from netpipeline.digest.mailer import (
    MailError, OutboxMailer, PermanentMailError, SmtpMailer, TemporaryMailError, build_message,
)
from netpipeline.digest.render import RenderedDigest, render_digest
from netpipeline.digest.rules import followed_trials, select_events
from netpipeline.digest.send import DeliveryReport, build_digests, send_digests
from netpipeline.digest.subscriber import Subscriber
from netpipeline.digest.subscription_errors import SubscriptionsError
from netpipeline.digest.subscriptions import load_subscriptions

__all__ = [
    "DayReport", "DeliveryReport", "DigestConfig", "DigestGateError", "DigestSendError", "MailError",
    "OutboxMailer", "PermanentMailError", "RenderedDigest", "SmtpMailer", "Subscriber", "SubscriptionsError",
    "TemporaryMailError", "already_sent", "build_digests", "build_message", "deliveries", "ensure_ledger",
    "followed_trials", "load_subscriptions", "render_digest", "select_events", "send_day", "send_digests",
]
