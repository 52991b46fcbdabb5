"""Sensors: a new data date on ClinicalTrials.gov starts the day's pipeline."""

import dagster as dg

from netpipeline.ingest.client import CtgovError
from netpipeline.orchestration.jobs import daily_job
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import CtgovApiResource


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
