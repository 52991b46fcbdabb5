"""A daily run in a process of its own, for tests that kill it mid-way (kill -9).

    python -m netpipeline_tests.killable_run <day> <dagster home> [<step>]

Reads the NETPIPELINE_* settings from the environment the test set and runs daily_job for <day>
against the Dagster instance stored under <dagster home>, then prints `done <success>`. Without
<step>: the raw step alone. With <step> (e.g. trials/trial_tables): the whole job, and a reader
in another process takes the warehouse just before <step> opens it (the pull is stored by then),
so <step> waits NETPIPELINE_WAREHOUSE_LOCK_WAIT_S for it (`holding <pid>` is printed). The reader
exits when this process dies (its stdin closes).
"""
from __future__ import annotations

import sys
from pathlib import Path

import dagster as dg

from netpipeline.definitions import build_definitions
from netpipeline.orchestration import resources
from netpipeline.orchestration.local_runs import run_day
from netpipeline_tests.warehouse_holder import Holder


def hold_the_warehouse_before(step: str) -> list[Holder]:
    holders: list[Holder] = []
    opening = resources.open_for_writing

    def open_after_a_reader(path, *args, **kwargs):
        if not holders and resources._current_step()[1] == step:
            holders.append(Holder(Path(path)))
            print(f"holding {holders[0].pid}", flush=True)
        return opening(path, *args, **kwargs)

    resources.open_for_writing = open_after_a_reader
    return holders


def main() -> None:
    day, home, *hang_in = sys.argv[1:]
    holders = hold_the_warehouse_before(hang_in[0]) if hang_in else []
    with dg.DagsterInstance.from_config(home) as instance:
        outcome = run_day(build_definitions(), instance, day, log_level="WARNING",
                          asset_selection=None if hang_in else [dg.AssetKey(["raw", "ctgov_studies"])])
    for holder in holders:
        holder.close()
    print(f"done {outcome.success}", flush=True)


if __name__ == "__main__":
    main()
