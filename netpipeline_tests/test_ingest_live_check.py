"""`netpipeline-live-check` against the replay over real HTTP: what it prints when the API answers,
and how it fails (exit code, HTTP status, User-Agent) when refused, slow or garbled; once as the
installed console command in a child process."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from netpipeline.ingest import live_check
from netpipeline.replay import Fault, ReplayServer
from netpipeline.settings import DEFAULTS
from netpipeline_tests.test_replay_query_areas import STUDIES
from netpipeline_tests.factories import write_day_lines
from netpipeline_tests.replay_samples import DAY2, compact

UA = "acme-monitor/1.0 (ops@acme.example)"


@pytest.fixture
def replay(tmp_path):
    write_day_lines(tmp_path, DAY2, [compact(s) for s in STUDIES])
    with ReplayServer(tmp_path) as server:
        yield server


@pytest.fixture
def env(replay, monkeypatch):
    monkeypatch.setenv("NETPIPELINE_CTGOV_BASE_URL", replay.url_template)  # checked at the current-day URL
    monkeypatch.setenv("NETPIPELINE_USER_AGENT", UA)
    return replay


def test_ok_prints_data_date_total_user_agent_and_timings(env, capsys):
    assert live_check.main(["--timeout", "10"]) == 0
    out = capsys.readouterr().out
    assert f"User-Agent: {UA}" in out and f"data date {DAY2}" in out
    assert "totalCount 3 (first page 1 study)" in out  # the NET scope finds the 3 carcinoid/NET fixtures
    assert out.count(" ms") == 2 and out.rstrip().endswith("OK")
    versions = [r for r in env.request_log if r.path == "/api/v2/version"]
    pages = [r for r in env.request_log if r.path == "/api/v2/studies"]
    assert len(versions) == 1 and len(pages) == 1
    assert pages[0].query["pageSize"] == "1" and pages[0].query["countTotal"] == "true" and "query.cond" in pages[0].query


def test_a_firewall_refusal_names_403_and_fails_without_retrying(env, capsys):
    env.add_faults([Fault("firewall", path="/", times=-1, user_agent="^acme-monitor/")])
    assert live_check.main(["--timeout", "10"]) == live_check.EXIT_REFUSED
    err = capsys.readouterr().err
    assert "the site refused the client: HTTP 403" in err and "Access Denied" in err and "<" not in err
    assert "NETPIPELINE_USER_AGENT" in err and len(env.request_log) == 1


def test_a_version_outage_names_the_status(env, capsys):
    env.add_faults([Fault("http_503", path="/version")])
    assert live_check.main([]) == live_check.EXIT_REFUSED
    assert "HTTP 503" in capsys.readouterr().err


def test_a_slow_answer_times_out_within_the_budget(env, capsys):
    env.add_faults([Fault("slow", path="/studies", delay_s=5.0)])
    started = time.monotonic()
    assert live_check.main(["--timeout", "1.5"]) == live_check.EXIT_UNREACHABLE
    assert time.monotonic() - started < 3.0
    assert "timed out" in capsys.readouterr().err


@pytest.mark.parametrize("path", ["/version", "/studies"])
def test_a_malformed_answer_is_named(env, capsys, path):
    env.add_faults([Fault("malformed", path=path)])
    assert live_check.main([]) == live_check.EXIT_MALFORMED
    assert f"malformed answer from {env.url}{path}" in capsys.readouterr().err


def test_unreachable_and_bad_scope(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("NETPIPELINE_CTGOV_BASE_URL", "http://127.0.0.1:9/api/v2")  # discard port: refused
    assert live_check.main(["--timeout", "5"]) == live_check.EXIT_UNREACHABLE
    assert "could not reach http://127.0.0.1:9/api/v2/version" in capsys.readouterr().err
    monkeypatch.setenv("NETPIPELINE_SCOPE", str(tmp_path / "missing.yaml"))
    assert live_check.main([]) == 2


def test_the_installed_command_runs_as_a_child_process(replay):
    command = shutil.which("netpipeline-live-check", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("netpipeline-live-check is not installed in this environment: run `uv sync --frozen`")
    env = {"PATH": "/usr/bin:/bin", "NETPIPELINE_CTGOV_BASE_URL": replay.url}
    ok = subprocess.run([command, "--timeout", "20"], env=env, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert f"User-Agent: {DEFAULTS['NETPIPELINE_USER_AGENT']}" in ok.stdout and "totalCount 3" in ok.stdout
    replay.add_faults([Fault("firewall", path="/version", times=-1)])
    refused = subprocess.run([command], env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode == 1 and "HTTP 403" in refused.stderr and refused.stdout.startswith("base URL:")
