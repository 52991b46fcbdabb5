"""required_fields_present: a study with no title and no status (issue 13: it passed every check)
is blocked; a study without a phase (observational) is not. Real warehouse, real normaliser."""
from __future__ import annotations

import datetime

import pytest

from netpipeline.normalise import normalise_day
from netpipeline.quality.catalog import check_by_name
from netpipeline_tests.factories import make_study, nct
from netpipeline_tests.test_normalise_support import new_warehouse, store_day

DAY = datetime.date(2026, 10, 1)


def _stripped(nct_id: str, title: object = None) -> dict:
    """A study without overall status and with no brief title (or `title`, e.g. blanks)."""
    study = make_study(nct_id, DAY.isoformat())
    protocol = study["protocolSection"]
    del protocol["statusModule"]["overallStatus"]
    if title is None:
        del protocol["identificationModule"]["briefTitle"]
    else:
        protocol["identificationModule"]["briefTitle"] = title
    return study


def test_a_study_missing_title_and_status_fails_and_one_without_phase_passes(tmp_path):
    pytest.importorskip("great_expectations")
    from netpipeline.quality.results import gate, run_day_check

    observational = make_study(nct(3), DAY.isoformat(), **{"designModule": {"studyType": "OBSERVATIONAL"}})
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY, [make_study(nct(1), DAY.isoformat()), _stripped(nct(2)), observational,
                         _stripped(nct(4), title="   ")])
    normalise_day(con, DAY)
    check = check_by_name("required_fields_present")
    assert check.severity == "blocking"
    outcome = run_day_check(con, DAY, check, 0.1)
    assert not outcome.passed and outcome.evaluated_rows == 4
    assert outcome.failures == 2 and outcome.offending_nct_ids == [nct(2), nct(4)]
    failing = {(s["nct_id"], s["column"]) for s in outcome.sample}
    assert failing == {(nct(2), "brief_title"), (nct(4), "brief_title")}   # each row once, first column it failed
    assert {(e["column"], e["unexpected"]) for e in outcome.expectations} == {("brief_title", 2), ("overall_status", 2)}
    (reason,) = gate(con, DAY).failed
    assert reason.startswith("required_fields_present (2 of 4 rows failed; e.g. NCT00000002 brief_title=None")

    con.execute("DELETE FROM trials_versions.studies WHERE nct_id IN (?, ?)", [nct(2), nct(4)])
    con.execute("DELETE FROM raw.study_spans WHERE nct_id IN (?, ?)", [nct(2), nct(4)])
    assert run_day_check(con, DAY, check, 0.1).passed   # the observational study has no phase, and passes
    con.close()
