"""digest/emails: per-subscriber digests of the day's change-log, each sent exactly once."""
from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from netpipeline.changes.changelog import read_events
from netpipeline.digest.send import build_digests, send_digests
from netpipeline.digest.subscriptions import load_subscriptions
from netpipeline.digest.trial_facts import TrialsToLoad, load_trial_facts
from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import DigestMailResource
from netpipeline.quality.results import blocking_failures

DIGEST_EMAILS = dg.AssetKey(["digest", "emails"])


class DigestSendError(RuntimeError):
    """Some digests could not be sent; the others were, and the ledger says which."""


class DigestGateError(RuntimeError):
    """The day's blocking quality checks failed: no digest is rendered or sent for it."""


@dg.asset(
    key=DIGEST_EMAILS,
    deps=[CHANGE_EVENTS],
    partitions_def=daily_partitions,
    group_name="digest",
    kinds={"email", "duckdb"},
    description="Renders each subscriber's digest (text + HTML) from the day's events and sends it once; "
                "the delivery ledger is digest.deliveries.",
)
def digest_emails(context: dg.AssetExecutionContext, warehouse: DuckDBResource, mail: DigestMailResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    subscribers = load_subscriptions(mail.subscriptions_file)
    with warehouse.get_connection() as con:
        failed = blocking_failures(con, day)
        if failed:
            # The digest sensor never requests such a day; this refuses a manual materialisation too
            # (the day may still hold a change-log computed before its checks failed).
            raise DigestGateError(f"{day}: blocking quality checks failed, no digest: {'; '.join(failed)}")
        row = con.execute("SELECT base_date FROM changes.days WHERE snapshot_date = ?", [day]).fetchone()
        if row is None:
            raise RuntimeError(f"{day}: no change-log; materialise changes/events for {day} first")
        base_date = row[0]
        data_date = con.execute("SELECT data_timestamp::DATE FROM raw.pulls WHERE snapshot_date = ?", [day]).fetchone()[0]
        events = read_events(con, day)
        trials = load_trial_facts(con, day, base_date, TrialsToLoad.for_digests(subscribers, events))
        digests = build_digests(subscribers, day, data_date, base_date, events, trials, include_empty=True)
        with mail.mailer() as mailer:
            report = send_digests(con, day, digests, mailer, mail.mail_from)
    context.log.info(report.summary())
    preview = next((d for d in digests if d.should_send), None)
    metadata = {
        "subscribers": len(subscribers),
        "events": len(events),
        "trials_loaded": len(trials),
        "sent": len(report.sent),
        "skipped_already_sent": len(report.skipped_already_sent),
        "skipped_empty": len(report.skipped_empty),
        "failed": len(report.failed),
        "failures": dg.MetadataValue.json([{"subscriber": s, "error": e} for s, e in report.failed]),
        "transport": mail.transport(),
        "preview_subject": preview.subject if preview else "no digest to send",
        "preview": dg.MetadataValue.md(f"```\n{preview.text[:3000]}\n```") if preview else "",
    }
    if report.failed:
        for subscriber, error in report.failed:
            context.log.error(f"digest for {subscriber} not sent: {error}")
        who = "; ".join(f"{subscriber}: {error}" for subscriber, error in report.failed)
        raise DigestSendError(f"{day}: {len(report.failed)} digest(s) failed ({who}); {report.summary()}. "
                              "They are recorded in digest.deliveries and will be retried on the next run.")
    return dg.MaterializeResult(metadata=metadata)
