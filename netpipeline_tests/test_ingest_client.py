"""The API v2 client over real HTTP against the replay server, with injected faults."""
from __future__ import annotations

import pytest

from netpipeline.ingest.client import CtgovClient, CtgovClientError, CtgovError, IncompletePullError, RateLimiter
from netpipeline.replay.faults import Fault
from netpipeline.replay.server import ReplayServer
from netpipeline_tests.conftest import REPLAY_DAY
from netpipeline_tests.factories import make_study, nct, write_day

DAY = REPLAY_DAY  # served by conftest's `replay` fixture


class SleepRecorder:
    def __init__(self):
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def client_for(replay, sleep=None, **kwargs) -> CtgovClient:
    kwargs.setdefault("timeout_s", 2.0)
    return CtgovClient(replay.day_url(DAY), requests_per_minute=10_000, sleep=sleep or SleepRecorder(), **kwargs)


def test_pull_pages_through_tokens_repeating_every_parameter(replay):
    params = {"format": "json", "query.cond": "neuroendocrine", "sort": "StudyFirstPostDate:asc"}
    with client_for(replay) as client:
        pull = client.pull(params, page_size=10)
    assert pull.total_count == 25
    assert [s.nct_id for s in pull.studies] == sorted(nct(i) for i in range(1, 26))
    assert pull.stats.pages == 3
    pages = [r for r in replay.request_log if r.path.endswith("/studies")]
    assert len(pages) == 3
    assert pages[0].query.get("countTotal") == "true" and "pageToken" not in pages[0].query
    for later in pages[1:]:
        assert later.query["pageToken"]
        assert {k: v for k, v in later.query.items() if k not in ("pageToken", "countTotal")} == \
               {k: v for k, v in pages[0].query.items() if k != "countTotal"}


def test_empty_page_after_a_full_last_page_is_normal(tmp_path):
    write_day(tmp_path, DAY, [make_study(nct(i)) for i in range(1, 21)])
    with ReplayServer(tmp_path) as server, client_for(server) as client:
        pull = client.pull({"format": "json"}, page_size=10)
        assert len(pull.studies) == 20 and pull.stats.pages == 3  # 10 + 10 + an empty page


def test_version_gives_the_data_date(replay):
    with client_for(replay) as client:
        assert client.version().data_date.isoformat() == DAY


@pytest.mark.parametrize("fault", [
    Fault("http_500", times=2), Fault("http_503"), Fault("drop"), Fault("truncate"),
    Fault("slow", delay_s=3.0), Fault("http_429", retry_after=7),
])
def test_transient_faults_are_retried_and_the_pull_completes(replay, fault):
    replay.add_faults([Fault(fault.kind, times=fault.times, skip=1, retry_after=fault.retry_after, delay_s=fault.delay_s)])
    sleep = SleepRecorder()
    with client_for(replay, sleep=sleep, timeout_s=1.0) as client:
        pull = client.pull({"format": "json"}, page_size=10)
        assert len(pull.studies) == 25
        assert client.stats.retries == fault.times
    if fault.retry_after:
        assert max(sleep.calls) >= fault.retry_after  # Retry-After is honoured as a floor


def test_backoff_grows_exponentially_with_jitter(replay):
    replay.add_faults([Fault("http_503", times=4)])
    sleep = SleepRecorder()
    with client_for(replay, sleep=sleep, backoff_base_s=1.0) as client:
        client.pull({"format": "json"}, page_size=10)
    assert len(sleep.calls) == 4
    for attempt, delay in enumerate(sleep.calls, start=1):
        ceiling = 2 ** (attempt - 1)
        assert ceiling / 2 <= delay <= ceiling


def test_persistent_server_errors_give_up_with_a_clear_error(replay):
    replay.add_faults([Fault("http_503", times=-1)])
    with client_for(replay, max_retries=3) as client, pytest.raises(CtgovError, match=r"gave up after 4 attempts.*HTTP 503"):
        client.pull({"format": "json"}, page_size=10)


def test_client_errors_quote_the_api_text_and_are_not_retried(replay):
    with client_for(replay) as client, pytest.raises(CtgovClientError, match=r"HTTP 400.*query\.bogus"):
        client.pull({"format": "json", "query.bogus": "x"})
    assert len(replay.request_log) == 1


@pytest.mark.parametrize("fault, message", [
    (Fault("wrong_total", amount=3), r"totalCount=28 but the pull returned 25 distinct studies; 3 missing"),
    (Fault("missing_study", skip=1), r"totalCount=25 but the pull returned 24 distinct studies; 1 missing"),
    (Fault("duplicate_study", skip=1), r"repeated NCT ID"),
])
def test_an_incomplete_pull_fails_naming_what_is_wrong(replay, fault, message):
    replay.add_faults([fault])
    with client_for(replay) as client, pytest.raises(IncompletePullError, match=message):
        client.pull({"format": "json"}, page_size=10)


def test_study_by_id_keeps_the_served_bytes(replay, tmp_path):
    line = (tmp_path / DAY / "studies.jsonl").read_bytes().splitlines()[4]
    with client_for(replay) as client:
        study = client.study(nct(5))
    assert study.raw == line and study.nct_id == nct(5)


def test_requests_carry_a_netpipeline_user_agent(replay):
    seen = []
    with client_for(replay) as client:
        client._http.event_hooks["request"].append(lambda request: seen.append(request.headers["User-Agent"]))
        client.version()
    assert seen and seen[0].startswith("netpipeline/")


def test_rate_limiter_allows_at_most_n_requests_in_any_window():
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    limiter = RateLimiter(3, window_s=60, clock=lambda: now[0], sleep=sleep)
    stamps = []
    for _ in range(7):
        limiter.acquire()
        stamps.append(now[0])
        now[0] += 1
    assert slept, "the fourth request must wait"
    for i in range(len(stamps) - 3):
        assert stamps[i + 3] - stamps[i] >= 60
