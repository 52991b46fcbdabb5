"""The demo replay snapshots: reproducible, valid API v2 records, and the planned edits really in the data."""
from __future__ import annotations

import copy
import functools
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from netpipeline.changes.event_types import EVENT_TYPES as CHANGE_EVENT_TYPES
from netpipeline.demo import generate as demo
from netpipeline.ingest.content_hash import content_hash

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REPLAY_DIR = PROJECT_ROOT / "data" / "replay"
SHARED_CTGOV = PROJECT_ROOT.parent / "shared" / "ctgov"
SPEC_PATH = SHARED_CTGOV / "ctgov-openapi.yaml"

needs_spec = pytest.mark.skipif(not SPEC_PATH.exists(), reason=f"real CT.gov material not found at {SHARED_CTGOV} "
                                "(the API spec is needed to validate records)")

# The ten named programmes and their day-1 state (the brief's table)
NAMED_PROGRAMS = {
    "NCT06943755": ("Exelixis", "INDUSTRY", ["PHASE2", "PHASE3"], "RECRUITING", "Zanzalintinib"),
    "NCT07037420": ("Alexion Pharmaceuticals, Inc.", "INDUSTRY", ["PHASE2"], "RECRUITING", "ALXN2420"),
    "NCT06788938": ("Jonsson Comprehensive Cancer Center", "OTHER", ["PHASE2"], "RECRUITING", "Tarlatamab"),
    "NCT05773274": ("National Cancer Institute (NCI)", "NIH", ["PHASE2"], "RECRUITING", "Lutetium Lu 177 Dotatate"),
    "NCT06955169": ("RTOG Foundation, Inc.", "NETWORK", ["PHASE2"], "RECRUITING", "Lutetium Lu 177 Dotatate"),
    "NCT05746208": ("University of California, San Francisco", "OTHER", ["PHASE2"], "RECRUITING", "Lenvatinib"),
    "NCT06161532": ("National Cancer Institute (NCI)", "NIH", ["PHASE2"], "RECRUITING", "Sacituzumab Govitecan"),
    "NCT04665739": ("National Cancer Institute (NCI)", "NIH", ["PHASE2"], "RECRUITING", "Lutetium Lu 177 Dotatate"),
    "NCT05058651": ("National Cancer Institute (NCI)", "NIH", ["PHASE2", "PHASE3"], "RECRUITING", "Atezolizumab"),
    "NCT00569127": ("National Cancer Institute (NCI)", "NIH", ["PHASE3"], "ACTIVE_NOT_RECRUITING", "Bevacizumab"),
}

EVENT_TYPES = set(CHANGE_EVENT_TYPES)


@functools.cache
def committed_days() -> dict[str, list[dict[str, Any]]]:
    return {day: [orjson.loads(line) for line in (REPLAY_DIR / day / "studies.jsonl").read_bytes().splitlines()]
            for day in demo.DAYS}


def by_id(day: str) -> dict[str, dict[str, Any]]:
    return {study["protocolSection"]["identificationModule"]["nctId"]: study for study in committed_days()[day]}


def previous(day: str) -> str:
    return demo.DAYS[demo.DAYS.index(day) - 1]


# --- reproducibility and file format ------------------------------------------------------------

def test_regeneration_is_byte_identical_to_committed_files(tmp_path: Path) -> None:
    demo.generate(tmp_path)
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    committed = sorted(p.relative_to(REPLAY_DIR) for p in REPLAY_DIR.rglob("*") if p.is_file())
    assert generated == committed
    for relative in generated:
        assert (tmp_path / relative).read_bytes() == (REPLAY_DIR / relative).read_bytes(), relative


def test_files_are_compact_sorted_utf8_jsonl_with_trailing_newline() -> None:
    for day in demo.DAYS:
        raw = (REPLAY_DIR / day / "studies.jsonl").read_bytes()
        raw.decode("utf-8")
        assert raw.endswith(b"\n") and not raw.endswith(b"\n\n")
        lines = raw.splitlines()
        assert all(line == orjson.dumps(orjson.loads(line)) for line in lines)
        ids = [orjson.loads(line)["protocolSection"]["identificationModule"]["nctId"] for line in lines]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)
        version = orjson.loads((REPLAY_DIR / day / "version.json").read_bytes())
        assert version == {"apiVersion": "2.0.5", "dataTimestamp": f"{day}T09:00:05"}


