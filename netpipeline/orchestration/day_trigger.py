"""The primary trigger: `ctgov_version_sensor` asks /version which data date the API serves and
gets that partition stored, retrying a failed pull until it is stored or the API moves on.

The live API serves only its current data date, so the sensor never requests any other date,
and what it must not do is lose one silently:
- a data date not stored yet gets `daily_job` (run_key = the date); after a failed run it is
  requested again (run_key `<date>-attempt<n>`) after `retry_minutes * 2**(n-1)`, at most
  `max_attempts` runs in all;
- "stored" means raw/ctgov_studies was materialised for the date: only the pull is tied to the
  API's calendar; a later step that failed can be re-executed from the warehouse at any time;
- a stored date whose latest run failed after the pull (no change-log since it) gets a run of the
  steps after the pull only (after_pull.py; run_key `<date>-after-pull-<pull>-attempt<n>`), with
  the same backoff and at most `max_attempts` runs counting the pulling one; then the skip reason
  says the change-log failed n times, with the last error. A run stopped by a failed blocking
  check is not re-run (a data problem: the same data fails again) and the skip reason names the
  checks. Only the current date is re-run: once the API serves a newer one, the next day's
  change-log is computed against the last day that has one, so completing the older day later
  is a manual decision (re-run it from trials/trial_tables, then the days after it); the sensor
  logs that it needs it;
- when the API serves a newer date, the previous one, if still not stored, is recorded as missed
  (raw.missed_days and an observation on the raw asset's partition), and so are publication
  days in between that were never seen.
The cursor is `DayAttempts` as JSON (an older cursor holding just a date is read as one attempt);
a re-run after the pull counts its attempts from its runs' tags, not the cursor.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime

import dagster as dg
import duckdb

from netpipeline.ingest.client import CtgovError
from netpipeline.ingest.missed_days import MissedDay, record_missed
from netpipeline.orchestration.after_pull import DownstreamFailure, downstream_failure, latest_pull, rerun_request
from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.dead_runs import fail_dead_runs
from netpipeline.orchestration.jobs import ATTEMPT_TAG, TRIGGER_TAG, daily_job
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import CtgovApiResource, DayTriggerResource, WarehouseResource
from netpipeline.publication import is_publication_day, publication_days_between, utc_now
from netpipeline.warehouse import WarehouseLockedError

S = dg.DagsterRunStatus
UNFINISHED = [S.QUEUED, S.NOT_STARTED, S.STARTING, S.STARTED, S.CANCELING]


@dataclass
class DayAttempts:
    """The sensor's cursor: the data date last seen on /version and the runs started for it."""

    data_date: str | None = None
    attempts: int = 0
    next_try_at: str | None = None   # ISO instant before which no retry (pull or re-run after it) is requested

    @classmethod
    def from_cursor(cls, cursor: str | None) -> DayAttempts:
        if not cursor:
            return cls()
        if not cursor.startswith("{"):  # the cursor of the sensor before retries: the date requested
            return cls(cursor, 1)
        return cls(**json.loads(cursor))

    def to_cursor(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)


def run_key(day: str, attempt: int) -> str:
    return day if attempt == 1 else f"{day}-attempt{attempt}"


def is_stored(instance: dg.DagsterInstance, day: str) -> bool:
    return latest_pull(instance, day) is not None


def day_runs(instance: dg.DagsterInstance, day: str, statuses: list[dg.DagsterRunStatus]) -> list[dg.DagsterRun]:
    return list(instance.get_runs(dg.RunsFilter(job_name=daily_job.name, tags={"dagster/partition": day},
                                                statuses=statuses), limit=50))


