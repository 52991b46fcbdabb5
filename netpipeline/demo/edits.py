"""Edit operations on a day's study records. Each edit mutates the records and returns the change
entries it made, with `old` read from the record before the edit and `new` after it, so the list
of planned changes is produced by the very code that applies them.

Change entry: {"day", "nct_id", "event_type", "field", "old", "new"} plus optional "details".
Noise entry (edits that must NOT become change events): {"day", "nct_id", "kind", "details"}.
"""
from __future__ import annotations

import copy
from typing import Any

from netpipeline.demo.catalogue import spec_for
from netpipeline.demo.drugs import DRUGS, intervention_label
from netpipeline.demo.places import CITIES, SITES
from netpipeline.demo.records import add_results_dates, build_study, location_record, shift
from netpipeline.demo.results import build_results

Studies = dict[str, dict[str, Any]]


class DayEdits:
    """The records of one day being edited, and the change / noise entries made so far."""

    def __init__(self, day: str, studies: Studies) -> None:
        self.day = day
        self.studies = studies
        self.changes: list[dict[str, Any]] = []
        self.noise: list[dict[str, Any]] = []

    def protocol(self, nct_id: str) -> dict[str, Any]:
        return self.studies[nct_id]["protocolSection"]

    def change(self, nct_id: str, event_type: str, field: str | None, old: Any, new: Any, **details: Any) -> None:
        entry = {"day": self.day, "nct_id": nct_id, "event_type": event_type, "field": field, "old": old, "new": new}
        if details:
            entry["details"] = details
        self.changes.append(entry)

    def note_noise(self, nct_id: str, kind: str, **details: Any) -> None:
        self.noise.append({"day": self.day, "nct_id": nct_id, "kind": kind, "details": details})

    def touch(self, nct_id: str) -> None:
        """A sponsor's update: the record is re-posted on the day (submitted two days before)."""
        status = self.protocol(nct_id)["statusModule"]
        status["lastUpdateSubmitDate"] = shift(self.day, -2)
        status["lastUpdatePostDateStruct"] = {"date": self.day, "type": "ACTUAL"}


def insert_after(mapping: dict[str, Any], after: str, key: str, value: Any) -> None:
    """Insert key after `after`, keeping the API's key order (dicts cannot insert in place)."""
    items = [(k, v) for k, v in mapping.items() if k != key]
    mapping.clear()
    for k, v in items:
        mapping[k] = v
        if k == after:
            mapping[key] = value
    if key not in mapping:
        mapping[key] = value


def _location_sort_key(location: dict[str, Any]) -> tuple:
    is_us = location.get("country") == "United States"
    return (0 if is_us else 1, location.get("country", ""), location.get("state", ""), location.get("city", ""),
            location.get("facility", ""))


def _find_location(locations: list[dict[str, Any]], site_key: str) -> dict[str, Any]:
    site = SITES[site_key]
    city = CITIES[site.city_key].city
    matches = [loc for loc in locations if loc["facility"] == site.facility and loc["city"] == city]
    if len(matches) != 1:
        raise ValueError(f"expected one location for {site_key}, found {len(matches)}")
    return matches[0]


def _site_details(location: dict[str, Any]) -> dict[str, Any]:
    return {"city": location["city"], "country": location["country"], "status": location.get("status"),
            "lat": location["geoPoint"]["lat"], "lon": location["geoPoint"]["lon"]}


# --- trials entering and leaving the day's file -------------------------------------------------

def add_trial(edits: DayEdits, nct_id: str) -> None:
    study = build_study(spec_for(nct_id))
    edits.studies[nct_id] = study
    edits.change(nct_id, "new_trial", None, None, study["protocolSection"]["identificationModule"]["briefTitle"])


def remove_trial(edits: DayEdits, nct_id: str) -> None:
    study = edits.studies.pop(nct_id)
    edits.change(nct_id, "left_scope", None, study["protocolSection"]["identificationModule"]["briefTitle"], None)


# --- status, design and dates ------------------------------------------------------------------

