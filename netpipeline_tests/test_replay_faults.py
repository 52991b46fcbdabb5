"""The replay server's fault injection over real HTTP: status codes, slowness, dropped and
truncated responses, page mutations, faults given as JSON and through the control endpoints."""
from __future__ import annotations

import json
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from netpipeline.replay import FAULT_KINDS, Fault, parse_faults
from netpipeline_tests.replay_samples import (  # noqa: F401 (client, server, snapshots: fixtures)
    DAY1, DAY2, client, ids, server, snapshots)


def test_fault_status_codes_retry_after_and_times_skip(server, client):
    server.add_faults([Fault("http_429", retry_after=7)])
    r = client.get(f"{server.url}/studies")
    assert r.status_code == 429 and r.headers["Retry-After"] == "7"
    assert client.get(f"{server.url}/studies").status_code == 200  # times=1 by default
    server.add_faults([Fault("http_503", times=2, skip=1)])
    assert [client.get(f"{server.url}/studies").status_code for _ in range(4)] == [200, 503, 503, 200]
    server.add_faults([Fault("http_500", path="/version", times=-1)])
    assert [client.get(f"{server.url}/version").status_code for _ in range(3)] == [500] * 3
    assert client.get(f"{server.url}/studies").status_code == 200  # other paths untouched
    server.clear_faults()
    assert client.get(f"{server.url}/version").status_code == 200
    log = [rec for rec in server.request_log if rec.faults]
    assert [(rec.status, rec.faults) for rec in log[:2]] == [(429, ("http_429",)), (503, ("http_503",))]


def test_fault_slow_triggers_client_timeout(server, client):
    server.add_faults([Fault("slow", delay_s=0.6, times=2)])
    with pytest.raises(httpx.ReadTimeout):
        client.get(f"{server.url}/studies", timeout=0.2)
    started = time.monotonic()
    assert client.get(f"{server.url}/studies", timeout=5).status_code == 200
    assert time.monotonic() - started >= 0.55
    started = time.monotonic()
    client.get(f"{server.url}/studies")
    assert time.monotonic() - started < 0.5


def test_fault_drop_closes_without_response(server, client):
    server.add_faults([Fault("drop")])
    with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
        client.get(f"{server.url}/studies")
    assert client.get(f"{server.url}/studies").status_code == 200
    assert server.request_log[0].status is None and server.request_log[0].faults == ("drop",)


def test_fault_truncate_sends_half_the_promised_body(server, client):
    server.add_faults([Fault("truncate", times=2)])
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(f"{server.url}/studies")
    # With a raw socket: full Content-Length announced, half the body, then EOF.
    host, port = urlsplit(server.base).hostname, urlsplit(server.base).port
    with socket.create_connection((host, port), timeout=5) as sock:
        sock.sendall(f"GET /api/v2/studies HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        raw = b""
        while chunk := sock.recv(65536):
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    length = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0].split(b":")[1])
    assert len(body) == length // 2 and length > 100
    with pytest.raises(json.JSONDecodeError):
        json.loads(body)
    assert client.get(f"{server.url}/studies").status_code == 200


def test_fault_page_mutations(server, client):
    params = {"countTotal": "true"}
    server.add_faults([Fault("wrong_total", amount=3)])
    assert client.get(f"{server.url}/studies", params=params).json()["totalCount"] == 28
    server.add_faults([Fault("missing_study")])
    body = client.get(f"{server.url}/studies", params=params).json()
    assert body["totalCount"] == 25 and len(body["studies"]) == 9 and "nextPageToken" in body
    server.add_faults([Fault("duplicate_study")])
    got = ids(client.get(f"{server.url}/studies", params=params))
    assert len(got) == 11 and got[-1] == got[0] == "NCT00000001"
    assert ids(client.get(f"{server.url}/studies")) == got[:10]  # faults spent


def test_faults_parse_from_json_and_control_endpoints(server, client):
    assert parse_faults('{"kind": "http_503", "times": 2}') == [Fault("http_503", times=2)]
    assert parse_faults([{"kind": "slow", "delay_s": 1}])[0].delay_s == 1
    for bad in ('{"kind": "nope"}', '{"kind": "http_503", "colour": 1}', '{"kind": "wrong_total"}',
                '{"kind": "http_503", "times": 0}', "not json"):
        with pytest.raises(ValueError):
            parse_faults(bad)
    assert set(FAULT_KINDS) >= {"http_429", "drop", "truncate", "duplicate_study"}
    r = client.post(f"{server.base}/_replay/faults", content=json.dumps([{"kind": "http_503", "path": "/version"}]))
    assert r.status_code == 200 and r.json()["faults"][0]["kind"] == "http_503"
    assert client.get(f"{server.url}/version").status_code == 503
    client.post(f"{server.base}/_replay/faults", content='[{"kind": "http_500", "times": -1}]')
    assert client.get(f"{server.url}/studies").status_code == 500
    assert client.delete(f"{server.base}/_replay/faults").json() == {"faults": []}
    assert client.get(f"{server.url}/studies").status_code == 200
    assert client.post(f"{server.base}/_replay/faults", content='{"kind": "bad"}').status_code == 400
    r = client.post(f"{server.base}/_replay/current-day", content=DAY1)
    assert r.status_code == 200 and server.current_day == DAY1
    assert client.get(f"{server.url}/version").json()["dataTimestamp"] == f"{DAY1}T08:00:00"
    assert client.post(f"{server.base}/_replay/current-day", content="2030-01-01").status_code == 404
    assert client.get(f"{server.base}/_replay/state").json()["days"] == [DAY1, DAY2]
