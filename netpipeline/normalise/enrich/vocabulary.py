"""The NET vocabularies every other part validates against (subscriptions, docs, checks).

- NET_SUBTYPES: the subtype codes `net_profile` can give, owned by `net_terms.SUBTYPE_CODES`
  (adding a code there, with its rule, is the whole change).
- MECHANISM_CLASSES: the mechanism-class codes of `trials.intervention_classes`, owned by the
  `classes:` of drug_taxonomy.yaml (adding a class there is the whole change);
  `mechanism_class_labels()` gives their labels.
- RULES_VERSION: one version string for the NET rules and the drug taxonomy together, stored
  with every enrichment row; when it changes, stored versions are enriched again.
"""
from __future__ import annotations

from .drugs import mechanism_classes, taxonomy_version
from .net_terms import NET_TERMS_VERSION, SUBTYPE_CODES

NET_SUBTYPES: tuple[str, ...] = SUBTYPE_CODES
MECHANISM_CLASSES: tuple[str, ...] = tuple(mechanism_classes())


def mechanism_class_labels() -> dict[str, str]:
    return {code: cls.label for code, cls in mechanism_classes().items()}


RULES_VERSION = f"net-terms {NET_TERMS_VERSION}; drugs {taxonomy_version()}"
