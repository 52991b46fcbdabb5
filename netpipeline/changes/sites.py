"""Site identity across days: re-ordering never matters and small edits of a name are the same site.

Exact `site_key` (normalised facility + city + country) first; what remains is paired within the
same city and country by name similarity, so "Mayo Clinic" → "Mayo Clinic in Rochester" is one
site whose name changed, not a site removed and another added.
"""
from __future__ import annotations

import difflib
import re
from typing import Any

_NON_WORD = re.compile(r"[^a-z0-9]+")
SIMILARITY_MIN = 0.6


def _norm(text: str | None) -> str:
    return _NON_WORD.sub(" ", (text or "").lower()).strip()


def _place(site: dict[str, Any]) -> tuple[str, str]:
    return _norm(site.get("city")), _norm(site.get("country"))


def _similar(a: str, b: str) -> float:
    a, b = _norm(a), _norm(b)
    if not a or not b:
        return 0.0
    if a in b or b in a:
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()


def match_sites(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> tuple[list[tuple[dict, dict]], list[dict], list[dict]]:
    """Pair old and new sites; return (pairs, removed, added)."""
    pairs: list[tuple[dict, dict]] = []
    new_by_key: dict[str, list[dict]] = {}
    for site in new:
        new_by_key.setdefault(site.get("site_key") or "", []).append(site)
    unmatched_old: list[dict] = []
    for site in old:
        bucket = new_by_key.get(site.get("site_key") or "")
        if bucket:
            pairs.append((site, bucket.pop(0)))
        else:
            unmatched_old.append(site)
    unmatched_new = [s for bucket in new_by_key.values() for s in bucket]
    removed: list[dict] = []
    for site in unmatched_old:
        candidates = [(n, _similar(site.get("name"), n.get("name"))) for n in unmatched_new if _place(n) == _place(site)]
        best = max(candidates, key=lambda c: c[1], default=None)
        if best and best[1] >= SIMILARITY_MIN:
            pairs.append((site, best[0]))
            unmatched_new.remove(best[0])
        else:
            removed.append(site)
    return pairs, removed, unmatched_new
