"""The replay on ClinicalTrials.gov's publication calendar, over real HTTP: which data date is
served when, per-day URLs only while current, the clock's control endpoint and CLI flag, faults in
a window of simulated time, and a republished day's page tokens."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from netpipeline.replay import Fault, PublicationCalendar, ReplayClock, ReplayServer, write_calendar_days
from netpipeline.replay.clock import parse_instant
from netpipeline_tests.factories import write_day_lines
from netpipeline_tests.replay_samples import STUDIES, compact

REPO = Path(__file__).resolve().parents[1]
UTC = timezone.utc
WED, THU, FRI, MON, TUE = "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-23", "2026-11-24"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("instant, served", [
    ("2026-11-20T13:59:59", THU),   # Friday 08:59:59 EST: Thursday's data still
    ("2026-11-20T14:00:00", FRI),   # Friday 09:00 EST: published
    ("2026-11-21T12:00:00", FRI),   # Saturday
    ("2026-11-23T04:59:00", FRI),   # Sunday 23:59 EST
    ("2026-11-23T10:00:00", FRI),   # Monday 10:00 UTC: the old schedule's hour, still Friday's date
    ("2026-11-23T14:00:00", MON),
    ("2026-07-06T12:59:00", "2026-07-03"),  # summer (EDT, UTC-4): Monday 08:59 is still Friday
    ("2026-07-06T13:00:00", "2026-07-06"),
])
def test_calendar_data_date(instant, served):
    assert PublicationCalendar().data_date_at(at(instant)).isoformat() == served


def test_calendar_publication_instants_and_bad_times():
    cal = PublicationCalendar()
    assert cal.publication_instant(date(2026, 11, 23)) == at("2026-11-23T14:00:00")
    assert cal.next_publication(at("2026-11-20T15:00:00")) == at("2026-11-23T14:00:00")
    assert cal.publication_days(date(2026, 11, 18), date(2026, 11, 24)) == [
        date(2026, 11, d) for d in (18, 19, 20, 23, 24)]
    later = PublicationCalendar(publication_time=datetime.strptime("11:30", "%H:%M").time())
    assert later.data_date_at(at("2026-11-23T16:00:00")) == date(2026, 11, 20)
    with pytest.raises(ValueError, match="UTC offset"):
        parse_instant("2026-11-23T14:00:00")
    clock = ReplayClock()
    with pytest.raises(ValueError, match="wall clock"):
        clock.advance(60)
    with pytest.raises(ValueError, match="forward"):
        ReplayClock("2026-11-23T14:00:00Z").advance(-1)


@pytest.fixture
def week(tmp_path: Path) -> Path:
    """Stored days Wed, Thu, Fri, Tue: Monday's refresh is missing from the folder."""
    root = tmp_path / "week"
    for n, day in enumerate((WED, THU, FRI, TUE)):
        write_day_lines(root, day, [compact(s) for s in STUDIES[: 10 + n]])
    return root


def test_ticking_the_clock_moves_version_and_studies(week):
    clock = ReplayClock("2026-11-18T13:00:00Z")  # Wednesday 08:00 EST: nothing published yet
    with ReplayServer(week, clock=clock) as srv, httpx.Client(timeout=5) as http:
        assert http.get(f"{srv.url}/version").status_code == 404  # no stored day on or before Tue 17th
        seen = []
        for _ in range(8 * 24):  # a week and a day, hour by hour
            clock.advance(3600)
            version = http.get(f"{srv.url}/version")
            assert version.status_code == 200, version.text
            day = version.json()["dataTimestamp"][:10]
            total = http.get(f"{srv.url}/studies", params={"countTotal": "true"}).json()["totalCount"]
            if not seen or seen[-1][0] != day:
                seen.append((day, total, clock.now()))
            # A per-day URL answers only while its day is current.
            for other in (WED, THU, FRI, TUE):
                status = http.get(f"{srv.day_url(other)}/version").status_code
                assert status == (200 if other == day else 404)
        # Monday has no stored day: Friday's stays current until Tuesday's publication.
        assert [(d, t) for d, t, _ in seen] == [(WED, 10), (THU, 11), (FRI, 12), (TUE, 13)]
        assert [t.isoformat() for _, _, t in seen] == [
            "2026-11-18T14:00:00+00:00", "2026-11-19T14:00:00+00:00",
            "2026-11-20T14:00:00+00:00", "2026-11-24T14:00:00+00:00"]
        with pytest.raises(ValueError, match="clock"):
            srv.set_current_day(WED)


def test_clock_control_endpoint_and_switching_a_replay_onto_a_clock(week):
    with ReplayServer(week) as srv, httpx.Client(timeout=5) as http:
        assert http.get(f"{srv.url}/version").json()["dataTimestamp"].startswith(TUE)  # latest, no clock
        assert http.get(f"{srv.base}/_replay/clock").status_code == 409
        r = http.post(f"{srv.base}/_replay/clock", content=json.dumps({"now": "2026-11-21T12:00:00Z"}))
        assert r.status_code == 200 and r.json()["data_date"] == FRI and r.json()["current_day"] == FRI
        assert http.get(f"{srv.url}/version").json()["dataTimestamp"].startswith(FRI)
        r = http.post(f"{srv.base}/_replay/clock", content=json.dumps({"advance_s": 3 * 86400 + 2 * 3600}))
        assert r.json()["now"] == "2026-11-24T14:00:00+00:00" and r.json()["current_day"] == TUE
        assert http.post(f"{srv.base}/_replay/current-day", content=WED).status_code == 409
        for bad in ('{"now": "2026-11-24T14:00:00"}', '{"advance_s": "1h"}', '{"later": 1}', "nope"):
            assert http.post(f"{srv.base}/_replay/clock", content=bad).status_code == 400
        assert http.get(f"{srv.base}/_replay/state").json()["clock"]["current_day"] == TUE


