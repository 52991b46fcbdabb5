"""Every sensor evaluated on the publication calendar: weekday partitions, weekend and early-Monday
ticks, a publication day whose pulls all fail (retried, then missed), and freshness.

The replay serves the date the real API would at each simulated instant (Friday's over the
weekend and on Monday before the publication hour); `simulated_now` moves the sensors' clock.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import dagster as dg
import pytest

from netpipeline.definitions import defs as loaded_defs
from netpipeline.orchestration.assets.changes import CHANGE_EVENTS, PREVIOUS_DAY
from netpipeline.orchestration.freshness import RAW_FRESHNESS
from netpipeline.orchestration.local_runs import tick_sensor
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.publication import expected_data_date, freshness, parse_deadline, simulated_now
from netpipeline.replay.faults import Fault
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

WED, THU, FRI, MON = "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-23"
SENSORS = ("ctgov_version_sensor", "digest_sensor", "raw_freshness_sensor")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def test_partitions_are_publication_days_and_a_monday_follows_its_friday():
    keys = daily_partitions.get_partition_keys(current_time=utc("2026-11-23T10:00"))
    assert keys[-4:] == ["2026-11-18", "2026-11-19", "2026-11-20", "2026-11-23"]
    assert all(date.fromisoformat(k).weekday() < 5 for k in keys)
    upstream = PREVIOUS_DAY.get_upstream_mapped_partitions_result_for_partitions(
        daily_partitions.subset_with_partition_keys([MON]), daily_partitions, daily_partitions,
        current_time=utc("2026-11-24T00:00"))
    assert upstream.partitions_subset.get_partition_keys() == [FRI]  # backfills: Monday after Friday
    assert not loaded_defs.schedules  # the /version sensor is the trigger, not the clock
    assert {s.name for s in loaded_defs.sensors} == set(SENSORS)
    assert all(s.default_status == dg.DefaultSensorStatus.RUNNING for s in loaded_defs.sensors)


@pytest.mark.parametrize("now, expected", [
    ("2026-11-20T19:59", THU), ("2026-11-20T20:00", FRI), ("2026-11-21T12:00", FRI),
    ("2026-11-22T23:59", FRI), ("2026-11-23T00:30", FRI), ("2026-11-23T13:30", FRI), ("2026-11-23T20:00", MON),
])
def test_the_data_date_that_must_be_stored_follows_the_deadline_and_skips_weekends(now, expected):
    assert expected_data_date(utc(now), parse_deadline("20:00")).isoformat() == expected
    stale = freshness({date.fromisoformat(WED)}, utc(now), parse_deadline("20:00"))
    assert not stale.passed and stale.unstored[-1].isoformat() == expected


def test_the_deadline_setting_is_checked():
    with pytest.raises(ValueError, match="NETPIPELINE_FRESHNESS_DEADLINE_UTC must be a UTC time HH:MM, got '8pm'"):
        parse_deadline("8pm")


@pytest.mark.slow
def test_sensors_through_a_failed_publication_day_a_weekend_and_early_monday(tmp_path, monkeypatch):
    snapshots = tmp_path / "snap"
    for i, day in enumerate((WED, THU, FRI, MON)):
        write_day(snapshots, day, [make_study(nct(n), day, **{"designModule.enrollmentInfo.count": 40 + i})
                                   for n in range(1, 5)])
    env = {"NETPIPELINE_DAY_MAX_ATTEMPTS": "2", "NETPIPELINE_DAY_RETRY_MINUTES": "15"}
    with pipeline(tmp_path, snapshots, monkeypatch, env=env) as h:
        now = [utc("2026-11-18T15:00")]
        cursors: dict[str, str | None] = dict.fromkeys(SENSORS)
        requested: list[tuple[str, str]] = []  # (instant, partition) of every run a sensor asked for

        def tick(name: str, at: str | None = None, execute: bool = True):
            if at:
                now[0] = utc(at)
            t = tick_sensor(h.defs, h.instance, name, cursors[name], execute=execute)
            cursors[name] = t.cursor
            requested.extend((now[0].isoformat(), run.partition) for run in t.runs if run.job == "daily_job")
            return t

        def freshness_results() -> list[bool]:
            records = h.instance.event_log_storage.get_asset_check_execution_history(RAW_FRESHNESS, limit=50)
            return [r.event.dagster_event.event_specific_data.passed for r in reversed(records)]

        with simulated_now(lambda: now[0]):
            h.replay.set_current_day(WED)
            assert tick("ctgov_version_sensor").run_keys == [WED]
            # Thursday: every pull fails; two attempts 15 minutes apart, then the sensor gives up.
            h.replay.set_current_day(THU)
            h.replay.add_faults([Fault("wrong_total", amount=1, times=-1)])
            first = tick("ctgov_version_sensor", "2026-11-19T14:00")
            assert first.run_keys == [THU] and not first.runs[0].success
            assert tick("ctgov_version_sensor", "2026-11-19T14:10").run_keys == []
            assert tick("ctgov_version_sensor", "2026-11-19T14:20").run_keys == [f"{THU}-attempt2"]
            assert "gave up after 2" in tick("ctgov_version_sensor", "2026-11-19T18:00").skip
            assert tick("raw_freshness_sensor", "2026-11-19T19:59").asset_events == 1  # first evaluation
            late = tick("raw_freshness_sensor", "2026-11-19T20:00")
            assert late.asset_events == 1 and f"{THU} not stored by 20:00 UTC" in late.skip
            assert freshness_results() == [True, False]
            # Friday: Thursday is recorded as missed; Friday is stored and compared with Wednesday.
            h.replay.clear_faults()
            h.replay.set_current_day(FRI)
            friday = tick("ctgov_version_sensor", "2026-11-20T14:30")
            assert friday.run_keys == [FRI] and friday.runs[0].success and friday.asset_events == 1
            assert tick("raw_freshness_sensor").asset_events == 1 and freshness_results() == [True, False, True]
            assert h.query("SELECT snapshot_date::VARCHAR, attempts FROM raw.missed_days") == [(THU, 2)]
            meta = h.instance.fetch_materializations(dg.AssetRecordsFilter(
                asset_key=CHANGE_EVENTS, asset_partitions=[FRI]), limit=1).records[0].asset_materialization.metadata
            assert meta["base_date"].value == WED
            assert [m["day"] for m in meta["missed_days_since_base"].value] == [THU]
            digests = tick("digest_sensor")
            assert sorted(r.partition for r in digests.runs) == [WED, FRI] and all(r.success for r in digests.runs)
            # The weekend and Monday before the publication: the API serves Friday, which is stored.
            for at in ("2026-11-21T10:00", "2026-11-22T23:59", "2026-11-23T00:30", "2026-11-23T10:00"):
                version = tick("ctgov_version_sensor", at)
                assert version.run_keys == [] and version.skip == f"data date {FRI} is stored", at
                assert tick("digest_sensor").run_keys == [], at
                fresh = tick("raw_freshness_sensor")
                # Recorded once when the expected date becomes Friday (Friday 20:00), not every tick.
                assert fresh.asset_events == (1 if at.startswith("2026-11-21") else 0), at
                assert fresh.skip.startswith("unchanged: fresh" if fresh.asset_events == 0 else "fresh"), at
            # Monday after the publication: Monday, and only Monday, is requested.
            h.replay.set_current_day(MON)
            assert "not stored by 20:00" in tick("raw_freshness_sensor", "2026-11-23T20:05").skip
            assert tick("ctgov_version_sensor", "2026-11-23T20:10", execute=False).run_keys == [MON]
        assert [p for _, p in requested] == [WED, THU, THU, FRI]
        assert h.query("SELECT snapshot_date::VARCHAR FROM raw.pulls ORDER BY 1") == [(WED,), (FRI,)]
