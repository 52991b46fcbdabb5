"""Fail closed: a day normalised but cut off before its checks (a kill, a full disk) is
"unchecked", not passed. Reproduces issue 13: day 3 compared itself with the unchecked day 2, so
day 2's changes were never reported or mailed. Now day 2 is skipped as a base, its change
reaches day 3's change-log and digest, and everything that asks about the gate says which
checks are missing.

Real Dagster runs over the replay server: day 1 whole; day 2 pulled and normalised with its
checks left out (what a run killed before its check steps leaves); day 3 whole.
"""
from __future__ import annotations

import email
import email.policy
from datetime import date

import pytest

from netpipeline.changes.changelog import base_day
from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.quality.catalog import blocking_checks
from netpipeline.quality.results import gate
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

pytestmark = pytest.mark.slow

D1, D2, D3 = "2026-10-01", "2026-10-02", "2026-10-05"   # Thursday, Friday, Monday: publication days
WATCHED = nct(2)
SUBSCRIPTIONS = f"""version: 1
subscribers:
  - id: watcher
    email: watcher@example.org
    rules:
      watchlist: [{WATCHED}]
"""


def _day(day: str, status: str) -> list[dict]:
    return [make_study(nct(i), day, **({"statusModule.overallStatus": status} if i == 2 else {})) for i in range(1, 6)]


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("unchecked_day")
    snapshots = tmp_path / "replay"
    # The watched trial stops recruiting on day 2 (the unchecked day) and stays so on day 3.
    write_day(snapshots, D1, _day(D1, "RECRUITING"))
    write_day(snapshots, D2, _day(D2, "ACTIVE_NOT_RECRUITING"))
    write_day(snapshots, D3, _day(D3, "ACTIVE_NOT_RECRUITING"))
    (tmp_path / "subscriptions.yaml").write_text(SUBSCRIPTIONS, encoding="utf-8")
    out = {}
    with pytest.MonkeyPatch.context() as mp, pipeline(tmp_path, snapshots, mp, subscriptions=tmp_path / "subscriptions.yaml") as h:
        out["d1"] = h.run_day(D1)
        # Day 2: pull and normalise, no checks (the run was killed before its check steps).
        no_checks = h.defs.resolve_job_def("daily_job").get_subset(
            asset_selection={RAW_STUDIES, TRIAL_TABLES}, asset_check_selection=set())
        result = no_checks.execute_in_process(partition_key=D2, instance=h.instance, raise_on_error=False)
        out["d2_success"] = result.success
        out["d2_results"] = h.query("SELECT count(*) FROM quality.check_results WHERE snapshot_date = ?", [D2])[0][0]
        con = connect(h.warehouse, read_only=True)
        try:
            out["d2_gate"] = gate(con, date.fromisoformat(D2))
        finally:
            con.close()
        out["d2_manual_changes"] = h.run_day(D2, assets=["changes/events"])
        out["d2_manual_digest"] = h.run_day(D2, assets=["digest/emails"])
        out["d3"] = h.run_day(D3)
        con = connect(h.warehouse, read_only=True)
        try:
            out["d3_base"] = base_day(con, date.fromisoformat(D3))
        finally:
            con.close()
        out["d3_events"] = h.query("SELECT nct_id, event_type, old_value, new_value, base_date::VARCHAR "
                                   "FROM changes.events WHERE snapshot_date = ?", [D3])
        runs, out["skip"] = h.tick_digest()
        out["digest_runs"] = runs
        out["sent"] = h.query("SELECT snapshot_date::VARCHAR, subscriber_id FROM digest.deliveries "
                              "WHERE status = 'sent' ORDER BY 1")
        out["mails"] = {p.parent.name: email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in h.outbox.glob("*/*.eml")}
        yield out


def test_a_day_without_check_results_is_unchecked_and_names_the_missing_checks(story):
    assert story["d2_success"] and story["d2_results"] == 0
    status = story["d2_gate"]
    assert not status.passed and status.state == "unchecked" and status.failed == ()
    assert set(status.missing) == {c.name for c in blocking_checks()}
    assert "unchecked: no result for blocking check(s) raw_day_complete" in status.reason()


def test_change_log_and_digest_of_an_unchecked_day_are_refused(story):
    for run, error in ((story["d2_manual_changes"], "ChangeLogError"), (story["d2_manual_digest"], "DigestGateError")):
        assert not run.success and run.materialized == []
        assert "quality gate unchecked" in run.error and "enums_valid" in run.error, run.error


def test_the_unchecked_day_is_skipped_as_a_base_and_its_change_reaches_the_next_day(story):
    assert story["d1"].success and story["d3"].success
    assert story["d3_base"] == date.fromisoformat(D1)
    assert (WATCHED, "status_changed", "RECRUITING", "ACTIVE_NOT_RECRUITING", D1) in story["d3_events"]


def test_the_change_of_the_unchecked_day_is_mailed_with_the_next_day(story):
    assert all(r.success for r in story["digest_runs"]), [r.error for r in story["digest_runs"]]
    assert D3 in [r.partition for r in story["digest_runs"]]
    assert story["sent"] == [(D3, "watcher")]
    body = story["mails"][D3].get_body(("plain",)).get_content()
    assert WATCHED in body and "Active, not recruiting" in body, body[:2000]
