"""Check results judge the data they were run on: when a day's raw or normalised data is rewritten,
its results go in the same write (issue 13). A re-pull that dies before its checks leaves the day
"unchecked", not "passed" on the results of the data it replaced; a re-pull that fails stores
nothing and keeps the old results. Real Dagster runs over the replay server."""
from __future__ import annotations

from datetime import date

import pytest

from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.quality.catalog import blocking_checks, checks_for
from netpipeline.quality.results import gate
from netpipeline.replay.faults import Fault
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

D1 = "2026-10-01"


def _gate(h):
    con = connect(h.warehouse, read_only=True)
    try:
        return gate(con, date.fromisoformat(D1))
    finally:
        con.close()


def _without_checks(h, *assets):
    """Materialise `assets` for D1 with no checks: what a run killed before its check steps leaves."""
    job = h.defs.resolve_job_def("daily_job").get_subset(asset_selection=set(assets), asset_check_selection=set())
    assert job.execute_in_process(partition_key=D1, instance=h.instance, raise_on_error=False).success


@pytest.mark.slow
def test_rewriting_a_day_drops_its_check_results_in_the_same_write(tmp_path, monkeypatch):
    snapshots = tmp_path / "replay"
    write_day(snapshots, D1, [make_study(nct(i), D1) for i in range(1, 8)])
    with pipeline(tmp_path, snapshots, monkeypatch) as h:
        assert h.run_day(D1).success and _gate(h).state == "passed"
        results = h.query("SELECT count(*) FROM quality.check_results WHERE snapshot_date = ?", [D1])[0][0]
        assert results == len(checks_for("raw")) + len(checks_for("trials"))

        # A re-pull refused as incomplete rewrites nothing: the day keeps its data and its results.
        h.replay.add_faults([Fault("wrong_total", amount=1, times=-1)])
        assert not h.run_day(D1, assets=["raw/ctgov_studies"]).success
        h.replay.clear_faults()
        assert _gate(h).state == "passed"

        # Normalised again, cut off before its checks: the trials checks' results are gone, the
        # raw checks' results (the raw data did not change) stay.
        _without_checks(h, TRIAL_TABLES)
        status = _gate(h)
        assert status.state == "unchecked"
        assert set(status.missing) == {c.name for c in blocking_checks() if c.target == "trials"}

        # Pulled again, cut off before its checks: no result of the day is left (the raw checks'
        # results went with the raw data they judged).
        assert h.query("SELECT count(*) FROM quality.check_results WHERE snapshot_date = ?", [D1]) \
            == [(len(checks_for("raw")),)]
        _without_checks(h, RAW_STUDIES)
        assert h.query("SELECT count(*) FROM quality.check_results WHERE snapshot_date = ?", [D1]) == [(0,)]
        status = _gate(h)
        assert status.state == "unchecked" and set(status.missing) == {c.name for c in blocking_checks()}
