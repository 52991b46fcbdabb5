"""`ingest.day_pull.pull_day`, the ingest stage's entry point, against the replay: a republished
day is pulled again from page 1 and stored once; endless republication, a data date that moves
during the pull, and a date the API does not serve store nothing and say why."""
from __future__ import annotations

from datetime import date

import pytest

from netpipeline.ingest.client import CtgovClient, CtgovError
from netpipeline.ingest.day_pull import pull_day
from netpipeline.ingest.raw_store import DataDateMismatchError, stored_days
from netpipeline.ingest.scope import Scope
from netpipeline.replay import Fault, ReplayClock, ReplayServer
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day

THU, FRI = "2026-11-19", "2026-11-20"
SCOPE = Scope("test", "1", (), page_size=10, sort="")


@pytest.fixture
def replay(tmp_path):
    for day, n in ((THU, 25), (FRI, 26)):
        write_day(tmp_path / "snap", day, [make_study(nct(i), day) for i in range(1, n + 1)])
    clock = ReplayClock("2026-11-19T15:00:00Z")  # Thursday 10:00 EST
    with ReplayServer(tmp_path / "snap", clock=clock) as server:
        yield server, clock, connect(tmp_path / "w.duckdb")


def client_for(server) -> CtgovClient:
    # The live-like URL (no {date}): what /api/v2 serves follows the clock.
    return CtgovClient(server.url, requests_per_minute=10_000, timeout_s=2, max_retries=1, sleep=lambda s: None)


def test_a_republication_mid_pull_restarts_from_page_one_and_stores_the_day_once(replay):
    server, _, con = replay
    server.add_faults([Fault("refresh", skip=1)])  # the second page finds Thursday republished
    with client_for(server) as client:
        pulled = pull_day(con, date(2026, 11, 19), client, SCOPE)
    assert pulled.restarts == 1 and pulled.written.studies == 25
    assert pulled.version.data_timestamp.isoformat() == f"{THU}T09:01:05"  # the republished version
    pages = [(r.status, "pageToken" in r.query) for r in server.request_log if r.path.endswith("/studies")]
    assert pages == [(200, False), (400, True), (200, False), (200, True), (200, True)]
    assert con.execute("SELECT count(*), count(DISTINCT nct_id) FROM raw.study_days").fetchone() == (25, 25)
    row = con.execute("SELECT data_timestamp::VARCHAR, studies FROM raw.pulls").fetchone()
    assert row == (f"{THU} 09:01:05", 25)
    assert pulled.metadata()["restarts"] == 1 and "restarted 1x" in pulled.summary()


def test_endless_republication_gives_up_and_stores_nothing(replay):
    server, _, con = replay
    server.add_faults([Fault("refresh", skip=1, times=-1)])  # every page after the first
    with client_for(server) as client, pytest.raises(CtgovError, match=r"republished 2026-11-19 3 times during the pull"):
        pull_day(con, date(2026, 11, 19), client, SCOPE, max_restarts=2)
    assert stored_days(con) == []


def test_a_new_data_date_during_the_pull_stores_nothing_and_says_the_day_is_gone(replay, monkeypatch):
    server, clock, con = replay
    with client_for(server) as client:
        real_iter = client.iter_pages

        def publish_after_first_page(*args, **kwargs):
            for n, page in enumerate(real_iter(*args, **kwargs)):
                yield page
                if n == 0:
                    clock.set("2026-11-20T14:00:00Z")  # Friday's publication, mid-pull

        monkeypatch.setattr(client, "iter_pages", publish_after_first_page)
        with pytest.raises(DataDateMismatchError, match=r"moved to data date 2026-11-20 during the pull"):
            pull_day(con, date(2026, 11, 19), client, SCOPE)
    assert stored_days(con) == []


def test_a_date_the_api_does_not_serve_is_refused_before_any_page(replay):
    server, _, con = replay
    with client_for(server) as client, pytest.raises(DataDateMismatchError, match="serves data date 2026-11-19"):
        pull_day(con, date(2026, 11, 20), client, SCOPE)  # Friday, asked for on Thursday
    assert not [r for r in server.request_log if r.path.endswith("/studies")]
