"""Matching events and trials to subscribers: every filter kind, defaults and overrides."""
from __future__ import annotations

from netpipeline.digest.geo import haversine_km
from netpipeline.digest.rules import followed_trials, select_events
from netpipeline_tests.digest_samples import (
    BOSTON, LYON, MGH, NO_GEO, TOKYO, ev, make_events, make_trials, subscriber,
)


def pairs(sub, events=None, trials=None):
    selected = select_events(sub, events if events is not None else make_events(), trials or make_trials())
    return {(e["nct_id"], e["event_type"], (e["details"] or {}).get("city")) for e in selected}


def ids(sub, events=None, trials=None):
    return {n for n, _, _ in pairs(sub, events, trials)}


def test_haversine_known_distances():
    assert haversine_km(*BOSTON, *BOSTON) == 0
    assert abs(haversine_km(0, 0, 90, 0) - 10007.5) < 0.1          # a quarter meridian
    assert abs(haversine_km(*BOSTON, *LYON) - haversine_km(*LYON, *BOSTON)) < 1e-9
    assert abs(haversine_km(51.5074, -0.1278, 48.8566, 2.3522) - 343.5) < 2  # London-Paris


def test_defaults_phase2plus_enrolling_industry_academic_net_only():
    got = ids(subscriber())
    # Phase 2/3 recruiting, Phase 2 closing today (recruiting on the base day), Phase 2 not yet recruiting
    assert {"NCT06943755", "NCT05773274", "NCT07037420", "NCT06788938"} <= got
    assert "NCT00569127" not in got   # active, not recruiting on both days
    assert "NCT09999992" not in got   # not NET


def test_default_phases_exclude_phase1_and_observational_but_include_combined():
    trials = make_trials()
    events = [ev(n, "title_changed", "a", "b") for n in trials]
    got = ids(subscriber(), events, trials)
    assert "NCT05746208" not in got   # Phase 1
    assert "NCT09999991" not in got   # observational (and INDIV sponsor)
    assert "NCT06943755" in got       # Phase 2/3
    trials["NCT05746208"]["phases"] = ["PHASE1", "PHASE2"]
    assert "NCT05746208" in ids(subscriber(), events, trials)


def test_phase_rule_and_na():
    trials = make_trials()
    events = [ev(n, "title_changed", "a", "b") for n in trials]
    assert "NCT05746208" in ids(subscriber("phases: ['Phase 1']"), events, trials)
    assert "NCT06943755" not in ids(subscriber("phases: ['Phase 1']"), events, trials)
    obs = subscriber("phases: [NA]\nsponsor_classes: any")
    assert ids(obs, events, trials) == {"NCT09999991"}


def test_status_matches_today_or_base_day():
    trials = make_trials()
    events = [ev("NCT05773274", "status_changed", "RECRUITING", "ACTIVE_NOT_RECRUITING")]
    assert ids(subscriber(), events, trials) == {"NCT05773274"}
    # the day after, the base day status is no longer recruiting: nothing more is reported
    trials["NCT05773274"]["previous_overall_status"] = "ACTIVE_NOT_RECRUITING"
    assert ids(subscriber(), events, trials) == set()
    assert ids(subscriber("statuses: any"), events, trials) == {"NCT05773274"}
    assert ids(subscriber("statuses: [active_not_recruiting]"), events, trials) == {"NCT05773274"}


def test_sponsor_class_and_sponsor_substring():
    assert ids(subscriber("sponsor_classes: [NIH]")) == {"NCT05773274"}
    assert ids(subscriber("sponsors: [exelix]")) == {"NCT06943755"}
    assert ids(subscriber("sponsors: [nobody]")) == set()


def test_subtypes():
    assert ids(subscriber("net_subtypes: [lung]")) == {"NCT05773274", "NCT06788938"}
    assert ids(subscriber("net_subtypes: [small_bowel]")) == {"NCT07037420"}


def test_drugs_and_mechanisms_are_ored():
    assert ids(subscriber("drugs: [ZANZA]")) == {"NCT06943755"}
    assert ids(subscriber("mechanism_classes: [dll3_targeted]")) == {"NCT06788938"}
    both = subscriber("drugs: [zanzalintinib]\nmechanism_classes: [prrt_radioligand]")
    assert ids(both) == {"NCT06943755", "NCT05773274"}


def test_only_net_false_lets_non_net_trials_through():
    assert "NCT09999992" in ids(subscriber("only_net: false"))


def test_watchlist_overrides_every_filter():
    sub = subscriber("watchlist: [NCT00569127, NCT09999992]\nnet_subtypes: [thymic]\nevent_types: [title]")
    got = pairs(sub)
    assert ("NCT00569127", "enrollment_changed", None) in got    # active-not-recruiting, wrong subtype/group
    assert ("NCT09999992", "status_changed", None) in got        # not even NET
    assert {n for n, _, _ in got} == {"NCT00569127", "NCT09999992"}


