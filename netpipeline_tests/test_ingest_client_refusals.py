"""The client against refusals and republished data, over real HTTP against the replay: a
firewall's 403 page is retried with backoff and, when it persists, reported with the User-Agent
and the start of the page; NETPIPELINE_USER_AGENT reaches the wire; a refresh during a pull is
recognised as such."""
from __future__ import annotations

import httpx
import pytest
from dagster import EnvVar

from netpipeline.ingest.client import (USER_AGENT, CtgovClient, CtgovClientError, CtgovRefusedError,
                                       DataVersionChangedError, body_excerpt)
from netpipeline.orchestration.resources import CtgovApiResource
from netpipeline.replay import Fault
from netpipeline.settings import DEFAULTS, setting
from netpipeline_tests.conftest import REPLAY_DAY

DAY = REPLAY_DAY  # served by conftest's `replay` fixture


def client_for(replay, sleeps: list[float], **kwargs) -> CtgovClient:
    return CtgovClient(replay.url, requests_per_minute=10_000, timeout_s=2.0, sleep=sleeps.append, **kwargs)


def test_a_few_firewall_refusals_are_retried_with_backoff(replay):
    replay.add_faults([Fault("firewall", path="/", times=3, skip=1)])  # page 1 ok, then 3 refusals
    sleeps: list[float] = []
    with client_for(replay, sleeps, backoff_base_s=1.0) as client:
        pull = client.pull({"format": "json"}, page_size=10)
    assert len(pull.studies) == 25 and client.stats.retries == 3
    assert [r.status for r in replay.request_log][:5] == [200, 403, 403, 403, 200]
    # Exponential with equal jitter: attempt n waits between 2^(n-1)/2 and 2^(n-1) seconds.
    assert [0.5 <= sleeps[0] <= 1, 1 <= sleeps[1] <= 2, 2 <= sleeps[2] <= 4] == [True] * 3


def test_a_persistent_refusal_says_the_site_refused_us_and_names_the_user_agent(replay):
    replay.add_faults([Fault("firewall", path="/", times=-1)])
    sleeps: list[float] = []
    with client_for(replay, sleeps, max_retries=3) as client, pytest.raises(CtgovRefusedError) as caught:
        client.version()
    message = str(caught.value)
    assert "refused the client (HTTP 403) 4 times" in message
    assert repr(USER_AGENT) in message and "NETPIPELINE_USER_AGENT" in message
    excerpt = message.split("the answer starts: ")[1]
    assert excerpt.startswith('"Access Denied Access Denied You don\'t have permission to access "/api/v2/version"')
    assert "<" not in excerpt
    assert len(sleeps) == 3 and len(replay.request_log) == 4


def test_the_user_agent_setting_reaches_the_wire_and_can_dodge_a_rule(replay, monkeypatch):
    assert USER_AGENT == DEFAULTS["NETPIPELINE_USER_AGENT"] and USER_AGENT.startswith("netpipeline/0.")
    # A rule against the default User-Agent only: the override gets through.
    replay.add_faults([Fault("firewall", path="/", times=-1, user_agent="^netpipeline/")])
    monkeypatch.setenv("NETPIPELINE_USER_AGENT", "acme-trials-monitor/2.0 (ops@acme.example)")
    resource = CtgovApiResource(base_url=replay.url, scope_file=DEFAULTS["NETPIPELINE_SCOPE"],
                                user_agent=EnvVar("NETPIPELINE_USER_AGENT")).process_config_and_initialize()
    with resource.client(replay.url) as client:
        assert client.version().data_date.isoformat() == DAY
    with CtgovClient(replay.url, max_retries=0) as default, pytest.raises(CtgovRefusedError, match="netpipeline/"):
        default.version()
    assert setting("NETPIPELINE_USER_AGENT") == "acme-trials-monitor/2.0 (ops@acme.example)"
    with pytest.raises(ValueError, match="User-Agent"):
        CtgovClient(replay.url, user_agent="two\nlines")


def test_a_refresh_during_a_pull_is_reported_as_a_new_data_version(replay):
    sleeps: list[float] = []
    with client_for(replay, sleeps) as client:
        before = client.version()
        replay.add_faults([Fault("refresh", skip=1)])  # the second page finds the day republished
        with pytest.raises(DataVersionChangedError) as caught:
            list(client.iter_pages({"format": "json"}, 10, data_version=before))
        assert caught.value.old == before and caught.value.new.data_date == before.data_date
        assert caught.value.new.data_timestamp > before.data_timestamp
        assert "republished its data during the pull" in str(caught.value)
        # Without the version the pull started from, a stale token is just a refused request.
        first = client.version()
        replay.add_faults([Fault("refresh", skip=1)])
        with pytest.raises(CtgovClientError) as plain:
            list(client.iter_pages({"format": "json"}, 10))
        assert not isinstance(plain.value, DataVersionChangedError) and "HTTP 400" in str(plain.value)
        assert client.version() != first


def test_body_excerpt_collapses_html_to_one_trimmed_line():
    page = (b"<html><head><style>h1 {color: red}</style><script>var x = '<b>';</script></head>\n"
            b"<body><h1>Access&nbsp;Denied</h1>\n\n<p>Reference #18.abc</p>" + b"x" * 500 + b"</body></html>")
    excerpt = body_excerpt(httpx.Response(403, content=page), limit=60)
    assert excerpt.startswith("Access Denied Reference #18.abc xxx") and len(excerpt) == 60 and excerpt.endswith("…")
    assert body_excerpt(httpx.Response(403, content=b"plain refusal\n")) == "plain refusal"
