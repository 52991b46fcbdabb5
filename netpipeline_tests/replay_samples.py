"""The replay tests' studies: 25 searchable studies (six special, nineteen fillers) served as
exact bytes, the days they are served on, and the fixtures that serve them over real HTTP."""
from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from netpipeline.replay import ReplayServer
from netpipeline_tests.factories import write_day_lines

DAY1, DAY2 = "2026-11-17", "2026-11-18"


def searchable_study(nct: str, title: str, *, conditions=(), keywords=(), meshes=(), ancestors=(),
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
    searchable_study("NCT00000001", "Lutetium Lu 177 Dotatate in Gastroenteropancreatic NETs",
                     conditions=["Neuroendocrine Tumors"], keywords=["PRRT"], meshes=["Neuroendocrine Tumors"],
                     ancestors=["Neoplasms"], interventions=[("Lutetium Lu 177 dotatate", ["Lutathera"])],
                     sponsor="Novartis", collaborators=["Advanced Accelerator Applications"],
                     last_update="2026-03-01", start="2021-05", enrollment=200),
    # Melanoma sits under Neuroendocrine Tumors in MeSH: only its ancestors say "neuroendocrine".
    searchable_study("NCT00000002", "Pembrolizumab for Advanced Melanoma", conditions=["Melanoma"],
                     meshes=["Melanoma"], ancestors=["Neuroendocrine Tumors", "Neoplasms"],
                     status="COMPLETED", last_update="2026-03-01", start="2019", enrollment=50),
    # Neither "network" nor "cabinet" may match the term NET.
    searchable_study("NCT00000003", "A Caregiver Support Network", conditions=["Caregiver Burden"],
                     summary="Social network intervention, with a cabinet of resources.", status="ACTIVE_NOT_RECRUITING",
                     last_update="2025-07-15", start="2022-02-10", enrollment=50),
    searchable_study("NCT00000004", "Everolimus in Pancreatic Neuroendocrine Carcinoma",
                     conditions=["Pancreatic Neuroendocrine Carcinoma"], status="COMPLETED",
                     interventions=[("Everolimus", ["RAD001"])], last_update="2024-01-01", enrollment=10),
    searchable_study("NCT00000005", "Chemotherapy in Small Cell Lung Cancer",
                     conditions=["Small Cell Lung Carcinoma"],
                     last_update="2026-02-01", start="2023-01-01"),
    searchable_study("NCT00000006", "Octreotide for Carcinoid Syndrome", conditions=["Carcinoid Tumor"],
                     keywords=["carcinoid syndrome"], interventions=[("Octreotide LAR", [])],
                     sponsor="Ipsen Pharma \u00cele-de-France", org_id="IPSEN-NET-2020",
                     last_update="2025-01-01", enrollment=75),
]
FILLERS = [
    searchable_study(f"NCT{n:08d}", f"Blood Pressure Study {n}", conditions=["Hypertension"],
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


@pytest.fixture
def snapshots(tmp_path: Path) -> Path:
    root = tmp_path / "replay"
    write_day_lines(root, DAY1, [compact(s) for s in STUDIES[:5]], f"{DAY1}T08:00:00")
    write_day_lines(root, DAY2, [compact(s) for s in STUDIES], f"{DAY2}T09:00:05")
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
