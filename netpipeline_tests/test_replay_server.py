"""The replay server over real HTTP: protocol, query subset, paging quirks, faults, CLI."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from netpipeline.replay import FAULT_KINDS, Fault, ReplayServer, parse_faults

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "ctgov"
REPO = Path(__file__).resolve().parents[1]
DAY1, DAY2 = "2026-11-17", "2026-11-18"


# --- synthetic snapshots ------------------------------------------------------------------------

def make_study(nct: str, title: str, *, conditions=(), keywords=(), meshes=(), ancestors=(),
               status="RECRUITING", last_update="2026-01-01", first_post="2020-01-01", start=None,
               enrollment=None, interventions=(), sponsor="Acme Oncology", collaborators=(),
               org_id=None, summary="A study.") -> dict:
    status_module = {"overallStatus": status,
                     "studyFirstPostDateStruct": {"date": first_post, "type": "ACTUAL"},
                     "lastUpdatePostDateStruct": {"date": last_update, "type": "ACTUAL"}}
    if start:
        status_module["startDateStruct"] = {"date": start}
    ps = {
        "identificationModule": {"nctId": nct, "orgStudyIdInfo": {"id": org_id or f"ORG-{nct[-3:]}"},
                                 "briefTitle": title, "officialTitle": f"Official: {title}"},
        "statusModule": status_module,
        "sponsorCollaboratorsModule": {"leadSponsor": {"name": sponsor, "class": "INDUSTRY"},
                                       "collaborators": [{"name": c} for c in collaborators]},
        "descriptionModule": {"briefSummary": summary},
        "conditionsModule": {"conditions": list(conditions), "keywords": list(keywords)},
        "armsInterventionsModule": {"interventions": [
            {"type": "DRUG", "name": n, "otherNames": list(o)} for n, o in interventions]},
    }
    if enrollment is not None:
        ps["designModule"] = {"enrollmentInfo": {"count": enrollment, "type": "ACTUAL"}}
    derived = {"miscInfoModule": {"versionHolder": DAY2}, "conditionBrowseModule": {
        "meshes": [{"id": "D0", "term": t} for t in meshes],
        "ancestors": [{"id": "D1", "term": t} for t in ancestors]}}
    return {"protocolSection": ps, "derivedSection": derived, "hasResults": False}


SPECIAL = [
    make_study("NCT00000001", "Lutetium Lu 177 Dotatate in Gastroenteropancreatic NETs",
               conditions=["Neuroendocrine Tumors"], keywords=["PRRT"], meshes=["Neuroendocrine Tumors"],
               ancestors=["Neoplasms"], interventions=[("Lutetium Lu 177 dotatate", ["Lutathera"])],
               sponsor="Novartis", collaborators=["Advanced Accelerator Applications"],
               last_update="2026-03-01", start="2021-05", enrollment=200),
    # Melanoma sits under Neuroendocrine Tumors in MeSH: only its ancestors say "neuroendocrine".
    make_study("NCT00000002", "Pembrolizumab for Advanced Melanoma", conditions=["Melanoma"],
               meshes=["Melanoma"], ancestors=["Neuroendocrine Tumors", "Neoplasms"],
               status="COMPLETED", last_update="2026-03-01", start="2019", enrollment=50),
    # Neither "network" nor "cabinet" may match the term NET.
    make_study("NCT00000003", "A Caregiver Support Network", conditions=["Caregiver Burden"],
               summary="Social network intervention, with a cabinet of resources.", status="ACTIVE_NOT_RECRUITING",
               last_update="2025-07-15", start="2022-02-10", enrollment=50),
    make_study("NCT00000004", "Everolimus in Pancreatic Neuroendocrine Carcinoma",
               conditions=["Pancreatic Neuroendocrine Carcinoma"], status="COMPLETED",
               interventions=[("Everolimus", ["RAD001"])], last_update="2024-01-01", enrollment=10),
    make_study("NCT00000005", "Chemotherapy in Small Cell Lung Cancer",
               conditions=["Small Cell Lung Carcinoma"],
               last_update="2026-02-01", start="2023-01-01"),
    make_study("NCT00000006", "Octreotide for Carcinoid Syndrome", conditions=["Carcinoid Tumor"],
               keywords=["carcinoid syndrome"], interventions=[("Octreotide LAR", [])],
               sponsor="Ipsen Pharma \u00cele-de-France", org_id="IPSEN-NET-2020",
               last_update="2025-01-01", enrollment=75),
]
FILLERS = [
    make_study(f"NCT{n:08d}", f"Blood Pressure Study {n}", conditions=["Hypertension"],
               status=("RECRUITING", "COMPLETED", "TERMINATED")[n % 3],
               last_update=f"2025-{1 + n % 6:02d}-01", start=None if n % 4 == 0 else f"2020-{1 + n % 9:02d}",
               enrollment=None if n % 5 == 0 else 100 + (n % 7) * 10)
    for n in range(7, 26)
]
STUDIES = SPECIAL + FILLERS  # 25 studies, file order = this order


def compact(study: dict) -> bytes:
    # ASCII escapes (\u00ce) and a "1.50" float: bytes a re-serialising server would not reproduce.
    line = json.dumps(study, separators=(",", ":"), ensure_ascii=True).encode()
    return line.replace(b'"hasResults":false', b'"hasResults":false,"x":1.50') if b"NCT00000006" in line else line


def write_day(root: Path, day: str, lines: list[bytes], timestamp: str | None = None) -> None:
    folder = root / day
    folder.mkdir(parents=True)
    (folder / "version.json").write_text(json.dumps(
        {"apiVersion": "2.0.5", "dataTimestamp": timestamp or f"{day}T09:00:05"}))
    (folder / "studies.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    root = tmp_path / "replay"
    write_day(root, DAY1, [compact(s) for s in STUDIES[:5]], f"{DAY1}T08:00:00")
    write_day(root, DAY2, [compact(s) for s in STUDIES], f"{DAY2}T09:00:05")
    return root


@pytest.fixture
def server(snapshots: Path):
    with ReplayServer(snapshots) as srv:
        yield srv


@pytest.fixture
def client():
    with httpx.Client(timeout=5) as c:
        yield c


def ids(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [s["protocolSection"]["identificationModule"]["nctId"] for s in response.json()["studies"]]


def page_study_bytes(response: httpx.Response) -> list[bytes]:
    """Each study's exact bytes inside a page, sliced with raw_decode positions."""
    text, decoder = response.content.decode("utf-8"), json.JSONDecoder()
    pos, out = text.index('"studies":[') + len('"studies":['), []
    for _ in response.json()["studies"]:
        while text[pos] in " \n,":
            pos += 1
        _, end = decoder.raw_decode(text, pos)
        out.append(text[pos:end].encode("utf-8"))
        pos = end
    return out


def search(client: httpx.Client, server: ReplayServer, **params) -> list[str]:
    params.setdefault("pageSize", 1000)
    return ids(client.get(f"{server.url}/studies", params=params))


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


# --- faults ---------------------------------------------------------------------------------

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


# --- real records -----------------------------------------------------------------------------

@pytest.fixture
def real_snapshots(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    studies_dir = SHARED / "studies"
    if not studies_dir.is_dir():
        pytest.skip(f"real ClinicalTrials.gov records not found at {studies_dir}")
    lines = {p.stem: p.read_bytes().rstrip(b"\r\n") for p in sorted(studies_dir.glob("NCT*.json"))}
    root = tmp_path / "real"
    write_day(root, "2025-12-01", list(lines.values()))
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
