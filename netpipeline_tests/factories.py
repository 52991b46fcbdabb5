"""Small, spec-shaped synthetic studies and replay snapshot folders for tests."""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson


def make_study(nct_id: str, day: str = "2026-11-18", **overrides: Any) -> dict[str, Any]:
    """A minimal API v2 study; `overrides` are dotted paths, e.g. {"statusModule.overallStatus": "COMPLETED"}."""
    study: dict[str, Any] = {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": f"Study {nct_id} in pancreatic neuroendocrine tumors",
                                     "organization": {"fullName": "Test Org", "class": "OTHER"}},
            "statusModule": {"overallStatus": "RECRUITING", "startDateStruct": {"date": "2025-03", "type": "ACTUAL"},
                             "primaryCompletionDateStruct": {"date": "2027-06-30", "type": "ESTIMATED"},
                             "lastUpdatePostDateStruct": {"date": "2026-10-01", "type": "ACTUAL"}},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": "Test Sponsor", "class": "INDUSTRY"}},
            "conditionsModule": {"conditions": ["Pancreatic Neuroendocrine Tumor"]},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE2"],
                             "enrollmentInfo": {"count": 40, "type": "ESTIMATED"}},
            "armsInterventionsModule": {"interventions": [{"type": "DRUG", "name": "Octreotide LAR"}]},
            "eligibilityModule": {"eligibilityCriteria": "Inclusion Criteria:\n\n* Ki-67 \\<= 20%\n\nExclusion Criteria:\n\n* None",
                                  "sex": "ALL", "minimumAge": "18 Years"},
            "contactsLocationsModule": {"locations": [
                {"facility": "Mayo Clinic", "city": "Rochester", "state": "Minnesota", "country": "United States",
                 "status": "RECRUITING", "geoPoint": {"lat": 44.0121, "lon": -92.4802}}]},
        },
        "derivedSection": {
            "miscInfoModule": {"versionHolder": day},
            "conditionBrowseModule": {
                "meshes": [{"id": "D018358", "term": "Neuroendocrine Tumors"}],
                "browseLeaves": [{"id": "M1", "name": "Neuroendocrine Tumors", "asFound": "Neuroendocrine", "relevance": "HIGH"},
                                 {"id": "M2", "name": "Neoplasms", "relevance": "LOW"}],
                "browseBranches": [{"abbrev": "BC04", "name": "Neoplasms"}, {"abbrev": "All", "name": "All Conditions"}],
            },
        },
        "hasResults": False,
    }
    for path, value in overrides.items():
        node = study["protocolSection"] if not path.startswith(("derivedSection", "hasResults")) else study
        keys = path.split(".")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    return study


def write_day(snapshots: Path, day: str, studies: list[dict[str, Any]], data_timestamp: str | None = None) -> Path:
    """A replay day of `studies`, each with `versionHolder` set to the day as the API does."""
    lines = []
    for study in studies:
        study = copy.deepcopy(study)
        study.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["versionHolder"] = day
        lines.append(orjson.dumps(study))
    return write_day_lines(snapshots, day, lines, data_timestamp)


def write_day_lines(snapshots: Path, day: str, lines: list[bytes], data_timestamp: str | None = None) -> Path:
    """A replay day folder (`version.json`, `studies.jsonl`) serving exactly these study lines."""
    folder = snapshots / day
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "version.json").write_bytes(orjson.dumps({"apiVersion": "2.0.5", "dataTimestamp": data_timestamp or f"{day}T09:00:05"}))
    (folder / "studies.jsonl").write_bytes(b"".join(line + b"\n" for line in lines))
    return folder


def nct(n: int) -> str:
    return f"NCT{n:08d}"
