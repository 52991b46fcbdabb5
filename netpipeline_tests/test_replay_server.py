"""The replay server over real HTTP: protocol, query subset, paging quirks, real records, CLI
(faults: test_replay_faults.py)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from netpipeline.replay import ReplayServer
from netpipeline_tests.conftest import PROJECT_ROOT as REPO
from netpipeline_tests.conftest import SHARED_CTGOV as SHARED
from netpipeline_tests.factories import write_day_lines
from netpipeline_tests.replay_samples import (  # noqa: F401 (client, server, snapshots: fixtures)
    DAY1, DAY2, STUDIES, client, compact, ids, page_study_bytes, search, server, snapshots)


# --- protocol -------------------------------------------------------------------------------

def test_version_per_day_and_current_day(server, client):
    r = client.get(f"{server.url}/version")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.json() == {"apiVersion": "2.0.5", "dataTimestamp": f"{DAY2}T09:00:05"}  # latest day
    assert client.get(f"{server.day_url(DAY1)}/version").json()["dataTimestamp"] == f"{DAY1}T08:00:00"
    assert server.url_template.format(date=DAY1) == server.day_url(DAY1)
    server.set_current_day(DAY1)
    assert client.get(f"{server.url}/version").json()["dataTimestamp"] == f"{DAY1}T08:00:00"
    assert len(search(client, server)) == 5
    with pytest.raises(ValueError):
        server.set_current_day("2030-01-01")


def test_version_matches_spec_schema(server, client):
    jsonschema = pytest.importorskip("jsonschema")
    yaml = pytest.importorskip("yaml")
    if not (SHARED / "ctgov-openapi.yaml").exists():
        pytest.skip(f"OpenAPI spec not found under {SHARED}")
    schemas = yaml.safe_load((SHARED / "ctgov-openapi.yaml").read_text())["components"]["schemas"]
    jsonschema.validate(client.get(f"{server.url}/version").json(), schemas["Version"])
    paged = dict(schemas["PagedStudies"], properties=dict(schemas["PagedStudies"]["properties"],
                                                          studies={"type": "array"}))
    jsonschema.validate(client.get(f"{server.url}/studies", params={"countTotal": "true"}).json(), paged)


def test_unknown_day_and_unknown_path(server, client):
    r = client.get(f"{server.day_url('2030-01-01')}/studies")
    assert r.status_code == 404 and r.text == "no snapshot for day 2030-01-01"
    assert r.headers["content-type"].startswith("text/plain")
    assert client.get(f"{server.base}/nothing/here").status_code == 404
    assert client.get(f"{server.url}/studies/metadata").status_code == 404
    assert client.get(f"{server.url}/stats/size").status_code == 404


def test_studies_served_verbatim_and_single_study(server, client):
    page = client.get(f"{server.url}/studies", params={"pageSize": 1000})
    assert page_study_bytes(page) == [compact(s) for s in STUDIES]  # verbatim, escapes and all
    assert b"\\u00cele" in compact(STUDIES[5]) and b"1.50" in compact(STUDIES[5])
    r = client.get(f"{server.url}/studies/NCT00000004")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.content == compact(STUDIES[3])
    assert client.get(f"{server.url}/studies/nct4").content == compact(STUDIES[3])  # spec pattern
    missing = client.get(f"{server.url}/studies/NCT09999999")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/plain")
    assert client.get(f"{server.url}/studies/NOT-AN-ID").status_code == 400
    assert client.get(f"{server.day_url(DAY1)}/studies/NCT00000020").status_code == 404  # not that day


def test_paging_three_pages_with_tokens_and_count_total_on_first_page_only(server, client):
    params = {"query.cond": "hypertension OR neuroendocrine", "countTotal": "true", "pageSize": 4}
    expected = search(client, server, **{"query.cond": params["query.cond"]})
    assert len(expected) == 22  # 19 fillers + NCT1, NCT4 and the melanoma trial (MeSH ancestor)
    seen, pages, token = [], [], None
    while True:
        r = client.get(f"{server.url}/studies", params={**params, **({"pageToken": token} if token else {})})
        body = r.json()
        assert list(body) == (["totalCount"] if token is None else []) + ["studies"] + (
            ["nextPageToken"] if "nextPageToken" in body else [])
        if token is None:
            assert body["totalCount"] == 22
        pages.append(len(body["studies"]))
        seen += ids(r)
        token_before_last, token = token, body.get("nextPageToken")
        if token is None:
            break
    assert pages == [4, 4, 4, 4, 4, 2] and seen == expected
    last = server.request_log[-1]
    assert last.query["pageToken"] == token_before_last and last.status == 200 and last.faults == ()


def test_exactly_full_last_page_is_followed_by_an_empty_page(server, client):
    r = client.get(f"{server.url}/studies", params={"pageSize": 5})
    tokens, sizes = 0, [len(r.json()["studies"])]
    while "nextPageToken" in r.json():
        tokens += 1
        r = client.get(f"{server.url}/studies", params={"pageSize": 5, "pageToken": r.json()["nextPageToken"]})
        sizes.append(len(r.json()["studies"]))
    assert sizes == [5, 5, 5, 5, 5, 0] and tokens == 5
    assert r.json() == {"studies": []}
    assert r.content == b'{"studies":[]}'


def test_page_size_may_change_between_pages_and_is_coerced(server, client):
    first = client.get(f"{server.url}/studies", params={"pageSize": 3}).json()
    second = client.get(f"{server.url}/studies", params={"pageSize": 7, "pageToken": first["nextPageToken"]})
    assert ids(second) == [s["protocolSection"]["identificationModule"]["nctId"] for s in STUDIES[3:10]]
    assert len(search(client, server, pageSize=0)) == 10
    assert len(search(client, server, pageSize=5000)) == 25  # coerced to 1000, all fit
    for bad in ("-1", "ten"):
        r = client.get(f"{server.url}/studies", params={"pageSize": bad})
        assert r.status_code == 400 and "pageSize" in r.text


def test_token_with_changed_params_or_garbage_is_rejected(server, client):
    first = client.get(f"{server.url}/studies", params={"query.cond": "hypertension", "pageSize": 2}).json()
    token = first["nextPageToken"]
    same = client.get(f"{server.url}/studies", params={"query.cond": "hypertension", "pageToken": token})
    assert same.status_code == 200
    for params in ({"query.cond": "melanoma"}, {"query.cond": "hypertension", "sort": "StartDate"},
                   {"query.cond": "hypertension", "filter.overallStatus": "COMPLETED"}, {}):
        r = client.get(f"{server.url}/studies", params={**params, "pageToken": token})
        assert r.status_code == 400 and r.headers["content-type"].startswith("text/plain"), params
    # The day is part of the query: a token does not carry over to another day.
    assert client.get(f"{server.day_url(DAY1)}/studies",
                      params={"query.cond": "hypertension", "pageToken": token}).status_code == 400
    for garbage in ("abc", "!!!", token[:-2]):
        assert client.get(f"{server.url}/studies", params={"pageToken": garbage}).status_code == 400


def test_unknown_and_unsupported_parameters_are_400_text(server, client):
    r = client.get(f"{server.url}/studies", params={"query.bogus": "x"})
    assert r.status_code == 400 and "query.bogus" in r.text
    assert r.headers["content-type"].startswith("text/plain")
    r = client.get(f"{server.url}/studies", params={"fields": "NCTId"})
    assert r.status_code == 400 and "fields" in r.text
    r = client.get(f"{server.url}/studies", params={"format": "csv"})
    assert r.status_code == 400 and r.text == "csv format is not supported by the replay"
    assert client.get(f"{server.url}/studies", params={"markupFormat": "legacy"}).status_code == 400
    assert client.get(f"{server.url}/studies", params={"format": "json", "markupFormat": "markdown"}).status_code == 200
    assert client.get(f"{server.url}/version", params={"x": "1"}).status_code == 400
    assert client.get(f"{server.url}/studies", params={"query.term": "AREA[Phase]PHASE2"}).status_code == 400
    assert client.get(f"{server.url}/studies", params={"query.cond": '"unterminated'}).status_code == 400
    assert client.get(f"{server.url}/studies", params={"countTotal": "yes"}).status_code == 400


# --- query subset ---------------------------------------------------------------------------

def test_query_subset(server, client):
    q = lambda **p: sorted(search(client, server, **p))  # noqa: E731
    # MeSH ancestors count for query.cond, like the real API: the melanoma trial matches.
    assert q(**{"query.cond": "neuroendocrine"}) == ["NCT00000001", "NCT00000002", "NCT00000004"]
    # Word boundaries: NET matches NETs (plural) in a title, never "network".
    assert q(**{"query.term": "NET"}) == ["NCT00000001"]
    assert q(**{"query.titles": "network"}) == ["NCT00000003"]
    assert q(**{"query.cond": "tumor"}) == ["NCT00000001", "NCT00000002", "NCT00000006"]  # Tumors too
    assert q(**{"query.cond": "carcinoid OR melanoma"}) == ["NCT00000002", "NCT00000006"]
    assert q(**{"query.cond": "neuroendocrine AND pancreatic"}) == ["NCT00000004"]
    assert q(**{"query.cond": "neuroendocrine pancreatic"}) == ["NCT00000004"]  # juxtaposition = AND
    assert q(**{"query.cond": "neuroendocrine NOT melanoma"}) == ["NCT00000001", "NCT00000004"]
    assert q(**{"query.cond": "(carcinoid OR melanoma) AND NOT syndrome"}) == ["NCT00000002"]
    # A phrase keeps its words together and in order; unquoted words need only all be present.
    assert q(**{"query.cond": '"small cell"'}) == ["NCT00000005"]
    assert q(**{"query.cond": '"cell small"'}) == []
    assert q(**{"query.cond": '"small lung"'}) == []
    assert q(**{"query.cond": "lung small"}) == ["NCT00000005"]
    assert q(**{"query.cond": "NEUROENDOCRINE OR Carcinoid"}) == ["NCT00000001", "NCT00000002",
                                                                   "NCT00000004", "NCT00000006"]
    assert q(**{"query.intr": "lutathera OR rad001"}) == ["NCT00000001", "NCT00000004"]
    assert q(**{"query.spons": '"advanced accelerator"'}) == ["NCT00000001"]
    assert q(**{"query.spons": "ipsen"}) == ["NCT00000006"]
    assert q(**{"query.id": "IPSEN-NET-2020"}) == ["NCT00000006"]
    assert q(**{"query.id": "NCT00000003, NCT00000005"}) == ["NCT00000003", "NCT00000005"]
    assert q(**{"query.term": "everolimus"}) == ["NCT00000004"]          # intervention name
    assert q(**{"query.term": "social"}) == ["NCT00000003"]              # brief summary
    # Several query.* parameters combine with AND.
    assert q(**{"query.cond": "neuroendocrine", "query.titles": "melanoma"}) == ["NCT00000002"]


def test_filters(server, client):
    completed = search(client, server, **{"filter.overallStatus": "COMPLETED"})
    assert completed == [s["protocolSection"]["identificationModule"]["nctId"] for s in STUDIES
                         if s["protocolSection"]["statusModule"]["overallStatus"] == "COMPLETED"]
    both = search(client, server, **{"query.cond": "neuroendocrine", "filter.overallStatus": "COMPLETED|RECRUITING"})
    assert both == ["NCT00000001", "NCT00000002", "NCT00000004"]
    recruiting = {"query.cond": "neuroendocrine", "filter.overallStatus": "RECRUITING"}
    assert search(client, server, **recruiting) == ["NCT00000001"]
    assert search(client, server, **{"filter.ids": "NCT00000006,NCT2"}) == ["NCT00000002", "NCT00000006"]
    assert client.get(f"{server.url}/studies", params={"filter.overallStatus": "OPEN"}).status_code == 400
    # Spec: a query of only NCT IDs makes the filters ignored.
    assert search(client, server, **{"query.id": "NCT00000003", "filter.overallStatus": "COMPLETED"}) == ["NCT00000003"]


def test_sort_is_deterministic_with_missing_last(server, client):
    by_update = search(client, server, sort="LastUpdatePostDate")  # dates default to desc
    assert by_update[:3] == ["NCT00000001", "NCT00000002", "NCT00000005"]  # tie 1/2 in file order
    assert by_update == search(client, server, sort="LastUpdatePostDate:desc")
    asc = search(client, server, sort="EnrollmentCount")  # numbers default to asc
    counts = {s["protocolSection"]["identificationModule"]["nctId"]:
              s["protocolSection"].get("designModule", {}).get("enrollmentInfo", {}).get("count") for s in STUDIES}
    assert asc[0] == "NCT00000004" and [counts[i] for i in asc[-5:]] == [None] * 5
    desc = search(client, server, sort="EnrollmentCount:desc")
    assert desc[0] == "NCT00000001" and [counts[i] for i in desc[-5:]] == [None] * 5
    # Ties (NCT2 and NCT3 both enrol 50) keep file order in both directions.
    assert asc.index("NCT00000002") < asc.index("NCT00000003")
    assert desc.index("NCT00000002") < desc.index("NCT00000003")
    # Partial start dates ("2019", "2021-05") sort with full ones.
    start = search(client, server, sort="StartDate:asc,EnrollmentCount:desc")
    assert start[0] == "NCT00000002"
    # Paging a sorted query in small pages gives the same order as one big page.
    paged, token = [], None
    while True:
        params = {"sort": "StartDate:asc,EnrollmentCount:desc", "pageSize": 4}
        r = client.get(f"{server.url}/studies", params={**params, **({"pageToken": token} if token else {})})
        paged += ids(r)
        if not (token := r.json().get("nextPageToken")):
            break
    assert paged == start
    assert client.get(f"{server.url}/studies", params={"sort": "A,B,C"}).status_code == 400
    assert search(client, server, sort="@relevance") == search(client, server)

# --- real records -----------------------------------------------------------------------------

@pytest.fixture
def real_snapshots(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    studies_dir = SHARED / "studies"
    if not studies_dir.is_dir():
        pytest.skip(f"real ClinicalTrials.gov records not found at {studies_dir}")
    lines = {p.stem: p.read_bytes().rstrip(b"\r\n") for p in sorted(studies_dir.glob("NCT*.json"))}
    root = tmp_path / "real"
    write_day_lines(root, "2025-12-01", list(lines.values()))
    return root, lines


def test_real_records_are_served_byte_identical(real_snapshots, client):
    root, lines = real_snapshots
    with ReplayServer(root) as srv:
        served, token = {}, None
        while True:
            params = {"pageSize": 400, **({"pageToken": token} if token else {"countTotal": "true"})}
            r = client.get(f"{srv.url}/studies", params=params)
            body = r.json()
            for nct, raw in zip(ids(r), page_study_bytes(r)):
                served[nct] = raw
            if token is None:
                assert body["totalCount"] == len(lines)
            if not (token := body.get("nextPageToken")):
                break
        assert served == lines
        nct = next(iter(lines))
        assert client.get(f"{srv.url}/studies/{nct}").content == lines[nct]
        # Real records go through the query subset too.
        hits = ids(client.get(f"{srv.url}/studies", params={"query.cond": "prostate", "pageSize": 1000}))
        assert hits and all(b"prostate" in lines[h].lower() for h in hits)


def test_stop_closes_keep_alive_connections(snapshots, client):
    srv = ReplayServer(snapshots).start()
    url = srv.url
    assert client.get(f"{url}/version").status_code == 200  # leaves a pooled keep-alive connection
    srv.stop()
    with pytest.raises(httpx.TransportError):
        client.get(f"{url}/version")


# --- CLI --------------------------------------------------------------------------------------

def test_cli_serves_and_stops_on_sigterm(snapshots):
    proc = subprocess.Popen([sys.executable, "-m", "netpipeline.replay", "--snapshots", str(snapshots),
                             "--port", "0", "--day", DAY1, "--fault", '{"kind": "http_503", "path": "/version"}'],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        base = proc.stdout.readline().strip()
        template = proc.stdout.readline().strip()
        assert base.startswith("base URL: http://127.0.0.1:") and base.endswith("/api/v2")
        assert template.startswith("day URL template: ") and template.endswith("/replay/{date}/api/v2")
        url = base.split(": ", 1)[1]
        assert httpx.get(f"{url}/version", timeout=5).status_code == 503  # the --fault flag
        assert httpx.get(f"{url}/version", timeout=5).json()["dataTimestamp"] == f"{DAY1}T08:00:00"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
