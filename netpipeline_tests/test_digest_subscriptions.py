"""Loading and validating the subscriptions file: defaults, and errors a person can act on."""
from __future__ import annotations

import re

import pytest
import yaml

from netpipeline.changes.event_types import EVENT_TYPES
from netpipeline.changes.event_types import EVENT_TYPES as CHANGE_EVENT_TYPES
from netpipeline.digest.config import DigestConfig
from netpipeline.digest.rule_vocabularies import EVENT_GROUPS, NET_SUBTYPES, STATUSES, mechanism_class_codes
from netpipeline.digest.subscriber import DEFAULT_PHASES, DEFAULT_SPONSOR_CLASSES, DEFAULT_STATUSES
from netpipeline.digest.subscription_errors import SubscriptionsError
from netpipeline.digest.subscriptions import load_subscriptions, parse_subscriptions
from netpipeline.normalise.api_enums import API_ENUMS
from netpipeline.normalise.enrich.drugs import mechanism_classes
from netpipeline.normalise.enrich.net_terms import SUBTYPE_CODES
from netpipeline.settings import PROJECT_ROOT
from netpipeline_tests.digest_samples import write

GOOD = """
version: 1
subscribers:
  - id: minimal
    email: min@example.org
    name: Minimal Person
  - id: full
    email: full@example.org
    name: Full Person
    send_when_empty: true
    rules:
      phases: ["Phase 2", "2/3", PHASE4, 1]
      statuses: [Recruiting, "active, not recruiting"]
      sponsor_classes: [industry, OTHER_GOV]
      net_subtypes: [pancreatic, lung]
      mechanism_classes: [prrt_radioligand]
      drugs: [Zanzalintinib]
      sponsors: [Exelixis]
      watchlist: [nct06943755]
      countries: [USA, France]
      near: [{label: Boston, lat: 42.36, lon: -71.06, radius_km: 150}]
      event_types: [sites, status, title_changed]
      only_net: false
"""


def test_good_file_loads_with_defaults(tmp_path):
    minimal, full = load_subscriptions(write(tmp_path, GOOD))
    r = minimal.rules
    assert (minimal.id, minimal.email, minimal.name, minimal.send_when_empty) == (
        "minimal", "min@example.org", "Minimal Person", False)
    assert r.phases == DEFAULT_PHASES == {"PHASE2", "PHASE3", "PHASE4"}
    assert r.statuses == DEFAULT_STATUSES == {"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"}
    assert r.sponsor_classes == DEFAULT_SPONSOR_CLASSES
    assert r.event_types == set(EVENT_TYPES) and r.only_net is True
    assert r.watchlist == set() and r.near == () and r.drugs is None and r.countries is None

    f = full.rules
    assert full.send_when_empty is True
    assert f.phases == {"PHASE1", "PHASE2", "PHASE3", "PHASE4"}
    assert f.statuses == {"RECRUITING", "ACTIVE_NOT_RECRUITING"}
    assert f.sponsor_classes == {"INDUSTRY", "OTHER_GOV"}
    assert f.drugs == ("zanzalintinib",) and f.sponsors == ("exelixis",)
    assert f.watchlist == {"NCT06943755"}
    assert f.countries == {"united states", "france"}
    assert f.near[0].label == "Boston" and f.near[0].radius_km == 150.0
    assert f.event_types == {"site_added", "site_removed", "site_status_changed", "status_changed",
                             "left_scope", "title_changed"}
    assert f.only_net is False


def test_any_lifts_phase_and_status_restrictions(tmp_path):
    [s] = load_subscriptions(write(tmp_path, """
        version: 1
        subscribers:
          - {id: a, email: a@example.org, name: A, rules: {phases: any, statuses: ANY, sponsor_classes: any}}
    """))
    assert s.rules.phases is None and s.rules.statuses is None and s.rules.sponsor_classes is None