def set_status(edits: DayEdits, nct_id: str, status: str, why_stopped: str | None = None) -> None:
    module = edits.protocol(nct_id)["statusModule"]
    old = module["overallStatus"]
    module["overallStatus"] = status
    module["statusVerifiedDate"] = edits.day[:7]
    details = {}
    if why_stopped:
        insert_after(module, "overallStatus", "whyStopped", why_stopped)
        details["why_stopped"] = why_stopped
    edits.touch(nct_id)
    edits.change(nct_id, "status_changed", "overall_status", old, status, **details)
    if status == "WITHDRAWN":  # a withdrawn study enrolled nobody: the API shows 0 ACTUAL
        set_enrollment(edits, nct_id, count=0, kind="ACTUAL")


def set_phases(edits: DayEdits, nct_id: str, phases: list[str]) -> None:
    design = edits.protocol(nct_id)["designModule"]
    old = list(design["phases"])
    design["phases"] = list(phases)
    edits.touch(nct_id)
    edits.change(nct_id, "phase_changed", "phases", old, list(phases))


def set_enrollment(edits: DayEdits, nct_id: str, count: int | None = None, kind: str | None = None) -> None:
    info = edits.protocol(nct_id)["designModule"]["enrollmentInfo"]
    old = dict(info)
    if count is not None:
        info["count"] = count
    if kind is not None:
        info["type"] = kind
    edits.touch(nct_id)
    if info["count"] != old["count"]:
        edits.change(nct_id, "enrollment_changed", "enrollment_count", old["count"], info["count"],
                     old_type=old["type"], new_type=info["type"])
    elif info["type"] != old["type"]:
        edits.change(nct_id, "enrollment_changed", "enrollment_type", old["type"], info["type"], count=info["count"])


_DATE_FIELDS = {"start_date": "startDateStruct", "primary_completion_date": "primaryCompletionDateStruct",
                "completion_date": "completionDateStruct"}


def set_date(edits: DayEdits, nct_id: str, field: str, date: str, kind: str) -> None:
    module = edits.protocol(nct_id)["statusModule"]
    old = dict(module[_DATE_FIELDS[field]])
    module[_DATE_FIELDS[field]] = {"date": date, "type": kind}
    edits.touch(nct_id)
    edits.change(nct_id, "date_changed", field, old["date"], date, old_type=old.get("type"), new_type=kind)


def set_title(edits: DayEdits, nct_id: str, title: str) -> None:
    module = edits.protocol(nct_id)["identificationModule"]
    old = module["briefTitle"]
    module["briefTitle"] = title
    edits.touch(nct_id)
    edits.change(nct_id, "title_changed", "brief_title", old, title)


def set_lead_sponsor(edits: DayEdits, nct_id: str, sponsor: tuple[str, str]) -> None:
    module = edits.protocol(nct_id)["sponsorCollaboratorsModule"]
    old = dict(module["leadSponsor"])
    module["leadSponsor"] = {"name": sponsor[0], "class": sponsor[1]}
    edits.touch(nct_id)
    edits.change(nct_id, "sponsor_changed", "lead_sponsor", old["name"], sponsor[0], old_class=old["class"],
                 new_class=sponsor[1])


def edit_criteria(edits: DayEdits, nct_id: str, old_text: str, new_text: str) -> None:
    module = edits.protocol(nct_id)["eligibilityModule"]
    criteria = module["eligibilityCriteria"]
    if criteria.count(old_text) != 1:
        raise ValueError(f"{nct_id}: criteria text to edit must occur exactly once: {old_text!r}")
    section = "inclusion" if criteria.index(old_text) < criteria.index("Exclusion Criteria:") else "exclusion"
    module["eligibilityCriteria"] = criteria.replace(old_text, new_text)
    edits.touch(nct_id)
    edits.change(nct_id, "eligibility_changed", "eligibility_criteria", old_text, new_text, section=section)


def post_results(edits: DayEdits, nct_id: str) -> None:
    spec = spec_for(nct_id)
    study = edits.studies[nct_id]
    results = build_results({**spec, "results": spec["pending_results"]})
    add_results_dates(study["protocolSection"]["statusModule"], spec["pending_results"]["posted"])
    insert_after(study, "protocolSection", "resultsSection", results)
    old = study["hasResults"]
    study["hasResults"] = True
    edits.touch(nct_id)
    edits.change(nct_id, "results_posted", "has_results", old, True)


# --- arms and interventions ----------------------------------------------------------------------

