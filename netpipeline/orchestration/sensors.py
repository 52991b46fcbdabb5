"""Sensors: a new data date starts the day's pipeline; a gated change-log starts the digest."""

from datetime import date

import dagster as dg
import duckdb
from dagster_duckdb import DuckDBResource

from netpipeline.ingest.client import CtgovError
from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.jobs import daily_job, digest_job
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import CtgovApiResource
from netpipeline.quality.results import blocking_failures


@dg.sensor(job=daily_job, minimum_interval_seconds=900, description="Polls /version; requests the day's run when a new data date appears.")
def ctgov_version_sensor(context: dg.SensorEvaluationContext, ctgov: CtgovApiResource):
    try:
        with ctgov.client(ctgov.current_url()) as client:
            client.max_retries = 1  # a sensor tick is short; the next tick tries again
            version = client.version()
    except CtgovError as exc:
        return dg.SkipReason(f"ClinicalTrials.gov /version unavailable: {exc}")
    day = version.data_date.isoformat()
    if context.cursor == day:
        return dg.SkipReason(f"data date {day} already requested")
    if not daily_partitions.has_partition_key(day):
        return dg.SkipReason(f"data date {day} is outside the partitions ({daily_partitions.start:%Y-%m-%d} to today)")
    context.update_cursor(day)
    return dg.RunRequest(run_key=day, partition_key=day, tags={"netpipeline/trigger": "ctgov_version_sensor"})


@dg.sensor(
    job=digest_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the digest of each day whose change-log was materialised and whose blocking checks passed.",
)
def digest_sensor(context: dg.SensorEvaluationContext, warehouse: DuckDBResource):
    after = int(context.cursor) if context.cursor else None
    found = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=CHANGE_EVENTS, after_storage_id=after), limit=100, ascending=True)
    if not found.records:
        return dg.SkipReason("no new change-log materialisation")
    days = sorted({r.partition_key for r in found.records if r.partition_key})
    try:
        with warehouse.get_connection() as con:
            gate = {day: blocking_failures(con, date.fromisoformat(day)) for day in days}
    except duckdb.Error as exc:
        # A run holds DuckDB's single-writer lock: look again on the next tick, cursor unchanged.
        return dg.SkipReason(f"warehouse busy ({type(exc).__name__}); will retry")
    requests = [dg.RunRequest(run_key=f"digest-{day}", partition_key=day, tags={"netpipeline/trigger": "digest_sensor"})
                for day, failed in gate.items() if not failed]
    blocked = [f"{day}: blocking checks failed: {'; '.join(failed)}" for day, failed in gate.items() if failed]
    for reason in blocked:
        context.log.warning(f"digest not started for {reason}")
    cursor = str(found.records[-1].storage_id)
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=cursor)
    return dg.SensorResult(skip_reason="; ".join(blocked) or "nothing to send", cursor=cursor)
