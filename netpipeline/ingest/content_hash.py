"""Content hash of a study record that ignores what changes every day without meaning.

Real consecutive days of ClinicalTrials.gov differ in `derivedSection.miscInfoModule.versionHolder`
(the data date, on every study), in the order of the MeSH browse lists and in their `asFound`
values. Hashing the served bytes would report every study as changed every day.
"""
from __future__ import annotations

import hashlib
from typing import Any

import orjson

_BROWSE_MODULES = ("conditionBrowseModule", "interventionBrowseModule")


def canonical_study(study: dict[str, Any]) -> dict[str, Any]:
    """A copy of the study with volatile fields removed and MeSH lists in a fixed order."""
    derived = study.get("derivedSection")
    if not isinstance(derived, dict):
        return study
    out = dict(study)
    derived = dict(derived)
    misc = derived.get("miscInfoModule")
    if isinstance(misc, dict) and "versionHolder" in misc:
        derived["miscInfoModule"] = {k: v for k, v in misc.items() if k != "versionHolder"}
    for name in _BROWSE_MODULES:
        module = derived.get(name)
        if isinstance(module, dict):
            derived[name] = _canonical_browse(module)
    out["derivedSection"] = derived
    return out


def _canonical_browse(module: dict[str, Any]) -> dict[str, Any]:
    module = dict(module)
    leaves = module.get("browseLeaves")
    if isinstance(leaves, list):
        stripped = [
            {k: v for k, v in leaf.items() if k != "asFound"} if isinstance(leaf, dict) else leaf
            for leaf in leaves
        ]
        module["browseLeaves"] = sorted(stripped, key=_sort_key)
    branches = module.get("browseBranches")
    if isinstance(branches, list):
        module["browseBranches"] = sorted(branches, key=_sort_key)
    return module


def _sort_key(item: Any) -> bytes:
    return orjson.dumps(item, option=orjson.OPT_SORT_KEYS)


def content_hash(study: dict[str, Any]) -> str:
    """sha256 (hex) of the canonical study, serialised with sorted keys."""
    canonical = orjson.dumps(canonical_study(study), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).hexdigest()
