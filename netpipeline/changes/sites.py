"""Site identity across days: re-ordering never matters and small edits of a name are the same site.

Matching old and new sites of one trial, in two passes:

1. exact `site_key` (normalised facility + city + country, see trials.facilities). Within one key
   (a facility listed twice) identical entries pair first, so re-listing duplicates in another
   order does not swap their statuses;
2. what remains is paired at the same place (same country, and the same city, a city name that
   is a small edit of it, or coordinates within PLACE_KM) by facility-name similarity, best pairs
   first, so "Mayo Clinic" -> "Mayo Clinic in Rochester" is one site whose name changed, not a
   site removed and another added. Below SIMILARITY_MIN the sites are different sites.
"""
from __future__ import annotations

import difflib
import math
import re
import unicodedata
from typing import Any

_NON_WORD = re.compile(r"[^a-z0-9]+")
SIMILARITY_MIN = 0.75   # facility names this similar at the same place are one site
CITY_SIMILARITY_MIN = 0.8
PLACE_KM = 2.0

Site = dict[str, Any]


def _norm(text: str | None) -> str:
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    return _NON_WORD.sub(" ", folded.lower()).strip()


def name_similarity(a: str | None, b: str | None) -> float:
    """0..1: 1 for the same normalised name, 0.95 when one name is the other plus words
    ("Mayo Clinic" / "Mayo Clinic in Rochester"), else the best of the character ratio of the
    names and of their sorted words."""
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long = sorted((a, b), key=len)
    if len(short.split()) >= 2 and f" {short} " in f" {long} ":
        return 0.95
    words = difflib.SequenceMatcher(None, " ".join(sorted(a.split())), " ".join(sorted(b.split()))).ratio()
    return max(difflib.SequenceMatcher(None, a, b).ratio(), words)


def _km(a: Site, b: Site) -> float | None:
    try:
        lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in
                                  (a["latitude"], a["longitude"], b["latitude"], b["longitude"]))
    except (KeyError, TypeError, ValueError):
        return None
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def same_place(a: Site, b: Site) -> bool:
    if _norm(a.get("country")) != _norm(b.get("country")):
        return False
    city_a, city_b = _norm(a.get("city")), _norm(b.get("city"))
    if city_a == city_b or (city_a and city_b and
                            difflib.SequenceMatcher(None, city_a, city_b).ratio() >= CITY_SIMILARITY_MIN):
        return True
    km = _km(a, b)
    return km is not None and km <= PLACE_KM


def _fingerprint(site: Site) -> tuple:
    return tuple(site.get(k) for k in ("name", "status", "state", "zip", "latitude", "longitude"))


def match_sites(old: list[Site], new: list[Site]) -> tuple[list[tuple[Site, Site]], list[Site], list[Site]]:
    """Pair old and new sites; return (pairs, removed, added), each in the input lists' order."""
    pairs: list[tuple[int, int]] = []
    free_new: dict[str, list[int]] = {}
    for j, site in enumerate(new):
        free_new.setdefault(site.get("site_key") or "", []).append(j)
    free_old: list[int] = []
    by_key: dict[str, list[int]] = {}
    for i, site in enumerate(old):
        by_key.setdefault(site.get("site_key") or "", []).append(i)
    for key, olds in by_key.items():
        news = free_new.get(key, [])
        rest = []
        for i in olds:  # identical entries first
            twin = next((j for j in news if _fingerprint(new[j]) == _fingerprint(old[i])), None)
            if twin is None:
                rest.append(i)
            else:
                news.remove(twin)
                pairs.append((i, twin))
        for i in rest:
            if news:
                pairs.append((i, news.pop(0)))
            else:
                free_old.append(i)
    unmatched_new = sorted(j for js in free_new.values() for j in js)
    candidates = sorted(
        ((score, i, j) for i in free_old for j in unmatched_new if same_place(old[i], new[j])
         for score in [name_similarity(old[i].get("name"), new[j].get("name"))] if score >= SIMILARITY_MIN),
        key=lambda c: (-c[0], c[1], c[2]))
    taken_old: set[int] = set()
    taken_new: set[int] = set()
    for _score, i, j in candidates:
        if i not in taken_old and j not in taken_new:
            pairs.append((i, j))
            taken_old.add(i)
            taken_new.add(j)
    pairs.sort()
    removed = [old[i] for i in sorted(free_old) if i not in taken_old]
    added = [new[j] for j in unmatched_new if j not in taken_new]
    return [(old[i], new[j]) for i, j in pairs], removed, added