def test_event_groups():
    assert {t for _, t, _ in pairs(subscriber("event_types: [sites]"))} == {"site_added"}
    assert {t for _, t, _ in pairs(subscriber("event_types: [status, dates]"))} == {"status_changed", "date_changed"}
    assert {t for _, t, _ in pairs(subscriber("event_types: [eligibility, new_trial]"))} == {
        "eligibility_changed", "new_trial"}


def test_geo_radius_includes_near_sites_and_excludes_far_ones():
    boston = subscriber("near: [{label: Boston, lat: 42.3601, lon: -71.0589, radius_km: 150}]")
    selected = select_events(boston, make_events(), make_trials())
    sites = [e for e in selected if e["event_type"] == "site_added"]
    assert [(e["details"]["city"], e["place_label"]) for e in sites] == [("Boston", "Boston")]
    assert 0 < sites[0]["distance_km"] < 2
    # non-site events of a trial with a site near Boston still come through; others do not
    got = {(e["nct_id"], e["event_type"]) for e in selected}
    assert ("NCT06943755", "eligibility_changed") in got and ("NCT05773274", "status_changed") in got
    assert not any(n == "NCT07037420" for n, _ in got)  # only a Lyon site

    lyon = subscriber("near: [{label: Lyon, lat: 45.764, lon: 4.8357, radius_km: 150}]")
    assert {(c) for _, t, c in pairs(lyon) if t == "site_added"} == {"Lyon"}
    assert ("NCT07037420", "new_trial", None) in pairs(lyon)

    tiny = subscriber("near: [{label: Cambridge, lat: 42.3736, lon: -71.1097, radius_km: 3}]")
    assert not [e for e in select_events(tiny, make_events(), make_trials()) if e["event_type"] == "site_added"]
    assert haversine_km(42.3736, -71.1097, MGH["lat"], MGH["lon"]) > 3


def test_site_without_coordinates_never_matches_a_place():
    sub = subscriber("near: [{label: Boston, lat: 42.3601, lon: -71.0589, radius_km: 20000}]")
    events = [ev("NCT06943755", "site_added", details=NO_GEO), ev("NCT06943755", "site_added", details=TOKYO)]
    assert [e["details"]["city"] for e in select_events(sub, events, make_trials())] == ["Tokyo"]


def test_removal_of_the_last_nearby_site_is_reported():
    trials = make_trials()
    trials["NCT05773274"]["sites"] = []  # MGH no longer listed today
    sub = subscriber("near: [{label: Boston, lat: 42.3601, lon: -71.0589, radius_km: 50}]")
    events = [ev("NCT05773274", "site_removed", old="Massachusetts General Hospital", details=MGH)]
    assert pairs(sub, events, trials) == {("NCT05773274", "site_removed", "Boston")}


def test_country_filter_applies_to_trials_and_to_site_events():
    sub = subscriber("countries: [France]")
    got = pairs(sub)
    assert ("NCT06943755", "site_added", "Lyon") in got
    assert ("NCT06943755", "site_added", "Boston") not in got
    assert ("NCT07037420", "new_trial", None) in got
    assert "NCT05773274" not in {n for n, _, _ in got}  # US only
    assert ("NCT05773274", "status_changed", None) in pairs(subscriber("countries: [USA]"))


def test_left_scope_reaches_followers_even_when_no_longer_net():
    trials = make_trials()
    trials["NCT06788938"]["is_net"] = False
    events = [ev("NCT06788938", "left_scope", significance="high"), ev("NCT06788938", "title_changed", "a", "b")]
    assert pairs(subscriber("net_subtypes: [lung]"), events, trials) == {("NCT06788938", "left_scope", None)}


def test_events_of_unknown_trials_only_reach_watchlists():
    events = [ev("NCT01234567", "left_scope")]
    assert ids(subscriber(), events) == set()
    assert ids(subscriber("watchlist: [NCT01234567]"), events) == {"NCT01234567"}


def test_followed_trials_for_key_programs_table():
    assert [t["nct_id"] for t in followed_trials(subscriber(), make_trials())] == [
        "NCT06943755", "NCT05773274", "NCT06788938", "NCT07037420"]
    # all statuses: still only running trials, plus the watchlist first whatever its status
    trials = make_trials()
    trials["NCT06788938"]["overall_status"] = "COMPLETED"
    analyst = subscriber("statuses: any\nphases: any\nwatchlist: [NCT09999992]")
    got = [t["nct_id"] for t in followed_trials(analyst, trials)]
    assert got[0] == "NCT09999992" and "NCT06788938" not in got and "NCT00569127" in got
