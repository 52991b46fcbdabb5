"""Per-subscriber e-mail digests of the day's NET trial changes.

Plain code, no Dagster: the `digest/emails` asset loads subscriptions, builds the digests from
the change events and trial facts, and sends them through a mailer with the delivery ledger.

    subs = load_subscriptions()
    digests = build_digests(subs, day, data_date, base_date, events, trials, include_empty=True)
    report = send_digests(con, day, digests, mailer_from_settings(), mail_from_setting())
    if report.failed: raise ...
"""
from netpipeline.digest.ledger import already_sent, deliveries, ensure_ledger
from netpipeline.digest.mailer import (
    MailError, OutboxMailer, PermanentMailError, SmtpMailer, TemporaryMailError, build_message,
    mail_from_setting, mailer_from_settings,
)
from netpipeline.digest.render import RenderedDigest, render_digest
from netpipeline.digest.rules import followed_trials, select_events
from netpipeline.digest.send import DeliveryReport, build_digests, send_digests
from netpipeline.digest.subscriptions import Subscriber, SubscriptionsError, load_subscriptions

__all__ = [
    "DeliveryReport", "MailError", "OutboxMailer", "PermanentMailError", "RenderedDigest", "SmtpMailer",
    "Subscriber", "SubscriptionsError", "TemporaryMailError", "already_sent", "build_digests", "build_message",
    "deliveries", "ensure_ledger", "followed_trials", "load_subscriptions", "mail_from_setting",
    "mailer_from_settings", "render_digest", "select_events", "send_digests",
]
