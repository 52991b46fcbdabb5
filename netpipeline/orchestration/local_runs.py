"""Running the pipeline in this process against a real Dagster instance (demo, tests, benchmarks).

The same jobs and sensors the daemon would run: `run_day` is what the /version sensor launches,
`tick_sensor` is one evaluation of a sensor followed by the runs it requested.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from netpipeline.orchestration.day_trigger import root_message
from netpipeline.orchestration.dead_runs import fail_dead_runs
from netpipeline.settings import DATA_DIR

DEFAULT_DAGSTER_HOME = DATA_DIR / "dagster_home"


def ensure_dagster_home(path: Path | None = None) -> Path:
    """DAGSTER_HOME (default data/dagster_home) with a dagster.yaml that turns telemetry off."""
    home = Path(os.environ.get("DAGSTER_HOME") or path or DEFAULT_DAGSTER_HOME).resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@dataclass
class RunOutcome:
    job: str
    partition: str
    success: bool
    run_id: str
    materialized: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    error: str | None = None


def _outcome(job: str, partition: str, result: dg.ExecuteInProcessResult,
             instance: dg.DagsterInstance | None = None) -> RunOutcome:
    materialized = sorted({e.asset_key.to_user_string() for e in result.get_asset_materialization_events()})
    # Steps that never started: skipped (STEP_SKIPPED), or abandoned because a step they depend
    # on failed, e.g. everything after a failed blocking check (Dagster only logs those).
    skipped = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"}
    snapshot_id = result.dagster_run.execution_plan_snapshot_id
    if instance is not None and snapshot_id:
        started = {e.step_key for e in result.all_events if e.event_type_value == "STEP_START"}
        skipped |= {step.key for step in instance.get_execution_plan_snapshot(snapshot_id).steps} - started
    skipped = sorted(skipped)
    failed_checks = sorted(
        e.event_specific_data.check_name  # type: ignore[union-attr]
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION" and not e.event_specific_data.passed)
    error = None
    if not result.success:
        failures = [e for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
        error = "; ".join(f"{e.step_key}: {root_message(e.event_specific_data.error)}" for e in failures) or "run failed"
    return RunOutcome(job, partition, result.success, result.run_id, materialized, skipped, failed_checks, error)


class RunInterrupted(KeyboardInterrupt):
    """A run cut short by a signal to this process (Ctrl-C, `timeout`, a stopped job), not by the
    pipeline: raised so that the demo or the test session stops and says so, instead of carrying
    on with one run failed "interrupted unexpectedly"."""


def _interruption(result: dg.ExecuteInProcessResult) -> str | None:
    """What shows that a signal interrupted the run, if anything did. In process, Dagster turns
    SIGINT, and SIGTERM (which it maps to SIGINT's handler), into DagsterExecutionInterruptedError;
    a signal that arrives during a DuckDB query surfaces as DuckDB's 'Query interrupted' instead."""
    for event in result.all_events:
        if event.event_type_value == "RUN_FAILURE" and "interrupted unexpectedly" in (event.message or ""):
            return "Dagster: execution was interrupted"
        if event.event_type_value != "STEP_FAILURE":
            continue
        seen, pending = 0, [event.event_specific_data.error]  # type: ignore[union-attr]
        while pending and seen < 20:
            error, seen = pending.pop(), seen + 1
            if error is None:
                continue
            if error.cls_name == "DagsterExecutionInterruptedError" or error.message.strip().endswith("Query interrupted"):
                return f"step {event.step_key}: {error.cls_name}: {error.message.strip()[:200]}"
            pending += [error.cause, error.context]
    return None


def run_day(defs: dg.Definitions, instance: dg.DagsterInstance, day: str, job_name: str = "daily_job",
            asset_selection: list[dg.AssetKey] | None = None, tags: dict[str, str] | None = None,
            log_level: str | None = None, asset_check_selection: list[dg.AssetCheckKey] | None = None) -> RunOutcome:
    """Run `job_name` for the partition `day`. `log_level` (e.g. "WARNING") quiets the console
    logger; the event log in the instance keeps every event whatever the level. Runs that killed
    processes left STARTED are marked failed first (dead_runs). `asset_check_selection` (with
    `asset_selection`): the checks to run, by default the job's checks of the selected assets."""
    fail_dead_runs(instance)
    job = defs.resolve_job_def(job_name)
    if asset_selection:
        # The job's own checks of the selected assets only (Dagster's asset_selection would add
        # every check on them, e.g. raw_freshness, which the daily job leaves to its sensor).
        checks = (set(asset_check_selection) if asset_check_selection is not None else
                  {k for k in job.asset_layer.asset_graph.asset_check_keys if k.asset_key in set(asset_selection)})
        job = job.get_subset(asset_selection=set(asset_selection), asset_check_selection=checks)
    run_config = {"loggers": {"console": {"config": {"log_level": log_level}}}} if log_level else None
    result = job.execute_in_process(partition_key=day, instance=instance, raise_on_error=False,
                                    tags=tags, run_config=run_config)
    interrupted = _interruption(result)
    if interrupted:
        raise RunInterrupted(f"{job_name} for {day}: run {result.run_id} was interrupted by a signal to this process "
                             f"(pid {os.getpid()}): SIGINT, or SIGTERM, which Dagster handles like SIGINT (Ctrl-C, "
                             f"a `timeout` wrapper, a stopped job); not a pipeline failure ({interrupted})")
    return _outcome(job_name, day, result, instance)


@dataclass
class SensorTick:
    """One evaluation of a sensor and the runs it requested (already run)."""
    cursor: str | None
    runs: list[RunOutcome]
    skip: str | None
    run_keys: list[str]
    asset_events: int
    requests: list[dg.RunRequest] = field(default_factory=list)


def tick_sensor(defs: dg.Definitions, instance: dg.DagsterInstance, name: str, cursor: str | None,
                log_level: str | None = None, execute: bool = True) -> SensorTick:
    """Evaluate sensor `name` once as the daemon would: record the asset events it reports (missed
    days, check evaluations), then run each run it requests (unless `execute` is False). The
    returned cursor is the one the daemon would keep (unchanged when the tick did not set one)."""
    sensor = defs.resolve_sensor_def(name)
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs, resources=defs.resources)
    data = sensor.evaluate_tick(context)
    for event in data.asset_events:
        instance.report_runless_asset_event(event)
    requests = list(data.run_requests or [])
    runs = [run_request(defs, instance, name, request, log_level) for request in requests] if execute else []
    return SensorTick(data.cursor if data.cursor is not None else cursor, runs, data.skip_message,
                      [r.run_key for r in requests], len(data.asset_events), requests)