def add_arm(edits: DayEdits, nct_id: str, label: str, kind: str, description: str, drug_keys: list[str]) -> None:
    module = edits.protocol(nct_id)["armsInterventionsModule"]
    module["armGroups"].append({"label": label, "type": kind, "description": description,
                                "interventionNames": [intervention_label(k) for k in drug_keys]})
    known = {item["name"]: item for item in module["interventions"]}
    for key in drug_keys:
        drug = DRUGS[key]
        if drug.name in known:
            known[drug.name].setdefault("armGroupLabels", []).append(label)
            continue
        item = {"type": drug.type, "name": drug.name, "description": drug.description, "armGroupLabels": [label]}
        if drug.other_names:
            item["otherNames"] = list(drug.other_names)
        module["interventions"].append(item)
        edits.change(nct_id, "intervention_added", "intervention", None, drug.name, type=drug.type)
    edits.touch(nct_id)
    edits.change(nct_id, "arm_added", "arm_group", None, label, type=kind)


def remove_arm(edits: DayEdits, nct_id: str, label: str) -> None:
    module = edits.protocol(nct_id)["armsInterventionsModule"]
    module["armGroups"] = [group for group in module["armGroups"] if group["label"] != label]
    kept = []
    for item in module["interventions"]:
        labels = item.get("armGroupLabels", [])
        if label in labels:
            item["armGroupLabels"] = [a for a in labels if a != label]
            if not item["armGroupLabels"]:  # the intervention was only given in the removed arm
                edits.change(nct_id, "intervention_removed", "intervention", item["name"], None, type=item["type"])
                continue
        kept.append(item)
    module["interventions"] = kept
    edits.touch(nct_id)
    edits.change(nct_id, "arm_removed", "arm_group", label, None)


# --- sites -----------------------------------------------------------------------------------------

def add_site(edits: DayEdits, nct_id: str, site_key: str, status: str) -> dict[str, Any]:
    locations = edits.protocol(nct_id)["contactsLocationsModule"]["locations"]
    location = location_record(nct_id, site_key, status, spec_for(nct_id).get("site_contacts"))
    locations.append(location)
    locations.sort(key=_location_sort_key)
    edits.touch(nct_id)
    edits.change(nct_id, "site_added", "location", None, location["facility"], **_site_details(location))
    return location


def remove_site(edits: DayEdits, nct_id: str, site_key: str) -> None:
    module = edits.protocol(nct_id)["contactsLocationsModule"]
    location = _find_location(module["locations"], site_key)
    module["locations"].remove(location)
    edits.touch(nct_id)
    edits.change(nct_id, "site_removed", "location", location["facility"], None, **_site_details(location))


def set_site_status(edits: DayEdits, nct_id: str, site_key: str, status: str) -> None:
    location = _find_location(edits.protocol(nct_id)["contactsLocationsModule"]["locations"], site_key)
    old = location.get("status")
    insert_after(location, "facility", "status", status)
    edits.touch(nct_id)
    edits.change(nct_id, "site_status_changed", "location_status", old, status, facility=location["facility"],
                 city=location["city"], country=location["country"])


def rename_facility(edits: DayEdits, nct_id: str, site_key: str, new_name: str) -> None:
    """A small edit of a facility name at the same address: the same site, not removed + added."""
    location = _find_location(edits.protocol(nct_id)["contactsLocationsModule"]["locations"], site_key)
    old = location["facility"]
    location["facility"] = new_name
    edits.touch(nct_id)
    edits.note_noise(nct_id, "facility_renamed", old=old, new=new_name, city=location["city"])


def reorder_sites(edits: DayEdits, nct_id: str) -> None:
    """The registry re-lists locations (here: reversed); nothing is added or removed."""
    module = edits.protocol(nct_id)["contactsLocationsModule"]
    before = [loc["facility"] for loc in module["locations"]]
    module["locations"] = list(reversed(module["locations"]))
    edits.touch(nct_id)
    edits.note_noise(nct_id, "locations_reordered", count=len(before))


def flip_last_update_type(edits: DayEdits, nct_id: str) -> None:
    struct = edits.protocol(nct_id)["statusModule"]["lastUpdatePostDateStruct"]
    old = struct.get("type")
    struct["type"] = "ACTUAL"
    edits.note_noise(nct_id, "last_update_type_flipped", old=old, new="ACTUAL", date=struct["date"])


def snapshot(studies: Studies) -> Studies:
    return copy.deepcopy(studies)
