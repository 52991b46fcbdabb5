"""A signal to the process during an in-process run stops the caller with a clear error.

Dagster handles SIGTERM like SIGINT in process: without this, a `timeout` or a stopped job
showed up as one run failed "interrupted unexpectedly" (or a step's DuckDB "Query interrupted")
while the demo or the test session carried on, which looked like a pipeline bug.
"""
from __future__ import annotations

import os
import signal
import threading
import time

import dagster as dg
import duckdb
import pytest

from netpipeline.orchestration.local_runs import RunInterrupted, run_day

DAY = "2026-11-18"
days = dg.DailyPartitionsDefinition(start_date="2026-11-01")


@dg.asset(partitions_def=days)
def terminated_mid_step() -> None:
    os.kill(os.getpid(), signal.SIGTERM)  # handled at once, in this (the main) thread
    time.sleep(30)


@dg.asset(partitions_def=days)
def interrupted_mid_query() -> None:
    threading.Timer(0.3, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
    duckdb.connect().execute("SELECT sum(hash(i)) FROM range(2000000000) t(i)").fetchall()


@dg.asset(partitions_def=days)
def quiet() -> None:
    return None


defs = dg.Definitions(assets=[terminated_mid_step, interrupted_mid_query, quiet], jobs=[
    dg.define_asset_job(name, selection=[name])
    for name in ("terminated_mid_step", "interrupted_mid_query", "quiet")])


@pytest.mark.parametrize("job, shows", [
    ("terminated_mid_step", "DagsterExecutionInterruptedError"),
    ("interrupted_mid_query", "Query interrupted"),
])
def test_a_signal_during_a_run_stops_the_caller_and_says_so(tmp_path, job, shows):
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        started = time.monotonic()
        with pytest.raises(RunInterrupted) as stopped:
            run_day(defs, instance, DAY, job, log_level="CRITICAL")
        assert time.monotonic() - started < 120  # neither the sleep nor the query ran its course
        message = str(stopped.value)
        assert f"{job} for {DAY}" in message and f"pid {os.getpid()}" in message and "SIGTERM" in message
        assert shows in message
        assert run_day(defs, instance, DAY, "quiet").success  # an ordinary run is not affected