def test_example_file_in_repo_is_valid():
    subs = load_subscriptions(PROJECT_ROOT / "data" / "subscriptions.yaml")
    assert 4 <= len(subs) <= 6
    assert any(s.rules.near for s in subs) and any(s.rules.watchlist for s in subs)
    assert any(s.send_when_empty for s in subs) and any(s.rules.countries for s in subs)


def test_the_demo_file_names_a_place_and_has_a_weekly_subscriber():
    path = PROJECT_ROOT / "data" / "subscriptions.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))["subscribers"]
    named = {s["id"]: n["place"] for s in raw for n in s.get("rules", {}).get("near", []) if "place" in n}
    assert named, "no subscriber of the demo gives a place name"
    subs = {s.id: s for s in load_subscriptions(path)}
    for sid, place in named.items():  # resolved offline to a label and coordinates
        [resolved] = [p for p in subs[sid].rules.near if p.label.startswith(place.split(",")[0])]
        assert -90 <= resolved.lat <= 90 and -180 <= resolved.lon <= 180
    assert any(s.weekly_on is not None for s in subs.values())


def test_path_comes_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("NETPIPELINE_SUBSCRIPTIONS", str(write(tmp_path, GOOD)))
    assert [s.id for s in load_subscriptions(DigestConfig.from_settings().subscriptions_file)] == ["minimal", "full"]


def test_vocabularies_come_from_their_owners():
    """The file is checked against the stages that produce the values, so a value added there
    (a NET subtype, a mechanism class in drug_taxonomy.yaml) is accepted here with no edit."""
    assert set(NET_SUBTYPES) == set(SUBTYPE_CODES) and set(STATUSES) == set(API_ENUMS["Status"])
    assert set(mechanism_class_codes()) == set(mechanism_classes())
    grouped = [t for group in EVENT_GROUPS.values() for t in group]
    assert sorted(grouped) == sorted(CHANGE_EVENT_TYPES), "every change-log event type belongs to one digest group"
    every = "\n".join(f"      - {code}" for code in mechanism_classes())
    [sub] = parse_subscriptions(f"version: 1\nsubscribers:\n  - id: a\n    email: a@example.org\n    rules:\n"
                                f"      mechanism_classes:\n{every}\n")
    assert sub.rules.mechanism_classes == set(mechanism_classes())


def _sub(rules: str = "", extra: str = "", email: str = "x@example.org", sid: str = "alice") -> str:
    text = f"version: 1\nsubscribers:\n  - id: ok\n    email: ok@example.org\n    name: OK\n" \
           f"  - id: {sid}\n    email: {email}\n    name: Alice\n{extra}"
    if rules:
        text += "    rules:\n" + "".join(f"      {line}\n" for line in rules.strip().splitlines())
    return text


