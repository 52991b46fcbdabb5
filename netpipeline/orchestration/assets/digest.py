"""digest/emails: per-subscriber digests of the day's change-log, each sent exactly once."""
from datetime import date

import dagster as dg

from netpipeline.digest.day import DigestGateError, DigestSendError, send_day
from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import DigestMailResource, WarehouseResource

DIGEST_EMAILS = dg.AssetKey(["digest", "emails"])
__all__ = ["DIGEST_EMAILS", "DigestGateError", "DigestSendError", "digest_emails"]


@dg.asset(
    key=DIGEST_EMAILS,
    deps=[CHANGE_EVENTS],
    partitions_def=daily_partitions,
    group_name="digest",
    kinds={"email", "duckdb"},
    description="Renders each subscriber's digest (text + HTML) from the day's events and sends it once; "
                "the delivery ledger is digest.deliveries.",
)
def digest_emails(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                  mail: DigestMailResource) -> dg.MaterializeResult:
    report = send_day(date.fromisoformat(context.partition_key), warehouse.database, mail.config(),
                      lock_wait_s=warehouse.lock_wait_s, log=context.log.warning)
    deliveries, preview = report.deliveries, report.preview
    context.log.info(f"{deliveries.summary()}; warehouse held {report.warehouse_held_s:.2f} s "
                     f"over {report.warehouse_opens} connections")
    for subscriber, error in deliveries.failed:
        context.log.error(f"digest for {subscriber} not sent: {error}")
    if deliveries.failed:
        raise DigestSendError(report.failure_message())
    return dg.MaterializeResult(metadata={
        "subscribers": report.subscribers,
        "events": report.events,
        "trials_loaded": report.trials_loaded,
        "sent": len(deliveries.sent),
        "skipped_already_sent": len(deliveries.skipped_already_sent),
        "skipped_empty": len(deliveries.skipped_empty),
        "unsubscribed": len(deliveries.suppressed),
        "weekly_not_due": len(deliveries.not_due),
        "transport": report.transport,
        "warehouse_held_s": round(report.warehouse_held_s, 3),
        "preview_subject": preview.subject if preview else "no digest to send",
        "preview": dg.MetadataValue.md(f"```\n{preview.text[:3000]}\n```") if preview else "",
    })
