"""The digest sensor: a gated change-log starts the day's digest.

(The trigger of the daily pipeline, the /version sensor, is in day_trigger.py; the freshness
sensor in freshness.py.)
"""

from datetime import date

import dagster as dg
import duckdb

from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.assets.digest import DIGEST_EMAILS
from netpipeline.orchestration.jobs import digest_job
from netpipeline.orchestration.resources import WarehouseResource
from netpipeline.quality.results import gate
from netpipeline.warehouse import WarehouseLockedError


def _digest_is_newer(instance: dg.DagsterInstance, day: str, change_log_storage_id: int) -> bool:
    """The day's digest was materialised after its latest change-log: nothing left to send.

    This, not the cursor alone, keeps a sensor whose cursor starts empty (the daemon's first
    tick after the demo ran the sensor in process) from requesting digests already sent."""
    found = instance.fetch_materializations(dg.AssetRecordsFilter(
        asset_key=DIGEST_EMAILS, asset_partitions=[day], after_storage_id=change_log_storage_id), limit=1)
    return bool(found.records)


@dg.sensor(
    job=digest_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the digest of each day whose change-log was materialised and whose blocking checks all have passing results.",
)
def digest_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    after = int(context.cursor) if context.cursor else None
    found = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=CHANGE_EVENTS, after_storage_id=after), limit=100, ascending=True)
    if not found.records:
        return dg.SkipReason("no new change-log materialisation")
    latest = {r.partition_key: r.storage_id for r in found.records if r.partition_key}
    days = sorted(day for day, storage_id in latest.items() if not _digest_is_newer(context.instance, day, storage_id))
    sent = sorted(set(latest) - set(days))
    cursor = str(found.records[-1].storage_id)
    if not days:
        return dg.SensorResult(skip_reason=f"digests already sent for {', '.join(sent)}", cursor=cursor)
    try:
        with warehouse.get_connection(lock_wait_s=0) as con:  # a tick does not wait: the next one looks again
            statuses = {day: gate(con, date.fromisoformat(day)) for day in days}
    except (duckdb.Error, WarehouseLockedError) as exc:
        # A run holds DuckDB's single-writer lock: look again on the next tick, cursor unchanged.
        return dg.SkipReason(f"warehouse busy ({type(exc).__name__}); will retry")
    requests = [dg.RunRequest(run_key=f"digest-{day}", partition_key=day, tags={"netpipeline/trigger": "digest_sensor"})
                for day, status in statuses.items() if status.passed]
    blocked = [f"{day}: {status.reason()}" for day, status in statuses.items() if not status.passed]
    for reason in blocked:
        context.log.warning(f"digest not started for {reason}")
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=cursor)
    return dg.SensorResult(skip_reason="; ".join(blocked) or "nothing to send", cursor=cursor)
