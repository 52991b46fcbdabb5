"""Runs whose process died (kill -9, OOM, a power cut) are marked failed instead of STARTED for ever.

Dagster's own run monitoring (the daemon's `run_monitoring`) detects a dead run worker only
through run launchers that can check a worker's health (Kubernetes, ECS, Docker), not the
default one that starts a local process, and the demo and tests run without a daemon at all.
This is its equivalent for one machine: the in-process executor records its PID in the
"Executing steps in process" engine event; a STARTED run whose PID is gone (or now names a
process started after the event: the PID was reused) is reported failed with that reason.
It runs before a run is launched, by `local_runs.run_day` and the /version sensor (a dead
STARTED run of a day would otherwise count as "in progress" and hold the day back for ever).
"""
from __future__ import annotations

import dagster as dg

from netpipeline.processes import process_alive


def run_process(instance: dg.DagsterInstance, run_id: str) -> tuple[int, float] | None:
    """The PID that executes the run's steps and when it was seen doing so, if recorded."""
    for record in reversed(instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)):
        metadata = getattr(record.dagster_event.event_specific_data, "metadata", None) or {}
        pid = metadata.get("pid")
        if pid is not None and str(pid.value).isdigit():
            return int(pid.value), record.timestamp
    return None


def fail_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Report every STARTED run whose process is gone as failed; the reasons, one per run."""
    reasons = []
    for run in instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]), limit=200):
        process = run_process(instance, run.run_id)
        if process is None or process_alive(*process):
            continue
        partition = run.tags.get("dagster/partition")
        reason = (f"run {run.run_id} of {run.job_name}" + (f" for {partition}" if partition else "")
                  + f" was left STARTED by process {process[0]}, which is gone (killed or crashed): marked failed. "
                  "What its steps had committed is kept; re-run the day to finish it.")
        instance.report_run_failed(run, reason)
        reasons.append(reason)
    return reasons