BAD = [
    # (file text, pieces the message must contain)
    (_sub("phasez: [2]"), ["'alice' (#2)", "field 'rules'", "unknown key 'phasez'", "did you mean 'phases'"]),
    (_sub(extra="    emial: x@example.org\n"), ["'alice' (#2)", "unknown key 'emial'", "did you mean 'email'"]),
    (_sub(email="not-an-email"), ["'alice' (#2)", "field 'email'", "not a valid e-mail"]),
    (_sub(email='"a@example.org\\r\\nBcc: evil@x.org"'), ["'alice' (#2)", "field 'email'"]),
    (_sub("phases: ['Phase 5']"), ["'alice' (#2)", "field 'rules.phases'", "unknown phase 'Phase 5'"]),
    (_sub("statuses: [recruting]"), ["field 'rules.statuses'", "unknown value 'recruting'", "did you mean 'RECRUITING'"]),
    (_sub("near: [{label: X, lat: 10, lon: 10, radius_km: 0}]"), ["'alice' (#2)", "field 'rules.near[1].radius_km'", "> 0"]),
    (_sub("near: [{label: X, lat: 91, lon: 10, radius_km: 5}]"), ["field 'rules.near[1].lat'", "out of range"]),
    (_sub("near: [{label: X, lat: 10, lon: 10, radius: 5}]"), ["field 'rules.near[1]'", "did you mean 'radius_km'"]),
    (_sub("near: [{label: X, lat: ten, lon: 10, radius_km: 5}]"), ["field 'rules.near[1].lat'", "expected a number"]),
    (_sub(sid="ok"), ["subscriber 'ok' (#2)", "field 'id'", "duplicate id", "#1"]),
    (_sub("watchlist: [NCT123]"), ["'alice' (#2)", "field 'rules.watchlist'", "bad NCT ID 'NCT123'", "8 digits"]),
    (_sub("mechanism_classes: [prrt]"), ["field 'rules.mechanism_classes'", "unknown value 'prrt'"]),
    (_sub("mechanism_classes: [prrt_radioligant]"), ["did you mean 'prrt_radioligand'"]),
    (_sub("net_subtypes: [pancreas]"), ["field 'rules.net_subtypes'", "unknown value 'pancreas'", "did you mean 'pancreatic'"]),
    (_sub("event_types: [site]"), ["field 'rules.event_types'", "unknown value 'site'", "did you mean 'sites'"]),
    (_sub("drugs: zanzalintinib"), ["field 'rules.drugs'", "expected a list, got a string"]),
    (_sub("only_net: 'no'"), ["field 'rules.only_net'", "expected true or false"]),
    (_sub("countries: []"), ["field 'rules.countries'", "empty list"]),
    (_sub(sid="Bad Id"), ["subscriber #2", "field 'id'", "slug"]),
    (_sub(extra="    send_when_empty: true\n", rules="send_when_empty: false"), ["field 'send_when_empty'", "both"]),
    ('version: 1\nsubscribers:\n  - {id: eve, email: e@example.org, name: "Eve\\r\\nBcc: x@example.org"}\n',
     ["subscriber 'eve' (#1)", "field 'name'", "line breaks"]),
    ("version: 2\nsubscribers: []\n", ["field 'version'", "expected 1"]),
    ("version: 1\nsubscribers: {a: 1}\n", ["field 'subscribers'", "expected a list"]),
    ("version: 1\nsubscriber: []\n", ["unknown key 'subscriber'", "did you mean 'subscribers'"]),
]


@pytest.mark.parametrize("text,pieces", BAD, ids=[str(i) for i in range(len(BAD))])
def test_bad_input_fails_with_actionable_message(tmp_path, text, pieces):
    path = write(tmp_path, text)
    with pytest.raises(SubscriptionsError) as info:
        load_subscriptions(path)
    message = str(info.value)
    assert message.startswith(str(path))
    for piece in pieces:
        assert piece in message, f"{piece!r} not in {message!r}"


def test_missing_file(tmp_path):
    with pytest.raises(SubscriptionsError, match=re.escape(str(tmp_path / "nope.yaml")) + ".*not found"):
        load_subscriptions(tmp_path / "nope.yaml")


def test_invalid_yaml(tmp_path):
    path = write(tmp_path, "version: 1\nsubscribers:\n  - id: a\n   email: [unclosed\n")
    with pytest.raises(SubscriptionsError, match="invalid YAML") as info:
        load_subscriptions(path)
    assert str(path) in str(info.value) and "line" in str(info.value)


def test_cadence_is_daily_by_default_or_weekly_on_a_weekday():
    subs = parse_subscriptions("version: 1\nsubscribers:\n  - {id: a, email: a@example.org}\n"
                               "  - {id: b, email: b@example.org, cadence: daily}\n"
                               "  - {id: c, email: c@example.org, cadence: {weekly: Monday}}\n")
    assert [s.weekly_on for s in subs] == [None, None, 0] and subs[2].cadence == "weekly on Monday"
    for bad, words in (("{weekly: fryday}", ["'cadence'", "did you mean 'friday'"]),
                       ("hourly", ["'cadence'", "expected 'daily' or 'weekly: <weekday>'"])):
        with pytest.raises(SubscriptionsError) as err:
            parse_subscriptions(f"version: 1\nsubscribers:\n  - {{id: c, email: c@example.org, cadence: {bad}}}\n")
        assert all(w in str(err.value) for w in words), str(err.value)
