"""The calendar soak: 15 consecutive simulated days (two weekends) with the real sensors and jobs
against a replay that follows ClinicalTrials.gov's publication calendar.

Mon 2026-11-02 .. Mon 2026-11-16: eleven publication days. Each day is ticked at fixed UTC times
(the three sensors, then the runs they ask for). On the way: a 403 firewall storm on Tuesday
morning, /version down for half of Wednesday, the data refreshed in the middle of Thursday's pull,
and Tuesday 11-10 whose every pull fails until the API publishes Wednesday.
"""
from __future__ import annotations

import email
import email.policy
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from netpipeline.definitions import build_definitions
from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.freshness import RAW_FRESHNESS
from netpipeline.orchestration.local_runs import tick_sensor
from netpipeline.orchestration.resources import CtgovApiResource
from netpipeline.publication import is_publication_day, simulated_now
from netpipeline.replay import Fault, ReplayClock, ReplayServer, write_calendar_days
from netpipeline.settings import DEFAULTS
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day

# ~1-2 min alone; far longer on a machine shared with other suites, where the default 300 s
# timeout (SIGALRM mid-run) cut it short inside a digest run.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

FIRST = date(2026, 11, 2)
DAYS = [FIRST + timedelta(days=i) for i in range(15)]
PUBLISHED = [d for d in DAYS if is_publication_day(d)]
NEVER_STORED = date(2026, 11, 10)
TICKS = ("06:00", "13:00", "14:10", "14:40", "15:20", "16:30", "18:10", "20:10", "23:30")  # UTC
SENSORS = ("raw_freshness_sensor", "ctgov_version_sensor", "digest_sensor")
SUBSCRIPTIONS = """
version: 1
subscribers:
  - {id: everything, email: all@example.org, name: All Trials, rules: {phases: any, statuses: any, sponsor_classes: any}}
  - {id: pancreas, email: p@example.org, name: Pancreas, rules: {phases: any, statuses: any, sponsor_classes: any}}
"""


def utc(day: date, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=timezone.utc)


def source_days(folder):
    """Four small days whose enrolment changes daily, so every day has events and digests."""
    for i, day in enumerate(("2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08")):
        write_day(folder, day, [make_study(nct(n), day, **{"designModule.enrollmentInfo.count": 40 + 10 * i + n})
                                for n in range(1, 4)])


def faults(clock_day) -> list[Fault]:
    tue, wed, thu = date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)
    return [
        # A 403 storm on Tuesday morning: every endpoint, 13:00-16:00 UTC.
        Fault("firewall", path="/", times=-1, start=utc(tue, "13:00").isoformat(), end=utc(tue, "16:00").isoformat()),
        # /version down for half of Wednesday.
        Fault("http_503", path="/version", times=-1, start=utc(wed, "06:00").isoformat(), end=utc(wed, "18:00").isoformat()),
        # Every pull of 11-10 fails, until Wednesday's publication.
        Fault("http_503", path="/studies", times=-1, start=utc(NEVER_STORED, "13:00").isoformat(),
              end=utc(NEVER_STORED + timedelta(days=1), "14:00").isoformat()),
    ] + [Fault("refresh", skip=1, start=utc(thu, "14:00").isoformat(), end=utc(thu, "15:00").isoformat(), times=1)]