def test_build_days_matches_committed_records_and_returns_fresh_copies() -> None:
    days = demo.build_days()
    assert list(days) == list(demo.DAYS)
    assert days == committed_days()
    days[demo.DAYS[0]].clear()
    assert demo.build_days()[demo.DAYS[0]], "build_days must not hand out its cached lists"


# --- validity against the official spec -----------------------------------------------------------

def _object_schemas(node: Any):
    if isinstance(node, dict):
        if node.get("type") == "object" and "properties" in node:
            yield node
        for value in node.values():
            yield from _object_schemas(value)
    elif isinstance(node, list):
        for value in node:
            yield from _object_schemas(value)


@functools.cache
def study_validator(strict: bool):
    """A jsonschema validator for the spec's `Study`; `$ref: #/components/schemas/X` resolve in the spec.

    strict=True also forbids keys the spec does not declare (real records carry some undocumented
    keys, so only our generated records are held to that)."""
    from jsonschema import Draft202012Validator, FormatChecker
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    schemas = copy.deepcopy(yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))["components"]["schemas"])
    if strict:
        for schema in _object_schemas(schemas):
            schema.setdefault("additionalProperties", False)
    registry = Registry().with_resource("urn:ctgov-openapi",
                                        DRAFT202012.create_resource({"components": {"schemas": schemas}}))
    return Draft202012Validator({"$ref": "urn:ctgov-openapi#/components/schemas/Study"}, registry=registry,
                                format_checker=FormatChecker())


def _errors(validator, study: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(study)][:5]


@needs_spec
def test_validator_accepts_real_records_and_rejects_broken_ones() -> None:
    validator = study_validator(False)
    paths = sorted((SHARED_CTGOV / "studies").glob("NCT*.json"))[::100]
    assert len(paths) >= 5
    for path in paths:
        assert _errors(validator, orjson.loads(path.read_bytes())) == [], path.name
    broken = orjson.loads(paths[0].read_bytes())
    broken["protocolSection"]["statusModule"]["overallStatus"] = "OPEN"
    assert _errors(validator, broken)


@needs_spec
def test_every_generated_record_is_a_valid_study_with_only_declared_keys() -> None:
    validator = study_validator(True)
    for day, studies in committed_days().items():
        for study in studies:
            nct_id = study["protocolSection"]["identificationModule"]["nctId"]
            assert _errors(validator, study) == [], f"{day} {nct_id}"
    misspelt = copy.deepcopy(committed_days()[demo.DAYS[0]][0])
    misspelt["protocolSection"]["statusModule"]["overalStatus"] = "RECRUITING"
    assert _errors(validator, misspelt), "the strict validator must reject keys the spec does not declare"


# --- content -------------------------------------------------------------------------------------

def test_each_day_has_a_large_universe_and_the_version_holder_is_the_day() -> None:
    for day, studies in committed_days().items():
        assert len(studies) >= 60
        assert {s["derivedSection"]["miscInfoModule"]["versionHolder"] for s in studies} == {day}
        assert all(s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["date"] <= day for s in studies)


def test_named_programmes_have_their_sponsor_phases_status_and_drug_on_day_one() -> None:
    studies = by_id(demo.DAYS[0])
    for nct_id, (sponsor, agency_class, phases, status, drug) in NAMED_PROGRAMS.items():
        protocol = studies[nct_id]["protocolSection"]
        assert protocol["sponsorCollaboratorsModule"]["leadSponsor"] == {"name": sponsor, "class": agency_class}
        assert protocol["designModule"]["phases"] == phases
        assert protocol["statusModule"]["overallStatus"] == status
        assert drug in [i["name"] for i in protocol["armsInterventionsModule"]["interventions"]], nct_id


