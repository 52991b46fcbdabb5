"""The /version sensor and the raw asset's refusal of another data date, over real HTTP."""
from __future__ import annotations

import dagster as dg
import pytest

from netpipeline.definitions import build_definitions
from netpipeline.replay.faults import Fault
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

D1, D2 = "2026-11-18", "2026-11-19"


@pytest.fixture
def harness(tmp_path, monkeypatch):
    snapshots = tmp_path / "snap"
    for day in (D1, D2):
        write_day(snapshots, day, [make_study(nct(i), day) for i in range(1, 6)])
    with pipeline(tmp_path, snapshots, monkeypatch) as h:
        h.replay.set_current_day(D1)
        yield h


def tick(h, cursor=None):
    sensor = h.defs.resolve_sensor_def("ctgov_version_sensor")
    context = dg.build_sensor_context(instance=h.instance, cursor=cursor, definitions=h.defs, resources=h.defs.resources)
    return sensor.evaluate_tick(context)


def test_version_sensor_requests_each_new_data_date_once(harness):
    first = tick(harness)
    assert [(r.partition_key, r.run_key) for r in first.run_requests] == [(D1, D1)]
    again = tick(harness, first.cursor)
    assert not again.run_requests and "already requested" in again.skip_message
    harness.replay.set_current_day(D2)
    nxt = tick(harness, again.cursor or first.cursor)
    assert [(r.partition_key, r.run_key) for r in nxt.run_requests] == [(D2, D2)]
    assert any(r.path == "/api/v2/version" for r in harness.replay.request_log)  # the current-day URL, not a replay day


def test_version_sensor_skips_with_the_reason_when_the_api_is_down(harness):
    harness.replay.add_faults([Fault("http_503", path="/version", times=-1)])
    result = tick(harness)
    assert not result.run_requests
    assert "unavailable" in result.skip_message and "503" in result.skip_message


def test_raw_asset_refuses_a_day_the_api_does_not_serve_and_keeps_stored_days(harness, monkeypatch):
    assert harness.run_day(D1, assets=["raw/ctgov_studies"]).success
    before = harness.query("SELECT * EXCLUDE (fetched_at) FROM raw.study_days ORDER BY nct_id")
    # Pointed at the plain URL (as the live API is), the server's data date is D1, not D2.
    monkeypatch.setenv("NETPIPELINE_CTGOV_BASE_URL", harness.replay.url)
    harness.defs = build_definitions()
    refused = harness.run_day(D2, assets=["raw/ctgov_studies"])
    assert not refused.success
    assert f"refusing to store {D2}" in refused.error and f"data date {D1}" in refused.error
    assert harness.query("SELECT snapshot_date::VARCHAR FROM raw.pulls") == [(D1,)]
    assert harness.query("SELECT * EXCLUDE (fetched_at) FROM raw.study_days ORDER BY nct_id") == before
