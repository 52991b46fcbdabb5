"""The mass-entry warning: a day whose study count rises by more than NETPIPELINE_VOLUME_RISE_MAX
(default 0.25) against the previous good day fails `volume_rise_within_limit` (a warning: the day
goes on), and its outcome says how many studies entered. Run through the real check (GX)."""
from __future__ import annotations

import datetime

import pytest

from netpipeline.orchestration.resources import build_resources
from netpipeline.quality.catalog import CHECKS
from netpipeline.quality.results import run_day_check
from netpipeline.settings import DEFAULTS
from netpipeline_tests.factories import make_study, nct
from netpipeline_tests.test_normalise_support import new_warehouse, store_day

DAYS = [datetime.date(2026, 10, 1) + datetime.timedelta(days=i) for i in range(3)]
[RISE] = [c for c in CHECKS if c.name == "volume_rise_within_limit"]


def test_a_sharp_rise_in_the_day_s_studies_is_a_warning_that_counts_the_entries(tmp_path):
    assert RISE.severity == "warning" and DEFAULTS["NETPIPELINE_VOLUME_RISE_MAX"] == "0.25"
    con = new_warehouse(tmp_path / "w.duckdb")
    for day, count in zip(DAYS, (20, 25, 40)):
        store_day(con, day, [make_study(nct(i), day.isoformat()) for i in range(1, count + 1)])
    first = run_day_check(con, DAYS[0], RISE, 0.1)           # no earlier day: nothing to rise against
    at_the_limit = run_day_check(con, DAYS[1], RISE, 0.1)    # 20 -> 25: +25% passes
    mass_entry = run_day_check(con, DAYS[2], RISE, 0.1)      # 25 -> 40: +60% warns
    assert first.passed and at_the_limit.passed and not mass_entry.passed
    [row] = mass_entry.sample
    assert row["value"] == 0.6
    assert row["context"] == {"studies": 40, "previous_date": DAYS[1].isoformat(), "previous_studies": 25,
                              "entered": 15}
    stored = con.execute("SELECT severity, passed FROM quality.check_results WHERE snapshot_date = ? "
                         "AND check_name = ?", [DAYS[2], RISE.name]).fetchone()
    assert stored == ("warning", False)
    # the setting moves the threshold both ways
    assert run_day_check(con, DAYS[2], RISE, 0.1, volume_rise_max=0.6).passed
    assert not run_day_check(con, DAYS[1], RISE, 0.1, volume_rise_max=0.2).passed


def test_the_rise_limit_is_read_from_its_setting(monkeypatch):
    monkeypatch.setenv("NETPIPELINE_VOLUME_RISE_MAX", "0.4")
    assert build_resources()["quality_gate"].volume_rise_max == 0.4
    monkeypatch.setenv("NETPIPELINE_VOLUME_RISE_MAX", "40%")
    with pytest.raises(ValueError, match="NETPIPELINE_VOLUME_RISE_MAX must be a number between 0 and 1"):
        build_resources()
