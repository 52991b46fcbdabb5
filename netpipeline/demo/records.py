"""Turns a trial spec (see `catalogue.py`) into an API v2 study record, in the API's key order.

Every random choice is drawn from a `random.Random` seeded by the NCT id (and the site key for a
site's contacts), so a trial's record does not depend on which other trials exist.
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Any

from netpipeline.demo import people
from netpipeline.demo.drugs import DRUGS, intervention_label
from netpipeline.demo.mesh import browse_module, condition_browse
from netpipeline.demo.places import CITIES, SITES, api_order_key
from netpipeline.demo.results import build_results

OPEN_SITE_STATUSES = ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")


def trial_rng(nct_id: str, purpose: str = "") -> random.Random:
    # str seeds are hashed with sha512 by `random`, so this is stable across runs and machines
    return random.Random(f"netpipeline-demo:{nct_id}:{purpose}")


def shift(date: str, days: int) -> str:
    return (dt.date.fromisoformat(date) + dt.timedelta(days=days)).isoformat()


def post_type(date: str) -> str:
    # Posting dates before 2017 (the Final Rule) are shown as ESTIMATED by the API
    return "ACTUAL" if date >= "2017-01-18" else "ESTIMATED"


def date_struct(value: tuple[str, str | None] | None) -> dict[str, str] | None:
    if value is None:
        return None
    date, kind = value
    return {"date": date} if kind is None else {"date": date, "type": kind}


def std_ages(min_age: str | None, max_age: str | None) -> list[str]:
    low = int(min_age.split()[0]) if min_age else 0
    high = int(max_age.split()[0]) if max_age else 200
    ages = []
    if low < 18:
        ages.append("CHILD")
    if low <= 64 and high >= 18:
        ages.append("ADULT")
    if high >= 65:
        ages.append("OLDER_ADULT")
    return ages


def criteria_text(inclusion: list, exclusion: list, style: str = "bullet") -> str:
    """Eligibility in the API's Markdown: "Inclusion Criteria:\\n\\n* ...", sub-items indented."""
    def block(items: list) -> str:
        lines = []
        for number, item in enumerate(items, 1):
            text, subitems = (item, []) if isinstance(item, str) else item
            lines.append(f"{number}. {text}" if style == "numbered" else f"* {text}")
            indent = "   " if style == "numbered" else "  "
            lines.extend(f"{indent}* {sub}" for sub in subitems)
        return "\n".join(lines)
    return f"Inclusion Criteria:\n\n{block(inclusion)}\n\nExclusion Criteria:\n\n{block(exclusion)}"


def location_record(nct_id: str, site_key: str, status: str | None, contacts_mode: str | None) -> dict[str, Any]:
    site = SITES[site_key]
    city = CITIES[site.city_key]
    rng = trial_rng(nct_id, f"site:{site_key}")
    location: dict[str, Any] = {"facility": site.facility}
    if status is not None:
        location["status"] = status
    location["city"] = city.city
    if city.state is not None:
        location["state"] = city.state
    if site.zip is not None:
        location["zip"] = site.zip
    location["country"] = city.country
    investigator = people.person_name(rng)
    if status in OPEN_SITE_STATUSES and contacts_mode == "nci":
        location["contacts"] = [
            {"name": "Site Public Contact", "role": "CONTACT", "phone": people.phone(rng, city.country),
             "email": f"cancer.trials@{people.slug(site.facility)}.example.org"},
            {"name": investigator, "role": "PRINCIPAL_INVESTIGATOR"},
        ]
    elif status in OPEN_SITE_STATUSES and contacts_mode == "pi":
        location["contacts"] = [
            {"name": people.with_degree(rng, investigator), "role": "CONTACT", "phone": people.phone(rng, city.country),
             "email": people.email_for(investigator, site.facility)},
            {"name": investigator, "role": "PRINCIPAL_INVESTIGATOR"},
        ]
    elif status is not None and contacts_mode is not None:
        location["contacts"] = [{"name": investigator, "role": "PRINCIPAL_INVESTIGATOR"}]
    location["geoPoint"] = {"lat": city.lat, "lon": city.lon}
    return location


