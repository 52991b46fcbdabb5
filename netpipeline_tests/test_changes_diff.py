"""Pure functions of the change-log: site identity, eligibility line diff, typed events of one trial."""
from __future__ import annotations

import copy
import random

import pytest

from netpipeline.changes.diff import SITE_DETAIL_KEYS, diff_trial
from netpipeline.changes.eligibility import line_diff, same_text, sections_changed
from netpipeline.changes.sites import match_sites, name_similarity, same_place


def site(name, city="Rochester", country="United States", status="RECRUITING", lat=44.02, lon=-92.47, **extra):
    key = "|".join(" ".join("".join(c if c.isalnum() else " " for c in part.lower()).split())
                   for part in (name, city, country))
    return {"site_key": key, "name": name, "city": city, "state": extra.get("state"), "zip": extra.get("zip"),
            "country": country, "status": status, "latitude": lat, "longitude": lon}


CRITERIA = ("Inclusion Criteria:\n\n* Age >= 18 years\n* Well-differentiated NET, Ki-67 <= 20%\n* ECOG 0-1\n\n"
            "Exclusion Criteria:\n\n* Prior PRRT\n* Pregnancy")


def state(**overrides):
    base = {
        "nct_id": "NCT00000001", "brief_title": "A NET trial", "overall_status": "RECRUITING", "why_stopped": None,
        "phases": ["PHASE2"], "phase_label": "Phase 2", "enrollment": 40, "enrollment_type": "ESTIMATED",
        "start_date_raw": "2025-03", "start_date_type": "ACTUAL",
        "primary_completion_date_raw": "2027-06-30", "primary_completion_date_type": "ESTIMATED",
        "completion_date_raw": "2028-06-30", "completion_date_type": "ESTIMATED",
        "lead_sponsor": "Test Sponsor", "lead_sponsor_class": "INDUSTRY", "has_results": False,
        "results_first_post_date_raw": None, "criteria": CRITERIA,
        "inclusion_criteria": CRITERIA.split("Exclusion Criteria:")[0].split("Inclusion Criteria:")[1].strip(),
        "exclusion_criteria": CRITERIA.split("Exclusion Criteria:")[1].strip(),
        "sites": [site("Mayo Clinic"), site("Dana-Farber Cancer Institute", "Boston", lat=42.36, lon=-71.06),
                  site("Centre Léon Bérard", "Lyon", "France", lat=45.75, lon=4.85)],
        "interventions": [{"intervention_type": "DRUG", "name": "Octreotide LAR"},
                          {"intervention_type": "DRUG", "name": "Everolimus"}],
        "arms": [{"label": "Arm A", "group_type": "EXPERIMENTAL"}, {"label": "Arm B", "group_type": "ACTIVE_COMPARATOR"}],
    }
    base.update(overrides)
    return base


def kinds(events):
    return sorted((e["event_type"], e["old_value"], e["new_value"]) for e in events)


# --- sites -----------------------------------------------------------------------------------------

def test_reordered_sites_are_the_same_sites():
    old = [site(f"Hospital {i}", f"City {i}") for i in range(30)]
    new = list(reversed(old))
    random.Random(1).shuffle(new)
    pairs, removed, added = match_sites(old, new)
    assert not removed and not added and all(a is b for a, b in pairs)


@pytest.mark.parametrize("old_name, new_name", [
    ("Mayo Clinic", "Mayo Clinic in Rochester"),
    ("Memorial Sloan Kettering Cancer Center", "Memorial Sloan-Kettering Cancer Centre"),
    ("M D Anderson Cancer Center", "MD Anderson Cancer Center"),
    ("Hopital Europeen Georges Pompidou", "Hôpital Européen Georges-Pompidou (HEGP)"),
    ("University of Iowa Hospitals and Clinics", "University of Iowa Hospitals & Clinics"),
])
def test_a_small_edit_of_the_facility_name_is_the_same_site(old_name, new_name):
    other = site("Saint Marys Hospital")
    pairs, removed, added = match_sites([site(old_name), other], [other, site(new_name)])
    assert not removed and not added
    assert {(a["name"], b["name"]) for a, b in pairs} == {(old_name, new_name), ("Saint Marys Hospital",) * 2}


def test_different_facilities_or_places_are_different_sites():
    pairs, removed, added = match_sites([site("Mayo Clinic")], [site("Olmsted Medical Center")])
    assert not pairs
    assert ([s["name"] for s in removed], [s["name"] for s in added]) == (["Mayo Clinic"], ["Olmsted Medical Center"])
    # The same name in another city (far away) is another site of the same network.
    pairs, removed, added = match_sites([site("Mayo Clinic")], [site("Mayo Clinic", "Jacksonville", lat=30.26, lon=-81.44)])
    assert not pairs and len(removed) == len(added) == 1
    # One word in common is not a rename ("Hospital" is in many names).
    assert name_similarity("Hospital", "General Hospital") < 0.75