def test_universe_covers_the_shapes_downstream_code_must_handle() -> None:
    studies = committed_days()[demo.DAYS[0]]
    protocols = [s["protocolSection"] for s in studies]
    statuses = {p["statusModule"]["overallStatus"] for p in protocols}
    assert statuses >= {"RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED",
                        "WITHDRAWN", "SUSPENDED", "ENROLLING_BY_INVITATION", "UNKNOWN"}
    phase_sets = {tuple(p["designModule"].get("phases", ())) for p in protocols}
    assert phase_sets >= {("PHASE1",), ("PHASE1", "PHASE2"), ("PHASE2",), ("PHASE2", "PHASE3"), ("PHASE3",),
                          ("PHASE4",), ("NA",), ()}
    observational = [p for p in protocols if p["designModule"]["studyType"] == "OBSERVATIONAL"]
    assert observational and all("phases" not in p["designModule"] for p in observational)
    classes = {p["sponsorCollaboratorsModule"]["leadSponsor"]["class"] for p in protocols}
    assert classes >= {"NIH", "FED", "OTHER_GOV", "INDIV", "INDUSTRY", "NETWORK", "OTHER"}
    dates = [p["statusModule"][k] for p in protocols for k in ("startDateStruct", "completionDateStruct")
             if k in p["statusModule"]]
    assert {len(d["date"]) for d in dates} == {4, 7, 10}
    assert any("type" not in d for d in dates)
    locations = [loc for p in protocols for loc in p.get("contactsLocationsModule", {}).get("locations", [])]
    assert 0 < sum("status" in loc for loc in locations) < len(locations)
    assert {loc["country"] for loc in locations} >= {"United States", "France", "Germany", "Japan", "China"}
    assert sum(len(p.get("contactsLocationsModule", {}).get("locations", [])) >= 20 for p in protocols) >= 5
    assert sum(s["hasResults"] for s in studies) >= 2


def test_mesh_neighbours_and_unknown_drug_are_present() -> None:
    studies = committed_days()[demo.DAYS[0]]

    def ancestors(study: dict[str, Any]) -> set[str]:
        return {a["term"] for a in study["derivedSection"]["conditionBrowseModule"].get("ancestors", [])}

    def conditions(study: dict[str, Any]) -> str:
        return " ".join(study["protocolSection"]["conditionsModule"]["conditions"]).lower()

    melanoma = [s for s in studies if "melanoma" in conditions(s)]
    sclc = [s for s in studies if "small cell lung cancer" in conditions(s) and "neuroendocrine" not in conditions(s)]
    assert melanoma and sclc
    assert all("Neuroendocrine Tumors" in ancestors(s) for s in melanoma + sclc)
    drug_names = [i["name"] for s in studies for i in s["protocolSection"]["armsInterventionsModule"]["interventions"]]
    assert "NX-4417" in drug_names


