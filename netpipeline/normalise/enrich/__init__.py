"""NET enrichment: pure functions over one study version, plus curated vocabularies.

- `classify_intervention` maps an intervention to drugs and mechanism classes
  (drug_taxonomy.yaml, `taxonomy_version()`).
- `net_profile` decides whether a study is a NET trial and extracts subtypes, grades, Ki-67,
  SSTR imaging / Krenning, DLL3 and prior-therapy criteria; `NET_CANDIDATE_PATTERN` is its
  SQL-usable prefilter and `empty_profile()` the value for studies the prefilter skips.
- `vocabulary` is the one owner-facing list of NET_SUBTYPES and MECHANISM_CLASSES (and the
  RULES_VERSION) that every other part validates against.
No Dagster, no DuckDB, no I/O beyond reading the taxonomy once.
"""
from .drugs import DrugMatch, MechanismClass, classify_intervention, mechanism_classes, normalise_name, taxonomy_version
from .net_profile import NET_CANDIDATE_PATTERN, PROFILE_KEYS, empty_profile, net_profile, profile_input_from_record
from .net_terms import NET_TERMS_VERSION, SUBTYPE_CODES
from .vocabulary import MECHANISM_CLASSES, NET_SUBTYPES, RULES_VERSION

__all__ = [
    "DrugMatch", "MECHANISM_CLASSES", "MechanismClass", "NET_CANDIDATE_PATTERN", "NET_SUBTYPES", "RULES_VERSION", "NET_TERMS_VERSION", "PROFILE_KEYS", "SUBTYPE_CODES",
    "classify_intervention", "empty_profile", "mechanism_classes", "net_profile", "normalise_name",
    "profile_input_from_record", "taxonomy_version",
]
