"""A daily run in a process of its own, for tests that kill it mid-way (kill -9).

    python -m netpipeline_tests.killable_run <day> <dagster home>

Reads the NETPIPELINE_* settings from the environment the test set, runs daily_job's raw step for
<day> against the Dagster instance stored under <dagster home>, and prints `done <success>`.
"""
from __future__ import annotations

import sys

import dagster as dg

from netpipeline.definitions import build_definitions
from netpipeline.orchestration.local_runs import run_day


def main() -> None:
    day, home = sys.argv[1], sys.argv[2]
    with dg.DagsterInstance.from_config(home) as instance:
        outcome = run_day(build_definitions(), instance, day, log_level="WARNING",
                          asset_selection=[dg.AssetKey(["raw", "ctgov_studies"])])
    print(f"done {outcome.success}", flush=True)


if __name__ == "__main__":
    main()