def last_failure(instance: dg.DagsterInstance, day: str) -> str | None:
    """The error of the latest failed daily_job run of `day` (its innermost cause), if any."""
    failed = day_runs(instance, day, [dg.DagsterRunStatus.FAILURE])
    if not failed:
        return None
    records = instance.all_logs(failed[0].run_id, of_type=dg.DagsterEventType.STEP_FAILURE)
    for record in reversed(records):
        return f"{record.dagster_event.step_key}: {root_message(record.dagster_event.event_specific_data.error)}"[:2000]
    # No step failed: the run itself was failed, e.g. by dead_runs (its process was killed).
    for record in reversed(instance.all_logs(failed[0].run_id, of_type=dg.DagsterEventType.RUN_FAILURE)):
        named = failed[0].run_id in record.message   # dead_runs' message already names the run
        return (record.message if named else f"run {failed[0].run_id}: {record.message}")[:2000]
    return f"run {failed[0].run_id} failed"


def root_message(error) -> str:
    """The innermost cause of a step's error: what the stage said, not Dagster's 'error occurred
    in op' wrapper."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error.message.strip()


def _missed(instance: dg.DagsterInstance, seen: DayAttempts, served: date, now: datetime) -> list[MissedDay]:
    """Days the API has moved past without them being stored: the last date seen, and the
    publication days between it and the one served now (never seen: attempts 0)."""
    last = date.fromisoformat(seen.data_date)
    missed = []
    if not is_stored(instance, seen.data_date):
        error = last_failure(instance, seen.data_date) or ("no run started" if seen.attempts == 0 else None)
        missed.append(MissedDay(last, now, seen.attempts, error, served))
    for day in publication_days_between(last, served):
        if not is_stored(instance, day.isoformat()):
            missed.append(MissedDay(day, now, 0, "never served while the sensor was watching /version", served))
    return missed


def _why(failure: DownstreamFailure) -> str:
    if failure.blocked_by:
        return f"blocking check(s) failed in run {failure.run_id}: {', '.join(failure.blocked_by)}"
    return f"run {failure.run_id} failed after the pull"


def _observation(m: MissedDay) -> dg.AssetObservation:
    return dg.AssetObservation(asset_key=RAW_STUDIES, partition=m.snapshot_date.isoformat(), metadata={
        "missed": True, "attempts": m.attempts, "last_error": m.last_error or "",
        "served_instead": m.served_instead.isoformat(), "detected_at": m.detected_at.isoformat()})


@dg.sensor(
    job=daily_job,
    minimum_interval_seconds=900,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="The trigger: polls /version and requests daily_job for the data date the API serves (run_key = "
                "date), retries a failed pull with backoff, re-runs the steps after the pull when a stored date's "
                "change-log failed (not for a failed blocking check), and records a date the API moved past unstored "
                "as missed (raw.missed_days).",
)
def ctgov_version_sensor(context: dg.SensorEvaluationContext, ctgov: CtgovApiResource,
                         day_trigger: DayTriggerResource, warehouse: WarehouseResource):
    now = utc_now()
    seen = DayAttempts.from_cursor(context.cursor)
    try:
        with ctgov.client(ctgov.current_url()) as client:
            client.max_retries = 1  # a sensor tick is short; the next tick tries again
            served = client.version().data_date
    except CtgovError as exc:
        return dg.SkipReason(f"ClinicalTrials.gov /version unavailable: {exc}")
    day = served.isoformat()
    events: list[dg.AssetObservation] = []
    if seen.data_date and day < seen.data_date:
        return dg.SkipReason(f"/version went back to {day} after {seen.data_date}; waiting for a newer date")
    if seen.data_date and day > seen.data_date:
        missed = _missed(context.instance, seen, served, now)
        if missed:
            try:
                with warehouse.get_connection(lock_wait_s=0) as con:  # a tick does not wait: the next one looks again
                    record_missed(con, missed)
            except (duckdb.Error, WarehouseLockedError) as exc:
                # Another process holds DuckDB's single-writer lock (a run, a reader): record on the
                # next tick, cursor unchanged. (Waiting NETPIPELINE_WAREHOUSE_LOCK_WAIT_S here raised
                # WarehouseLockedError out of the tick, and could outlast the daemon's 60 s tick.)
                return dg.SkipReason(f"warehouse busy ({type(exc).__name__}); missed days recorded on the next tick")
            for m in missed:
                context.log.error(f"data date {m.snapshot_date} missed: the API now serves {day}; "
                                  f"{m.attempts} run(s) tried; last error: {m.last_error}")
            events = [_observation(m) for m in missed]
        left = downstream_failure(context.instance, seen.data_date)
        if left:
            context.log.error(f"data date {left.day} is stored but has no change-log ({_why(left)}); the API now "
                              f"serves {day} and the sensor re-runs only the current date: re-run daily_job for "
                              f"{left.day} without raw/ctgov_studies by hand once the cause is fixed, then the days "
                              f"after it")
        seen = DayAttempts(day)
    elif not seen.data_date:
        seen = DayAttempts(day)

    def skip(reason: str) -> dg.SensorResult:
        return dg.SensorResult(skip_reason=reason, cursor=seen.to_cursor(), asset_events=events)

    if not daily_partitions.has_partition_key(day):
        why = "not a publication day (Monday-Friday)" if not is_publication_day(served) else "outside the partitions"
        return skip(f"data date {day} is {why}: no partition to store it in")
    for reason in fail_dead_runs(context.instance):   # else a killed run stays "in progress" for ever
        context.log.warning(reason)
    if is_stored(context.instance, day):
        rerun = _rerun_after_pull(context, day_trigger, seen, day, now)
        if isinstance(rerun, str):
            return skip(rerun)
        return dg.SensorResult(run_requests=[rerun], cursor=seen.to_cursor(), asset_events=events)
    running = day_runs(context.instance, day, UNFINISHED)
    if running:
        return skip(f"data date {day}: run {running[0].run_id} is in progress")
    if seen.attempts >= day_trigger.max_attempts:
        return skip(f"data date {day}: gave up after {seen.attempts} failed run(s); it is recorded as missed "
                    f"when the API moves on. Last error: {last_failure(context.instance, day)}")
    if seen.next_try_at and now < datetime.fromisoformat(seen.next_try_at):
        return skip(f"data date {day}: attempt {seen.attempts} did not store it; attempt {seen.attempts + 1} "
                    f"at {seen.next_try_at}")
    seen.attempts += 1
    seen.next_try_at = (now + day_trigger.retry_delay(seen.attempts)).isoformat()
    request = dg.RunRequest(run_key=run_key(day, seen.attempts), partition_key=day,
                            tags={TRIGGER_TAG: "ctgov_version_sensor", ATTEMPT_TAG: str(seen.attempts)})
    return dg.SensorResult(run_requests=[request], cursor=seen.to_cursor(), asset_events=events)


def _rerun_after_pull(context: dg.SensorEvaluationContext, day_trigger: DayTriggerResource, seen: DayAttempts,
                      day: str, now: datetime) -> dg.RunRequest | str:
    """For a stored `day`: the run of the steps after the pull if its change-log failed and may be
    tried again now (`seen.next_try_at` moved on), else the skip reason."""
    failure = downstream_failure(context.instance, day)
    if failure is None:
        return f"data date {day} is stored"
    if failure.blocked_by:
        return (f"data date {day} is stored but {_why(failure)}: not re-run, the same data would fail again; "
                f"fix it, then re-run daily_job for {day}")
    if failure.runs >= day_trigger.max_attempts:
        return (f"data date {day} is stored but its change-log failed {failure.runs} time(s); gave up: re-run "
                f"daily_job for {day} without raw/ctgov_studies once the cause is fixed. "
                f"Last error: {last_failure(context.instance, day)}")
    if seen.next_try_at and now < datetime.fromisoformat(seen.next_try_at):
        return (f"data date {day} is stored but its change-log failed {failure.runs} time(s); attempt "
                f"{failure.runs + 1} (the steps after the pull) at {seen.next_try_at}")
    seen.next_try_at = (now + day_trigger.retry_delay(failure.runs + 1)).isoformat()
    context.log.warning(f"data date {day} is stored but its change-log failed {failure.runs} time(s); re-running "
                        f"the steps after the pull. Last error: {last_failure(context.instance, day)}")
    return rerun_request(context.repository_def, failure,
                         {TRIGGER_TAG: "ctgov_version_sensor", ATTEMPT_TAG: str(failure.runs + 1)})
