"""A stored data date whose change-log failed: what the /version sensor re-runs after the pull.

Once raw/ctgov_studies holds the day, a later step can still fail for a reason that passes: a
reader held the warehouse past NETPIPELINE_WAREHOUSE_LOCK_WAIT_S, a check crashed, the process
was killed after the pull (dead_runs marks the run failed). The day then has no change-log and no
digest, and the freshness check (raw only) stays green. The sensor re-runs the day's steps after
the pull (the raw step left out: the raw day is not rewritten, nor the API asked again), tagged
with the pull it continues so that its attempts are counted per pull.

A run stopped by a failed blocking check is not re-run: that is a data problem, and re-running
gives the same answer (the digest's gate stays closed for the same reason).
"""
from __future__ import annotations

from dataclasses import dataclass

import dagster as dg

from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.jobs import daily_job

AFTER_PULL_TAG = "netpipeline/after_pull"   # the storage id of the raw materialisation a re-run continues


@dataclass
class DownstreamFailure:
    """A stored day whose latest daily_job run failed without a change-log since the pull."""

    day: str
    pull: int                  # storage id of the day's latest raw/ctgov_studies materialisation
    run_id: str                # the failed run
    blocked_by: list[str]      # blocking checks that failed in it ("asset check_name")
    runs: int                  # runs that tried the steps after this pull: the pulling run and the re-runs


def latest_pull(instance: dg.DagsterInstance, day: str) -> dg.EventLogRecord | None:
    found = instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=RAW_STUDIES, asset_partitions=[day]), limit=1)
    return found.records[0] if found.records else None


def downstream_failure(instance: dg.DagsterInstance, day: str) -> DownstreamFailure | None:
    """The failure after `day`'s pull, if the day's latest daily_job run failed (the pulling run or
    one started after it) and no change-log was materialised since the pull; else None (not
    stored, a change-log since, the latest run succeeded or is still going)."""
    pull = latest_pull(instance, day)
    if pull is None:
        return None
    change_log = instance.fetch_materializations(dg.AssetRecordsFilter(
        asset_key=CHANGE_EVENTS, asset_partitions=[day], after_storage_id=pull.storage_id), limit=1)
    if change_log.records:
        return None
    latest = instance.get_run_records(dg.RunsFilter(job_name=daily_job.name, tags={"dagster/partition": day}), limit=1)
    if not latest or latest[0].dagster_run.status != dg.DagsterRunStatus.FAILURE:
        return None
    run = latest[0].dagster_run
    if run.run_id != pull.run_id and latest[0].create_timestamp.timestamp() < pull.timestamp:
        return None   # a failed run from before the pull (e.g. a failed pull attempt; stored by another job)
    reruns = instance.get_runs_count(dg.RunsFilter(job_name=daily_job.name, tags={
        "dagster/partition": day, AFTER_PULL_TAG: str(pull.storage_id)}))
    return DownstreamFailure(day, pull.storage_id, run.run_id, failed_blocking_checks(instance, run.run_id),
                             1 + reruns)


def failed_blocking_checks(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """Blocking checks whose evaluation failed in the run (Dagster then fails the check's step with
    DagsterAssetCheckFailedError); a check that crashed has no failed evaluation, only its step
    failure, and is retried like any other step."""
    failed = set()
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = record.dagster_event.event_specific_data
        if not evaluation.passed and evaluation.blocking and evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed.add(f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}")
    return sorted(failed)


def rerun_request(repository: dg.RepositoryDefinition, failure: DownstreamFailure,
                  tags: dict[str, str]) -> dg.RunRequest:
    """daily_job for the day without the raw asset: the checks of the raw day (they gate the trial
    tables), the trial tables, their checks, the change-log and the publication."""
    job = repository.get_job(daily_job.name)
    attempt = failure.runs + 1
    return dg.RunRequest(
        run_key=f"{failure.day}-after-pull-{failure.pull}-attempt{attempt}", partition_key=failure.day,
        asset_selection=sorted(set(job.asset_layer.executable_asset_keys) - {RAW_STUDIES}, key=str),
        asset_check_keys=sorted(job.asset_layer.asset_graph.asset_check_keys, key=str),
        tags={**tags, AFTER_PULL_TAG: str(failure.pull)})
