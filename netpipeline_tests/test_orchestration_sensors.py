"""The /version sensor and the raw asset's refusal of another data date, over real HTTP."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import dagster as dg
import pytest

from netpipeline.definitions import build_definitions
from netpipeline.orchestration.day_trigger import DayAttempts
from netpipeline.orchestration.local_runs import tick_sensor
from netpipeline.publication import simulated_now
from netpipeline.replay.faults import Fault
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.warehouse_holder import Holder

D1, D2 = "2026-11-18", "2026-11-19"  # Wednesday, Thursday


@pytest.fixture
def harness(tmp_path, monkeypatch):
    snapshots = tmp_path / "snap"
    for day in (D1, D2):
        write_day(snapshots, day, [make_study(nct(i), day) for i in range(1, 6)])
    with pipeline(tmp_path, snapshots, monkeypatch, env={"NETPIPELINE_DAY_MAX_ATTEMPTS": "3"}) as h:
        h.replay.set_current_day(D1)
        yield h


def tick(h, cursor=None):
    sensor = h.defs.resolve_sensor_def("ctgov_version_sensor")
    context = dg.build_sensor_context(instance=h.instance, cursor=cursor, definitions=h.defs, resources=h.defs.resources)
    return sensor.evaluate_tick(context)


def test_version_sensor_requests_each_new_data_date_once(harness):
    first = tick(harness)
    assert [(r.partition_key, r.run_key) for r in first.run_requests] == [(D1, D1)]
    again = tick(harness, first.cursor)  # the run has not stored D1 yet, and the retry waits
    assert not again.run_requests and "attempt 2 at" in again.skip_message
    harness.replay.set_current_day(D2)
    nxt = tick(harness, again.cursor or first.cursor)
    assert [(r.partition_key, r.run_key) for r in nxt.run_requests] == [(D2, D2)]
    assert any(r.path == "/api/v2/version" for r in harness.replay.request_log)  # the current-day URL, not a replay day


def test_version_sensor_skips_a_stored_date(harness):
    assert harness.run_day(D1, assets=["raw/ctgov_studies"]).success
    result = tick(harness)
    assert not result.run_requests and result.skip_message == f"data date {D1} is stored"


def test_version_sensor_reads_the_cursor_of_the_sensor_before_retries(harness):
    # The old sensor's cursor was the date it had requested: it counts as one attempt.
    assert DayAttempts.from_cursor(D1) == DayAttempts(D1, 1)
    harness.replay.set_current_day(D2)
    result = tick(harness, D1)
    assert [r.partition_key for r in result.run_requests] == [D2]


def test_a_held_warehouse_leaves_the_missed_day_to_the_next_tick(harness):
    # D1 seen with one failed run; the API moves on to D2 while another process holds the warehouse.
    connect(harness.warehouse).close()
    harness.replay.set_current_day(D2)
    seen = DayAttempts(D1, 1).to_cursor()
    with Holder(harness.warehouse):
        busy = tick(harness, seen)
    assert not busy.run_requests and busy.cursor in (None, seen), busy.skip_message  # cursor unchanged
    assert busy.skip_message.startswith("warehouse busy (WarehouseLockedError)")
    after = tick(harness, seen)   # the reader has left: D1 recorded missed, D2 requested
    assert [r.partition_key for r in after.run_requests] == [D2]
    assert harness.query("SELECT snapshot_date::VARCHAR, attempts FROM raw.missed_days") == [(D1, 1)]


def test_version_sensor_skips_with_the_reason_when_the_api_is_down(harness):
    harness.replay.add_faults([Fault("http_503", path="/version", times=-1)])
    result = tick(harness)
    assert not result.run_requests
    assert "unavailable" in result.skip_message and "503" in result.skip_message


def test_a_failed_pull_is_retried_with_backoff_then_recorded_as_missed_when_the_api_moves_on(harness):
    # Every pull of D1 fails (the pages never add up to totalCount); attempts 3, retry after 15, 30 min.
    harness.replay.add_faults([Fault("wrong_total", amount=1, times=-1)])
    now = [datetime(2026, 11, 18, 14, 0, tzinfo=timezone.utc)]
    cursor, keys, skips = None, [], []
    with simulated_now(lambda: now[0]):
        for _ in range(12):  # every 10 minutes for two hours
            t = tick_sensor(harness.defs, harness.instance, "ctgov_version_sensor", cursor)
            cursor = t.cursor
            keys += t.run_keys
            skips.append(t.skip)
            assert all(not run.success and "incomplete pull" in run.error for run in t.runs)
            now[0] += timedelta(minutes=10)
        assert keys == [D1, f"{D1}-attempt2", f"{D1}-attempt3"]
        assert "gave up after 3 failed run(s)" in skips[-1] and "incomplete pull" in skips[-1]
        # The API publishes D2: D1 is recorded as missed and D2 is requested in the same tick.
        harness.replay.clear_faults()
        harness.replay.set_current_day(D2)
        t = tick_sensor(harness.defs, harness.instance, "ctgov_version_sensor", cursor)
    assert t.run_keys == [D2] and t.runs[0].success and t.asset_events == 1
    missed = harness.query("SELECT snapshot_date::VARCHAR, attempts, last_error, served_instead::VARCHAR FROM raw.missed_days")
    assert [(m[0], m[1], m[3]) for m in missed] == [(D1, 3, D2)]
    assert missed[0][2].startswith("raw__ctgov_studies: ") and "incomplete pull" in missed[0][2]
    observed = harness.instance.fetch_observations(dg.AssetKey(["raw", "ctgov_studies"]), limit=5).records
    assert [(o.partition_key, o.asset_observation.metadata["attempts"].value) for o in observed] == [(D1, 3)]


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