def test_eligibility_text_carries_the_api_markdown_escapes() -> None:
    raw = (REPLAY_DIR / demo.DAYS[0] / "studies.jsonl").read_bytes()
    for escaped in (rb"Ki-67 index \\<= 20%", rb"Krenning score \\>= 3", rb"mm\\^3"):
        assert escaped in raw
    criteria = by_id(demo.DAYS[0])["NCT06943755"]["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
    assert re.match(r"Inclusion Criteria:\n\n1\. .+\n\nExclusion Criteria:\n\n1\. ", criteria, re.S)


# --- planned changes ---------------------------------------------------------------------------------

def _find_location(study: dict[str, Any], facility: str, city: str) -> dict[str, Any] | None:
    locations = study["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
    found = [loc for loc in locations if loc["facility"] == facility and loc["city"] == city]
    assert len(found) <= 1
    return found[0] if found else None


def _observed(study: dict[str, Any] | None, change: dict[str, Any], side: str) -> Any:
    """What the record shows for a planned change's field, read independently of the generator."""
    if study is None:
        return None
    protocol = study["protocolSection"]
    kind, details = change["event_type"], change.get("details", {})
    if kind in ("new_trial", "left_scope", "title_changed"):
        return protocol["identificationModule"]["briefTitle"]
    if kind == "status_changed":
        return protocol["statusModule"]["overallStatus"]
    if kind == "phase_changed":
        return protocol["designModule"]["phases"]
    if kind == "enrollment_changed":
        return protocol["designModule"]["enrollmentInfo"][change["field"].removeprefix("enrollment_")]
    if kind in ("site_added", "site_removed"):
        location = _find_location(study, change["old"] or change["new"], details["city"])
        return location and location["facility"]
    if kind == "site_status_changed":
        return _find_location(study, details["facility"], details["city"]).get("status")
    if kind == "eligibility_changed":
        text = protocol["eligibilityModule"]["eligibilityCriteria"]
        return change[side] if change[side] in text else None
    if kind == "date_changed":
        struct = {"start_date": "startDateStruct", "primary_completion_date": "primaryCompletionDateStruct",
                  "completion_date": "completionDateStruct"}[change["field"]]
        return protocol["statusModule"][struct]["date"]
    if kind in ("intervention_added", "intervention_removed"):
        names = [i["name"] for i in protocol["armsInterventionsModule"]["interventions"]]
        return change["old"] or change["new"] if (change["old"] or change["new"]) in names else None
    if kind in ("arm_added", "arm_removed"):
        labels = [a["label"] for a in protocol["armsInterventionsModule"]["armGroups"]]
        return change["old"] or change["new"] if (change["old"] or change["new"]) in labels else None
    if kind == "sponsor_changed":
        return protocol["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    if kind == "results_posted":
        return study["hasResults"]
    raise AssertionError(f"unknown event type {kind}")


def test_planned_changes_cover_every_event_type_on_both_days() -> None:
    # scope drift and reclassification need a registry or rules change (test_changes_changelog,
    # test_pipeline_rules_version), not demo days
    assert {c["event_type"] for c in demo.PLANNED_CHANGES} == EVENT_TYPES - {"entered_scope", "reclassified"}
    assert {c["day"] for c in demo.PLANNED_CHANGES} == set(demo.DAYS[1:])
    for day in demo.DAYS[1:]:
        assert len({c["event_type"] for c in demo.PLANNED_CHANGES if c["day"] == day}) >= 8


def test_every_planned_change_shows_old_value_before_and_new_value_on_its_day() -> None:
    for change in demo.PLANNED_CHANGES:
        before = by_id(previous(change["day"])).get(change["nct_id"])
        after = by_id(change["day"]).get(change["nct_id"])
        assert _observed(before, change, "old") == change["old"], change
        assert _observed(after, change, "new") == change["new"], change
        if after is not None:
            assert after["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] == {
                "date": change["day"], "type": "ACTUAL"}, change


def test_eligibility_edits_sit_in_the_section_they_claim() -> None:
    edits = [c for c in demo.PLANNED_CHANGES if c["event_type"] == "eligibility_changed"]
    assert {c["details"]["section"] for c in edits} == {"inclusion", "exclusion"}
    for change in edits:
        text = by_id(change["day"])[change["nct_id"]]["protocolSection"]["eligibilityModule"]["eligibilityCriteria"]
        exclusion_start = text.index("Exclusion Criteria:")
        assert (text.index(change["new"]) < exclusion_start) == (change["details"]["section"] == "inclusion")


def test_new_sites_carry_real_coordinates_of_their_city() -> None:
    added = [c for c in demo.PLANNED_CHANGES if c["event_type"] == "site_added"]
    assert {c["details"]["city"] for c in added if c["nct_id"] == "NCT06943755"} >= {"Boston", "Lyon"}
    for change in added:
        location = _find_location(by_id(change["day"])[change["nct_id"]], change["new"], change["details"]["city"])
        assert location["geoPoint"] == {"lat": change["details"]["lat"], "lon": change["details"]["lon"]}
    boston = next(c for c in added if c["details"]["city"] == "Boston")["details"]
    assert (round(boston["lat"]), round(boston["lon"])) == (42, -71)


def test_only_planned_edits_change_the_content_hash() -> None:
    """Volatile noise (versionHolder, MeSH order, asFound) keeps the content hash; every planned change
    and every hash-visible non-change edit (rename, re-order, date-type flip) alters it."""
    hash_visible_noise = {"facility_renamed", "locations_reordered", "last_update_type_flipped"}
    for day in demo.DAYS[1:]:
        before, after = by_id(previous(day)), by_id(day)
        changed = {n for n in before.keys() & after.keys() if content_hash(before[n]) != content_hash(after[n])}
        planned = {c["nct_id"] for c in demo.PLANNED_CHANGES if c["day"] == day} & before.keys() & after.keys()
        visible_noise = {n["nct_id"] for n in demo.PLANNED_NOISE if n["day"] == day and n["kind"] in hash_visible_noise}
        assert changed == planned | visible_noise
        shuffled = {n["nct_id"] for n in demo.PLANNED_NOISE
                    if n["day"] == day and n["kind"] == "browse_lists_reordered"}
        quiet = (shuffled & before.keys()) - changed

        def browse_bytes(study: dict[str, Any]) -> bytes:
            derived = study["derivedSection"]
            return orjson.dumps([derived.get("conditionBrowseModule"), derived.get("interventionBrowseModule")])

        assert len(quiet) >= 10
        assert all(browse_bytes(before[n]) != browse_bytes(after[n]) for n in quiet)