def test_a_city_spelled_differently_or_the_same_coordinates_is_the_same_place():
    assert same_place(site("X", "Saint Louis"), site("X", "St. Louis"))
    assert same_place(site("X", "Rochester"), site("X", "Rochester Hills", lat=44.021, lon=-92.471))
    assert not same_place(site("X", "Rochester", lat=None), site("X", "Minneapolis", lat=None))
    assert not same_place(site("X", country="France"), site("X", country="Spain"))


def test_duplicate_entries_reordered_keep_their_statuses():
    old = [site("Mayo Clinic", status="RECRUITING"), site("Mayo Clinic", status="COMPLETED", zip="55905")]
    pairs, removed, added = match_sites(old, list(reversed(copy.deepcopy(old))))
    assert not removed and not added and all(a["status"] == b["status"] for a, b in pairs)
    assert diff_trial(state(sites=old), state(sites=list(reversed(copy.deepcopy(old))))) == []


def test_best_pairs_win_when_several_names_are_similar():
    old = [site("Mayo Clinic"), site("Mayo Clinic Hospital Rochester")]
    new = [site("Mayo Clinic Hospital, Rochester"), site("Mayo Clinic Rochester")]
    pairs, _, _ = match_sites(old, new)
    assert {(a["name"], b["name"]) for a, b in pairs} == {("Mayo Clinic Hospital Rochester", "Mayo Clinic Hospital, Rochester"),
                                                          ("Mayo Clinic", "Mayo Clinic Rochester")}


# --- eligibility -------------------------------------------------------------------------------------

def test_whitespace_and_blank_lines_are_not_changes():
    messy = CRITERIA.replace("\n\n", "\n\n\n").replace("* Age >= 18", "*   Age  >=  18  ") + "\n\n  "
    assert same_text(CRITERIA, messy)
    assert diff_trial(state(), state(criteria=messy)) == []


def test_line_diff_shows_changed_lines_with_context_and_separators():
    lines = [f"* criterion {i}" for i in range(20)]
    edited = list(lines)
    edited[2], edited[15] = "* criterion two, edited", "* criterion fifteen, edited"
    diff = line_diff("\n".join(lines), "\n".join(edited))
    assert diff == [{"op": " ", "line": "* criterion 1"}, {"op": "-", "line": "* criterion 2"},
                    {"op": "+", "line": "* criterion two, edited"}, {"op": " ", "line": "* criterion 3"},
                    {"op": " ", "line": "…"},
                    {"op": " ", "line": "* criterion 14"}, {"op": "-", "line": "* criterion 15"},
                    {"op": "+", "line": "* criterion fifteen, edited"}, {"op": " ", "line": "* criterion 16"}]


def test_sections_changed():
    assert sections_changed(state(), state(exclusion_criteria="* Prior PRRT")) == ["exclusion"]
    assert sections_changed(state(), state(inclusion_criteria="x", exclusion_criteria="y")) == ["inclusion", "exclusion"]
    assert sections_changed({"criteria": "a"}, {"criteria": "b"}) == ["criteria"]


# --- one trial's events ------------------------------------------------------------------------------

def test_identical_states_and_reordered_lists_give_no_event():
    s = state()
    shuffled = state(sites=list(reversed(s["sites"])), interventions=list(reversed(s["interventions"])),
                     arms=list(reversed(s["arms"])), phases=["PHASE2"])
    assert diff_trial(s, copy.deepcopy(s)) == [] and diff_trial(s, shuffled) == []
    # Names differing only in case or spacing are the same intervention / arm.
    assert diff_trial(s, state(interventions=[{"intervention_type": "DRUG", "name": "octreotide  LAR"},
                                              {"intervention_type": "DRUG", "name": "Everolimus"}])) == []


def test_each_field_gives_its_event():
    old = state()
    cases = {
        "title_changed": ({"brief_title": "New title"}, ("A NET trial", "New title"), "low"),
        "status_changed": ({"overall_status": "TERMINATED", "why_stopped": "Slow accrual"}, ("RECRUITING", "TERMINATED"), "high"),
        "phase_changed": ({"phases": ["PHASE2", "PHASE3"], "phase_label": "Phase 2/3"}, ("PHASE2", "PHASE2|PHASE3"), "high"),
        "enrollment_changed": ({"enrollment": 55}, ("40", "55"), "medium"),
        "sponsor_changed": ({"lead_sponsor": "Other", "lead_sponsor_class": "OTHER"}, ("Test Sponsor", "Other"), "medium"),
        "results_posted": ({"has_results": True, "results_first_post_date_raw": "2026-11-19"}, ("false", "true"), "high"),
    }
    for kind, (change, values, significance) in cases.items():
        [e] = diff_trial(old, state(**change))
        assert (e["event_type"], (e["old_value"], e["new_value"]), e["significance"]) == (kind, values, significance)
    [stopped] = diff_trial(old, state(overall_status="TERMINATED", why_stopped="Slow accrual"))
    assert stopped["details"] == {"why_stopped": "Slow accrual"}
    assert diff_trial(old, state(phases=["PHASE2", "PHASE3"], phase_label="Phase 2/3"))[0]["details"] == \
        {"old_label": "Phase 2", "new_label": "Phase 2/3"}
    assert diff_trial(old, state(has_results=True, results_first_post_date_raw="2026-11-19"))[0]["details"] == \
        {"results_first_post_date": "2026-11-19"}