def test_firewall_and_version_outage_in_a_window_of_simulated_time(week):
    clock = ReplayClock("2026-11-19T13:00:00Z")
    storm = Fault("firewall", path="/studies", start="2026-11-19T14:00:00Z", end="2026-11-19T16:00:00Z",
                  times=-1, user_agent="^python-httpx")
    outage = Fault("http_503", path="/version", start="2026-11-19T15:00:00Z", end="2026-11-19T18:00:00Z", times=-1)
    with ReplayServer(week, clock=clock, faults=[storm, outage]) as srv, httpx.Client(timeout=5) as http:
        def statuses(ua: str = "python-httpx/0.28") -> tuple[int, int]:
            headers = {"User-Agent": ua}
            return (http.get(f"{srv.url}/studies", headers=headers).status_code,
                    http.get(f"{srv.url}/version", headers=headers).status_code)

        assert statuses() == (200, 200)
        clock.set("2026-11-19T14:00:00Z")
        assert statuses() == (403, 200)
        assert statuses("netpipeline/0.1") == (200, 200)  # the rule targets one User-Agent
        refused = http.get(f"{srv.url}/studies")
        assert refused.headers["content-type"].startswith("text/html") and "Access Denied" in refused.text
        clock.advance(3600)
        assert statuses() == (403, 503)
        clock.advance(3600)
        assert statuses() == (200, 503)
        clock.advance(2 * 3600)
        assert statuses() == (200, 200)
        assert srv.faults[0]["seen"] == 3  # only requests inside its window and from matching clients
    # From JSON a window means every request in it; an empty window is refused.
    from netpipeline.replay import parse_faults
    assert parse_faults('{"kind": "firewall", "start": "2026-11-19T14:00:00Z"}')[0].times == -1
    with pytest.raises(ValueError, match="end after"):
        parse_faults('{"kind": "firewall", "start": "2026-11-19T14:00:00Z", "end": "2026-11-19T14:00:00Z"}')
    with pytest.raises(ValueError, match="UTC offset"):
        parse_faults('{"kind": "firewall", "start": "2026-11-19T14:00:00"}')


def test_refresh_fault_republishes_the_day_and_old_page_tokens_fail(week):
    clock = ReplayClock("2026-11-19T15:00:00Z")
    with ReplayServer(week, clock=clock) as srv, httpx.Client(timeout=5) as http:
        before = http.get(f"{srv.url}/version").json()["dataTimestamp"]
        first = http.get(f"{srv.url}/studies", params={"pageSize": 4, "countTotal": "true"}).json()
        srv.add_faults([Fault("refresh")])  # the next /studies request finds a republished day
        stale = http.get(f"{srv.url}/studies", params={"pageSize": 4, "pageToken": first["nextPageToken"]})
        assert stale.status_code == 400 and "pageToken" in stale.text
        after = http.get(f"{srv.url}/version").json()["dataTimestamp"]
        assert after[:10] == before[:10] == THU and after > before  # same date, newer data version
        again = http.get(f"{srv.url}/studies", params={"pageSize": 4, "countTotal": "true"}).json()
        assert http.get(f"{srv.url}/studies", params={"pageSize": 4, "pageToken": again["nextPageToken"]}).status_code == 200
        assert [r.faults for r in srv.request_log if r.faults] == [("refresh",)]
        assert http.post(f"{srv.base}/_replay/refresh").json() == {"current_day": THU, "revision": 2}


def test_write_calendar_days_fills_publication_days(tmp_path: Path, week):
    days = PublicationCalendar().publication_days(date(2026, 11, 18), date(2026, 12, 2))
    plan = write_calendar_days(week, tmp_path / "cal", days)
    assert len(plan) == 11 and plan[date(2026, 11, 23)] == TUE and plan[date(2026, 11, 24)] == WED  # cycles
    assert json.loads((tmp_path / "cal" / "2026-12-02" / "version.json").read_text())["dataTimestamp"] == "2026-12-02T09:00:05"
    clock = ReplayClock("2026-11-29T12:00:00Z")  # Sunday
    with ReplayServer(tmp_path / "cal", clock=clock) as srv:
        assert srv.current_day == "2026-11-27"
        clock.advance(timedelta(days=1, hours=2))
        assert srv.current_day == "2026-11-30"


def test_cli_clock_flag_serves_the_simulated_day(week):
    proc = subprocess.Popen(
        [sys.executable, "-m", "netpipeline.replay", "--snapshots", str(week), "--port", "0",
         "--clock", "2026-11-22T12:00:00Z", "--publication-time", "09:00"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        base = proc.stdout.readline().split(": ", 1)[1].strip()
        proc.stdout.readline(), proc.stdout.readline()
        assert "simulated" in proc.stdout.readline()
        with httpx.Client(timeout=5) as http:
            assert http.get(f"{base}/version").json()["dataTimestamp"].startswith(FRI)
            root = base.rsplit("/api/v2", 1)[0]
            http.post(f"{root}/_replay/clock", content='{"now": "2026-11-24T14:00:00Z"}')
            assert http.get(f"{base}/version").json()["dataTimestamp"].startswith(TUE)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "netpipeline.replay", "--snapshots", str(week),
                          "--clock", "2026-11-22T12:00:00"], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2 and "UTC offset" in bad.stderr