def sorted_sites(sites: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    return sorted(sites, key=lambda site: api_order_key(site[0]))


def _status_module(spec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    first_submitted = spec["first_submitted"]
    qc = shift(first_submitted, rng.randint(0, 6))
    first_posted = shift(qc, rng.randint(1, 4))
    if spec.get("first_posted"):  # trials first posted during the demo days carry their posting date
        first_posted = spec["first_posted"]
        qc = max(first_submitted, shift(first_posted, -3))
    last_update = spec["last_update"]
    module: dict[str, Any] = {"statusVerifiedDate": spec["verified"], "overallStatus": spec["status"]}
    if spec.get("why_stopped"):
        module["whyStopped"] = spec["why_stopped"]
    if spec.get("last_known_status"):
        module["lastKnownStatus"] = spec["last_known_status"]
    module["expandedAccessInfo"] = {"hasExpandedAccess": spec.get("has_expanded_access", False)}
    for key, field in (("start", "startDateStruct"), ("primary_completion", "primaryCompletionDateStruct"),
                       ("completion", "completionDateStruct")):
        struct = date_struct(spec.get(key))
        if struct is not None:
            module[field] = struct
    module["studyFirstSubmitDate"] = first_submitted
    module["studyFirstSubmitQcDate"] = qc
    module["studyFirstPostDateStruct"] = {"date": first_posted, "type": post_type(first_posted)}
    module["lastUpdateSubmitDate"] = shift(last_update, -rng.randint(1, 4))
    module["lastUpdatePostDateStruct"] = {"date": last_update, "type": post_type(last_update)}
    return module


def _sponsor_module(spec: dict[str, Any]) -> dict[str, Any]:
    name, agency_class = spec["sponsor"]
    module: dict[str, Any] = {"responsibleParty": spec.get("responsible") or {"type": "SPONSOR"},
                              "leadSponsor": {"name": name, "class": agency_class}}
    if spec.get("collaborators"):
        module["collaborators"] = [{"name": n, "class": c} for n, c in spec["collaborators"]]
    return module


def _design_module(spec: dict[str, Any]) -> dict[str, Any]:
    module: dict[str, Any] = {"studyType": spec["study_type"]}
    if spec.get("patient_registry") is not None:
        module["patientRegistry"] = spec["patient_registry"]
    if spec.get("expanded_access_types"):
        module["expandedAccessTypes"] = spec["expanded_access_types"]
    if spec.get("phases"):
        module["phases"] = list(spec["phases"])
    if spec.get("target_duration"):
        module["targetDuration"] = spec["target_duration"]
    if spec.get("design_info"):
        module["designInfo"] = spec["design_info"]
    if spec.get("enrollment"):
        count, kind = spec["enrollment"]
        module["enrollmentInfo"] = {"count": count, "type": kind}
    return module


def _arms_module(spec: dict[str, Any]) -> dict[str, Any]:
    arms = spec.get("arms", [])
    notes = spec.get("drug_descriptions", {})
    module: dict[str, Any] = {}
    if arms:
        module["armGroups"] = []
        for arm in arms:
            group = {"label": arm["label"]}
            if arm.get("type"):
                group["type"] = arm["type"]
            group["description"] = arm["description"]
            if arm["drugs"]:
                group["interventionNames"] = [intervention_label(k) for k in arm["drugs"]]
            module["armGroups"].append(group)
    interventions = []
    for key in spec["drugs"]:
        drug = DRUGS[key]
        item: dict[str, Any] = {"type": drug.type, "name": drug.name, "description": notes.get(key, drug.description)}
        labels = [arm["label"] for arm in arms if key in arm["drugs"]]
        if labels:
            item["armGroupLabels"] = labels
        if drug.other_names:
            item["otherNames"] = list(drug.other_names)
        interventions.append(item)
    module["interventions"] = interventions
    return module


def _outcomes(items: list[tuple]) -> list[dict[str, str]]:
    out = []
    for measure, time_frame, *description in items:
        outcome = {"measure": measure}
        if description and description[0]:
            outcome["description"] = description[0]
        outcome["timeFrame"] = time_frame
        out.append(outcome)
    return out


def _eligibility_module(spec: dict[str, Any]) -> dict[str, Any]:
    module: dict[str, Any] = {
        "eligibilityCriteria": criteria_text(spec["inclusion"], spec["exclusion"],
                                             spec.get("criteria_style", "bullet")),
        "healthyVolunteers": spec.get("healthy", False), "sex": spec.get("sex", "ALL")}
    if spec.get("min_age"):
        module["minimumAge"] = spec["min_age"]
    if spec.get("max_age"):
        module["maximumAge"] = spec["max_age"]
    if spec.get("study_population"):
        module["studyPopulation"] = spec["study_population"]
    module["stdAges"] = std_ages(spec.get("min_age"), spec.get("max_age"))
    if spec.get("sampling_method"):
        module["samplingMethod"] = spec["sampling_method"]
    return module


def _contacts_module(spec: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    module: dict[str, Any] = {}
    sponsor = spec["sponsor"][0]
    if spec.get("central_contact") == "sponsor":
        short = sponsor.split(",")[0]
        module["centralContacts"] = [{"name": f"{short} Clinical Trials", "role": "CONTACT",
                                      "phone": f"1-888-555-01{rng.randint(0, 99):02d}",
                                      "email": f"clinicaltrials@{people.slug(short)}.example.com"}]
    elif spec.get("central_contact") == "pi":
        name = people.person_name(rng)
        module["centralContacts"] = [{"name": people.with_degree(rng, name), "role": "CONTACT",
                                      "phone": people.phone(rng, "United States"),
                                      "email": people.email_for(name, sponsor)}]
    officials = [{"name": people.with_degree(rng, people.person_name(rng)), "affiliation": affiliation, "role": role}
                 for affiliation, role in spec.get("officials", [])]
    if officials:
        module["overallOfficials"] = officials
    sites = sorted_sites(spec.get("sites", []))
    if sites:
        module["locations"] = [location_record(spec["nct_id"], key, status, spec.get("site_contacts"))
                               for key, status in sites]
    return module


def build_study(spec: dict[str, Any]) -> dict[str, Any]:
    """The day-1 API v2 record of a trial spec; `versionHolder` is set per day by the generator."""
    rng = trial_rng(spec["nct_id"])
    identification: dict[str, Any] = {"nctId": spec["nct_id"], "orgStudyIdInfo": {"id": spec["org_study_id"]}}
    if spec.get("secondary_ids"):
        identification["secondaryIdInfos"] = spec["secondary_ids"]
    org_name, org_class = spec.get("organization") or spec["sponsor"]
    identification["organization"] = {"fullName": org_name, "class": org_class}
    identification["briefTitle"] = spec["brief_title"]
    identification["officialTitle"] = spec["official_title"]
    if spec.get("acronym"):
        identification["acronym"] = spec["acronym"]

    protocol: dict[str, Any] = {"identificationModule": identification, "statusModule": _status_module(spec, rng),
                                "sponsorCollaboratorsModule": _sponsor_module(spec)}
    if spec.get("oversight"):
        protocol["oversightModule"] = spec["oversight"]
    description = {"briefSummary": spec["summary"]}
    if spec.get("description"):
        description["detailedDescription"] = spec["description"]
    protocol["descriptionModule"] = description
    conditions: dict[str, Any] = {"conditions": spec["conditions"]}
    if spec.get("keywords"):
        conditions["keywords"] = spec["keywords"]
    protocol["conditionsModule"] = conditions
    protocol["designModule"] = _design_module(spec)
    protocol["armsInterventionsModule"] = _arms_module(spec)
    if spec.get("primary_outcomes"):
        outcomes = {"primaryOutcomes": _outcomes(spec["primary_outcomes"])}
        if spec.get("secondary_outcomes"):
            outcomes["secondaryOutcomes"] = _outcomes(spec["secondary_outcomes"])
        protocol["outcomesModule"] = outcomes
    protocol["eligibilityModule"] = _eligibility_module(spec)
    protocol["contactsLocationsModule"] = _contacts_module(spec, rng)
    if spec.get("references"):
        protocol["referencesModule"] = {"references": spec["references"]}
    if spec.get("ipd"):
        protocol["ipdSharingStatementModule"] = spec["ipd"]

    study: dict[str, Any] = {"protocolSection": protocol}
    if spec.get("results"):
        study["resultsSection"] = build_results(spec)
        add_results_dates(protocol["statusModule"], spec["results"]["posted"])
    study["derivedSection"] = derived_section(spec)
    study["hasResults"] = bool(spec.get("results"))
    return study


def add_results_dates(status_module: dict[str, Any], posted: str) -> None:
    """Results dates sit between studyFirstPostDateStruct and lastUpdateSubmitDate in the API's order."""
    submitted = shift(posted, -24)
    items = list(status_module.items())
    status_module.clear()
    for key, value in items:
        if key == "lastUpdateSubmitDate":
            status_module["resultsFirstSubmitDate"] = submitted
            status_module["resultsFirstSubmitQcDate"] = shift(submitted, 20)
            status_module["resultsFirstPostDateStruct"] = {"date": posted, "type": post_type(posted)}
        status_module[key] = value


def intervention_browse(drug_keys: list[str]) -> dict[str, Any] | None:
    drugs = [DRUGS[k] for k in drug_keys if DRUGS[k].mesh]
    if not drugs:
        return None
    return browse_module([t for d in drugs for t in d.mesh], [t for d in drugs for t in d.ancestors],
                         [b for d in drugs for b in d.branches], [d.name for d in drugs], "All Drugs and Chemicals")


def derived_section(spec: dict[str, Any]) -> dict[str, Any]:
    derived: dict[str, Any] = {"miscInfoModule": {"versionHolder": ""},
                               "conditionBrowseModule": condition_browse(spec["condition_mesh"], spec["conditions"])}
    interventions = intervention_browse(spec["drugs"])
    if interventions is not None:
        derived["interventionBrowseModule"] = interventions
    return derived