def test_site_events_carry_the_site():
    old = state()
    new = state(sites=[site("Mayo Clinic in Rochester", status="ACTIVE_NOT_RECRUITING"),
                       site("Centre Léon Bérard", "Lyon", "France", lat=45.75, lon=4.85),
                       site("Asan Medical Center", "Seoul", "Korea, Republic of", status="NOT_YET_RECRUITING",
                            lat=37.5, lon=127.0)])
    events = diff_trial(old, new)
    assert kinds(events) == [("site_added", None, "Asan Medical Center"), ("site_removed", "Dana-Farber Cancer Institute", None),
                             ("site_status_changed", "RECRUITING", "ACTIVE_NOT_RECRUITING")]
    by_kind = {e["event_type"]: e for e in events}
    assert set(SITE_DETAIL_KEYS) <= set(by_kind["site_added"]["details"])
    assert {k: by_kind["site_added"]["details"][k] for k in ("facility", "city", "country", "status", "lat", "lon")} == \
        {"facility": "Asan Medical Center", "city": "Seoul", "country": "Korea, Republic of", "status": "NOT_YET_RECRUITING",
         "lat": 37.5, "lon": 127.0}
    assert by_kind["site_added"]["significance"] == "high"
    assert by_kind["site_removed"]["details"]["city"] == "Boston"
    status = by_kind["site_status_changed"]["details"]
    assert (status["facility"], status["old_facility"], status["old_status"]) == (
        "Mayo Clinic in Rochester", "Mayo Clinic", "RECRUITING")


def test_dates_shift_and_confirmation():
    old = state(start_date_raw="2026-11", start_date_type="ESTIMATED")
    [moved] = diff_trial(old, state(start_date_raw="2027-02", start_date_type="ESTIMATED"))
    assert (moved["field"], moved["details"], moved["significance"]) == (
        "start_date", {"old_type": "ESTIMATED", "new_type": "ESTIMATED", "shift_days": 92}, "medium")
    [confirmed] = diff_trial(old, state(start_date_raw="2026-11-16", start_date_type="ACTUAL"))
    assert (confirmed["details"]["shift_days"], confirmed["significance"]) == (15, "low")
    [flip] = diff_trial(old, state(start_date_raw="2026-11", start_date_type="ACTUAL"))
    assert (flip["old_value"], flip["new_value"], flip["significance"]) == ("2026-11", "2026-11", "low")
    [late] = diff_trial(old, state(start_date_raw="2026-12-02", start_date_type="ACTUAL"))
    assert late["significance"] == "medium"  # started later than planned
    [earlier] = diff_trial(state(), state(completion_date_raw="2028-01-31"))
    assert earlier["details"]["shift_days"] == -151 and earlier["significance"] == "medium"


def test_enrollment_type_only_is_low():
    [e] = diff_trial(state(enrollment=141), state(enrollment=141, enrollment_type="ACTUAL"))
    assert (e["old_value"], e["new_value"], e["details"], e["significance"]) == (
        "141", "141", {"old_type": "ESTIMATED", "new_type": "ACTUAL"}, "low")


def test_eligibility_event():
    new_criteria = CRITERIA.replace("Ki-67 <= 20%", "Ki-67 <= 55%")
    [e] = diff_trial(state(), state(criteria=new_criteria, inclusion_criteria=new_criteria.split("Exclusion")[0]))
    assert e["details"]["sections_changed"] == ["inclusion"]
    assert [d for d in e["details"]["diff"] if d["op"] != " "] == [
        {"op": "-", "line": "* Well-differentiated NET, Ki-67 <= 20%"},
        {"op": "+", "line": "* Well-differentiated NET, Ki-67 <= 55%"}]
    assert (e["details"]["lines_removed"], e["details"]["lines_added"]) == (1, 1)


def test_interventions_and_arms_added_and_removed():
    new = state(interventions=[{"intervention_type": "DRUG", "name": "Octreotide LAR"},
                               {"intervention_type": "BIOLOGICAL", "name": "Ezabenlimab"}],
                arms=[{"label": "Arm A", "group_type": "EXPERIMENTAL"}, {"label": "Arm C", "group_type": "EXPERIMENTAL"}])
    events = diff_trial(state(), new)
    assert kinds(events) == [("arm_added", None, "Arm C"), ("arm_removed", "Arm B", None),
                             ("intervention_added", None, "Ezabenlimab"), ("intervention_removed", "Everolimus", None)]
    assert {e["new_value"] or e["old_value"]: e["details"]["type"] for e in events} == {
        "Arm C": "EXPERIMENTAL", "Arm B": "ACTIVE_COMPARATOR", "Ezabenlimab": "BIOLOGICAL", "Everolimus": "DRUG"}
    # A second arm of the same label is an added arm (multiset, not set).
    [dup] = diff_trial(state(), state(arms=state()["arms"] + [{"label": "arm a", "group_type": "EXPERIMENTAL"}]))
    assert (dup["event_type"], dup["new_value"].lower()) == ("arm_added", "arm a")