def test_fifteen_days_on_the_publication_calendar(tmp_path, monkeypatch):
    source_days(tmp_path / "src")
    write_calendar_days(tmp_path / "src", tmp_path / "snap", PUBLISHED)
    (tmp_path / "subs.yaml").write_text(SUBSCRIPTIONS)
    clock = ReplayClock(utc(FIRST, "00:00"))
    (tmp_path / "home").mkdir()
    with ReplayServer(tmp_path / "snap", clock=clock) as replay, \
            dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance, simulated_now(clock.now):
        for name, value in {"NETPIPELINE_CTGOV_BASE_URL": replay.url, "NETPIPELINE_WAREHOUSE": str(tmp_path / "w.duckdb"),
                            "NETPIPELINE_OUTBOX": str(tmp_path / "outbox"), "NETPIPELINE_SUBSCRIPTIONS": str(tmp_path / "subs.yaml"),
                            "NETPIPELINE_SMTP_HOST": "", "NETPIPELINE_DAY_MAX_ATTEMPTS": "3",
                            "NETPIPELINE_PUBLISHED_WAREHOUSE": str(tmp_path / "published.duckdb"),
                            "NETPIPELINE_PUBLISHED_PARQUET": str(tmp_path / "parquet")}.items():
            monkeypatch.setenv(name, value)
        # Two studies a page: Thursday's refresh lands between the first page and the second.
        scope = tmp_path / "scope.yaml"
        scope.write_text(Path(DEFAULTS["NETPIPELINE_SCOPE"]).read_text().replace("page_size: 1000", "page_size: 2"))
        client = CtgovApiResource(base_url=replay.url, scope_file=str(scope),
                                  requests_per_minute=6000, max_retries=2, backoff_base_s=0.001)
        defs = build_definitions({"ctgov": client})
        replay.add_faults(faults(None))
        cursors: dict[str, str | None] = dict.fromkeys(SENSORS)
        requests: list[tuple[datetime, str, date]] = []   # (when, partition, what the API served then)
        for day in DAYS:
            for hhmm in TICKS:
                clock.set(utc(day, hhmm))
                for name in SENSORS:
                    t = tick_sensor(defs, instance, name, cursors[name], log_level="ERROR")
                    cursors[name] = t.cursor
                    fail_on_unexpected_run_failure(clock.now(), t.runs)
                    if name == "ctgov_version_sensor":
                        requests += [(clock.now(), run.partition, clock.data_date()) for run in t.runs]

        # No run for a date the API did not serve at that instant; every date stored exactly once.
        assert all(partition == served.isoformat() for _, partition, served in requests)
        stored = [d for d in PUBLISHED if d != NEVER_STORED]
        materialised = Counter(r.partition_key for r in records(instance, RAW_STUDIES))
        assert materialised == {d.isoformat(): 1 for d in stored}
        con = connect(tmp_path / "w.duckdb", read_only=True)
        try:
            assert [d for (d,) in con.execute("SELECT snapshot_date FROM raw.pulls ORDER BY 1").fetchall()] == stored
            missed = con.execute("SELECT snapshot_date, attempts, served_instead FROM raw.missed_days").fetchall()
            assert missed == [(NEVER_STORED, 3, NEVER_STORED + timedelta(days=1))]
            bases = dict(con.execute("SELECT snapshot_date, base_date FROM changes.days").fetchall())
            assert bases == {d: (stored[i - 1] if i else None) for i, d in enumerate(stored)}
            deliveries = con.execute("SELECT snapshot_date, subscriber_id, count(*) FROM digest.deliveries "
                                     "WHERE status = 'sent' GROUP BY ALL").fetchall()
            sent_once = sorted((d, s) for d, s, n in deliveries if n == 1)
            expected = sorted((d, s) for d in stored[1:] for s in ("everything", "pancreas"))
            # (pytest's diff of two sorted lists names the first extra item of the longer one, which
            # reads like a second missing day: say which are missing.)
            assert sent_once == expected, (f"not sent once: {sorted(set(expected) - set(sent_once))}; "
                                           f"unexpected: {sorted(set(sent_once) - set(expected))}")
        finally:
            con.close()
        assert {(d.weekday() < 5) for _, _, d in requests} == {True}
        assert sum(1 for _, p, _ in requests if p == NEVER_STORED.isoformat()) == 3
        missed_meta = next(r for r in records(instance, CHANGE_EVENTS) if r.partition_key == "2026-11-11")
        assert [m["day"] for m in missed_meta.asset_materialization.metadata["missed_days_since_base"].value] == ["2026-11-10"]
        freshness = freshness_history(instance)
        # Red on the evening of the missed day (and before the first day, when nothing is stored).
        assert [e for p, e in freshness if not p] == ["2026-10-30", "2026-11-10"]
        assert freshness[-1] == (True, "2026-11-16")
        # The faults did happen and each delayed or reshaped its day, which was still stored once:
        tue, wed, thu = date(2026, 11, 3), date(2026, 11, 4), date(2026, 11, 5)
        first_request = {p: min(when for when, q, _ in requests if q == p) for _, p, _ in requests}
        # Tuesday's 403 storm (13:00-16:00) held the day back until it ended;
        assert Counter(r.status for r in replay.request_log)[403] > 0
        assert first_request[tue.isoformat()] >= utc(tue, "16:00")
        # /version down on Wednesday (06:00-18:00) left the sensor blind until it came back;
        assert any(r.status == 503 and r.path.endswith("/version") for r in replay.request_log)
        assert first_request[wed.isoformat()] >= utc(wed, "18:00")
        # Thursday's data was republished between its first and second page: the pull restarted.
        fired = {f["kind"]: f["seen"] for f in replay.faults}
        assert fired["refresh"] >= 2 and fired["firewall"] > 0
        thursday = next(r for r in records(instance, RAW_STUDIES) if r.partition_key == thu.isoformat())
        assert thursday.asset_materialization.metadata["restarts"].value == 1
        # Wednesday 11-11 says it compares against Monday 11-09, in the change-log and in every digest.
        change_log = missed_meta.asset_materialization.metadata
        assert change_log["base_date"].value == "2026-11-09"
        assert change_log["changes_since"].value == "Monday 9 November 2026"
        texts = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default).get_body(("plain",)).get_content()
                 for f in sorted((tmp_path / "outbox" / "2026-11-11").glob("*.eml"))]
        assert len(texts) == 2 and all("Changes since Monday 9 November" in t for t in texts)


def fail_on_unexpected_run_failure(now: datetime, runs) -> None:
    """Only the pulls of the never-stored day may fail: any other failed run stops the test here,
    with its error. Dagster records whatever a step raises as a step failure, pytest-timeout's
    SIGALRM `Failed: Timeout` included, and the calendar would carry on: a timeout inside a digest
    run once surfaced, ten days later, as that day's digests missing."""
    for run in runs:
        if not run.success and (run.job, run.partition) != ("daily_job", NEVER_STORED.isoformat()):
            pytest.fail(f"{now:%Y-%m-%d %H:%M} UTC: {run.job} for {run.partition} failed (run {run.run_id}): {run.error}")


def records(instance, key):
    return instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=key), limit=1000).records


def freshness_history(instance) -> list[tuple[bool, str]]:
    history = instance.event_log_storage.get_asset_check_execution_history(RAW_FRESHNESS, limit=500)
    return [(r.event.dagster_event.event_specific_data.passed,
             r.event.dagster_event.event_specific_data.metadata["expected_data_date"].value) for r in reversed(history)]
