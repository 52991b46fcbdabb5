"""The digest sensor: a gated change-log starts the day's digest, and a failed digest run is
retried.

A digest run can fail for reasons that pass: the warehouse held past
NETPIPELINE_WAREHOUSE_LOCK_WAIT_S (a long publication, a reader on the working file), the mail
server refusing for a while. The cursor has moved past that change-log by then, and the daemon
never starts a run_key twice, so without a retry the day's digest would never be sent. Each
request is tagged with the change-log it answers; while the latest run for a day failed and that
change-log is still the day's latest, the next tick requests it again (run_key
`digest-<day>-<change-log>-attempt<n>`), at most DIGEST_MAX_ATTEMPTS runs in all; the ledger
sends each subscriber's digest once however many runs there are.

(The trigger of the daily pipeline, the /version sensor, is in day_trigger.py; the freshness
sensor in freshness.py.)
"""

from datetime import date

import dagster as dg
import duckdb

from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.assets.digest import DIGEST_EMAILS
from netpipeline.orchestration.jobs import ATTEMPT_TAG, TRIGGER_TAG, digest_job
from netpipeline.orchestration.resources import WarehouseResource
from netpipeline.quality.results import gate
from netpipeline.warehouse import WarehouseLockedError

CHANGE_LOG_TAG = "netpipeline/change_log"   # the change-log (storage id) a digest run answers
DIGEST_MAX_ATTEMPTS = 3   # digest runs per change-log: the first and its retries
S = dg.DagsterRunStatus


def _digest_is_newer(instance: dg.DagsterInstance, day: str, change_log_storage_id: int) -> bool:
    """The day's digest was materialised after its latest change-log: nothing left to send.

    This, not the cursor alone, keeps a sensor whose cursor starts empty (the daemon's first
    tick after the demo ran the sensor in process) from requesting digests already sent."""
    found = instance.fetch_materializations(dg.AssetRecordsFilter(
        asset_key=DIGEST_EMAILS, asset_partitions=[day], after_storage_id=change_log_storage_id), limit=1)
    return bool(found.records)


def _retries(instance: dg.DagsterInstance, new_days: set[str]) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Days whose latest digest run (requested by this sensor) failed, each with (its change-log's
    storage id, the attempt to request), and in words the days that used up their attempts."""
    failed = instance.get_runs(dg.RunsFilter(job_name=digest_job.name, statuses=[S.FAILURE],
                                             tags={TRIGGER_TAG: "digest_sensor"}), limit=50)
    retries, exhausted = {}, []
    for day in dict.fromkeys(r.tags.get("dagster/partition") for r in failed if CHANGE_LOG_TAG in r.tags):
        if not day or day in new_days:
            continue
        latest_run = instance.get_runs(dg.RunsFilter(job_name=digest_job.name, tags={"dagster/partition": day}), limit=1)
        if latest_run[0].status != S.FAILURE:
            continue   # succeeded since, or running now
        change_log = instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=CHANGE_EVENTS, asset_partitions=[day]), limit=1).records
        if not change_log or _digest_is_newer(instance, day, change_log[0].storage_id):
            continue
        storage_id = change_log[0].storage_id
        attempts = instance.get_runs_count(dg.RunsFilter(
            job_name=digest_job.name, tags={"dagster/partition": day, CHANGE_LOG_TAG: str(storage_id)}))
        if attempts >= DIGEST_MAX_ATTEMPTS:
            exhausted.append(f"{day}: digest gave up after {attempts} failed run(s) (latest {latest_run[0].run_id}); "
                             f"re-run digest_job for {day} once the cause is fixed")
        elif attempts:
            retries[day] = (storage_id, attempts + 1)
    return retries, exhausted


def _run_key(day: str, change_log: int, attempt: int) -> str:
    return f"digest-{day}-{change_log}" + (f"-attempt{attempt}" if attempt > 1 else "")


@dg.sensor(
    job=digest_job,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts the digest of each day whose change-log was materialised and whose blocking checks all have "
                f"passing results; retries a failed digest run on the next ticks, at most {DIGEST_MAX_ATTEMPTS} runs in all.",
)
def digest_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    after = int(context.cursor) if context.cursor else None
    found = context.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=CHANGE_EVENTS, after_storage_id=after), limit=100, ascending=True)
    latest = {r.partition_key: r.storage_id for r in found.records if r.partition_key}
    todo = {day: (storage_id, 1) for day, storage_id in latest.items()
            if not _digest_is_newer(context.instance, day, storage_id)}
    retries, exhausted = _retries(context.instance, set(latest))   # (said in the skip reason, not logged every tick)
    todo |= retries
    cursor = str(found.records[-1].storage_id) if found.records else context.cursor
    if not todo:
        sent = sorted(latest)
        reason = (f"digests already sent for {', '.join(sent)}" if sent else "no new change-log materialisation")
        return dg.SensorResult(skip_reason="; ".join([reason, *exhausted]), cursor=cursor)
    try:
        with warehouse.get_connection(lock_wait_s=0) as con:  # a tick does not wait: the next one looks again
            statuses = {day: gate(con, date.fromisoformat(day)) for day in sorted(todo)}
    except (duckdb.Error, WarehouseLockedError) as exc:
        # A run holds DuckDB's single-writer lock: look again on the next tick, cursor unchanged.
        return dg.SkipReason(f"warehouse busy ({type(exc).__name__}); will retry")
    requests = [dg.RunRequest(run_key=_run_key(day, *todo[day]), partition_key=day,
                              tags={TRIGGER_TAG: "digest_sensor", CHANGE_LOG_TAG: str(todo[day][0]),
                                    ATTEMPT_TAG: str(todo[day][1])})
                for day, status in statuses.items() if status.passed]
    blocked = [f"{day}: {status.reason()}" for day, status in statuses.items() if not status.passed]
    for reason in blocked:
        context.log.warning(f"digest not started for {reason}")
    if requests:
        return dg.SensorResult(run_requests=requests, cursor=cursor)
    return dg.SensorResult(skip_reason="; ".join(blocked + exhausted) or "nothing to send", cursor=cursor)
