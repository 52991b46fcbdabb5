"""The vendored enums and the extracted JSON fields against the official spec; unknown values.

A typo in STUDY_JSON_TYPE would silently give NULLs (json_transform ignores unknown keys),
so every path it extracts is resolved in the spec here.
"""
from __future__ import annotations

import copy

import pytest
import yaml

from netpipeline.normalise import normalise_day
from netpipeline.normalise.api_enums import API_ENUMS
from netpipeline.normalise.enum_findings import ENUM_CHECKS
from netpipeline.normalise.study_json_type import STUDY_JSON_TYPE
from netpipeline.normalise.trials_schema import VERSION_TABLES
from netpipeline_tests.test_normalise_support import (
    DAY1, SPEC, new_warehouse, real_records, store_day,
)


@pytest.fixture(scope="module")
def schemas() -> dict:
    if not SPEC.is_file():
        pytest.skip(f"the API v2 OpenAPI spec is not at {SPEC} "
                    "(a checkout outside the team's machines)")
    return yaml.safe_load(SPEC.read_text())["components"]["schemas"]


def _resolve(schemas: dict, path: list[str]) -> dict:
    """The spec schema at a field path from Study; list levels are followed implicitly."""
    node = schemas["Study"]
    for key in path:
        while True:
            if "$ref" in node:
                node = schemas[node["$ref"].rsplit("/", 1)[1]]
            elif node.get("type") == "array":
                node = node["items"]
            else:
                break
        assert key in node.get("properties", {}), f"{'.'.join(path)}: no {key!r} in the spec"
        node = node["properties"][key]
    return node


def _enum_name(schemas: dict, node: dict) -> str | None:
    while node.get("type") == "array":
        node = node["items"]
    ref = node.get("$ref", "").rsplit("/", 1)[-1]
    return ref if ref and "enum" in schemas[ref] else None


def test_vendored_enums_equal_the_spec(schemas):
    for name, values in API_ENUMS.items():
        assert tuple(schemas[name]["enum"]) == values, name


def test_every_extracted_field_exists_in_the_spec(schemas):
    def walk(json_type, path):
        if isinstance(json_type, list):
            walk(json_type[0], path)
        elif isinstance(json_type, dict):
            for key, sub in json_type.items():
                _resolve(schemas, path + [key])
                walk(sub, path + [key])
    walk(STUDY_JSON_TYPE, [])


def test_enum_checks_name_the_spec_enum_of_their_field(schemas):
    for check in ENUM_CHECKS:
        node = _resolve(schemas, check.field.split("."))
        assert _enum_name(schemas, node) == check.enum, check.field
        assert check.column in dict(VERSION_TABLES[check.table]), check


def test_every_enum_field_extracted_is_checked(schemas):
    """Walk the extracted fields: each one the spec types as an enum must have a check."""
    checked = {check.field for check in ENUM_CHECKS}
    unchecked = []

    def walk(json_type, path):
        if isinstance(json_type, list):
            walk(json_type[0], path)
        elif isinstance(json_type, dict):
            for key, sub in json_type.items():
                walk(sub, path + [key])
        elif _enum_name(schemas, _resolve(schemas, path)) and ".".join(path) not in checked:
            unchecked.append(".".join(path))
    walk(STUDY_JSON_TYPE, [])
    assert unchecked == []


def test_unknown_enum_values_are_kept_and_reported(tmp_path):
    records = real_records()
    record = copy.deepcopy(records["NCT02178761"])  # has sites and interventions
    protocol = record["protocolSection"]
    protocol["statusModule"]["overallStatus"] = "PAUSED_FOR_REVIEW"
    protocol["designModule"]["phases"] = ["PHASE2", "PHASE5"]
    protocol["contactsLocationsModule"]["locations"][0]["status"] = "ON_HOLD"
    protocol["armsInterventionsModule"]["interventions"][0]["type"] = 7  # not even a string
    untouched = records["NCT00000410"]
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY1, [record, untouched])

    result = normalise_day(con, DAY1)

    assert result.enum_findings == 4
    findings = set(con.execute("SELECT nct_id, field, value FROM trials.enum_findings").fetchall())
    assert findings == {
        ("NCT02178761", "protocolSection.statusModule.overallStatus", "PAUSED_FOR_REVIEW"),
        ("NCT02178761", "protocolSection.designModule.phases", "PHASE5"),
        ("NCT02178761", "protocolSection.contactsLocationsModule.locations.status", "ON_HOLD"),
        ("NCT02178761", "protocolSection.armsInterventionsModule.interventions.type", "7"),
    }
    status, phases, label = con.execute(
        "SELECT overall_status, phases, phase_label FROM trials.studies "
        "WHERE nct_id = 'NCT02178761'").fetchall()[0]
    assert (status, phases, label) == ("PAUSED_FOR_REVIEW", ["PHASE2", "PHASE5"], "Phase 2/5")
    assert con.execute("SELECT status FROM trials.facilities WHERE nct_id = 'NCT02178761' "
                       "AND facility_id = 1").fetchall() == [("ON_HOLD",)]
    first_intervention = con.execute("SELECT intervention_type FROM trials.interventions "
                                     "WHERE nct_id = 'NCT02178761' AND intervention_id = 1")
    assert first_intervention.fetchall() == [("7",)]