def run_request(defs: dg.Definitions, instance: dg.DagsterInstance, sensor_name: str, request: dg.RunRequest,
                log_level: str | None = None) -> RunOutcome:
    """Run what sensor `sensor_name` requested (its assets and checks if it selects some), tagged
    as the daemon would tag it."""
    tags = {**request.tags, "dagster/sensor_name": sensor_name, "dagster/run_key": request.run_key or ""}
    return run_day(defs, instance, request.partition_key, defs.resolve_sensor_def(sensor_name).job_name,
                   asset_selection=request.asset_selection, asset_check_selection=request.asset_check_keys,
                   tags=tags, log_level=log_level)


def tick_digest_sensor(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None,
                       log_level: str | None = None) -> tuple[str | None, list[RunOutcome], str | None]:
    """Evaluate the digest sensor once and run what it requests: (new cursor, runs, skip reason)."""
    tick = tick_sensor(defs, instance, "digest_sensor", cursor, log_level)
    return tick.cursor, tick.runs, tick.skip


def latest_event_cursor(instance: dg.DagsterInstance, asset_key: dg.AssetKey) -> str | None:
    """A sensor cursor that skips every materialisation of `asset_key` already in the instance."""
    found = instance.fetch_materializations(asset_key, limit=1)
    return str(found.records[0].storage_id) if found.records else None
