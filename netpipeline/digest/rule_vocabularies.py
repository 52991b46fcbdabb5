"""The vocabularies a subscriptions file is validated against, and the digest's event groups.

The vocabularies belong to the stages that produce the values; the file is validated against
them, so a subtype or mechanism class added there is accepted here at once.
"""
from __future__ import annotations

from netpipeline.normalise.api_enums import API_ENUMS
from netpipeline.normalise.enrich.drugs import mechanism_classes
from netpipeline.normalise.enrich.net_terms import SUBTYPE_CODES

PHASES = API_ENUMS["Phase"]
STATUSES = API_ENUMS["Status"]
SPONSOR_CLASSES = API_ENUMS["AgencyClass"]
NET_SUBTYPES = SUBTYPE_CODES


def mechanism_class_codes() -> tuple[str, ...]:
    """The mechanism classes of the drug taxonomy (drug_taxonomy.yaml), read when a file is validated."""
    return tuple(mechanism_classes())


# The digest's own vocabulary: how event types are grouped for `event_types` (every type of
# changes/event_types.py belongs to one group; a test checks it).
EVENT_GROUPS: dict[str, tuple[str, ...]] = {
    "new_trial": ("new_trial",),
    "status": ("status_changed", "left_scope"),
    "scope": ("entered_scope", "reclassified"),
    "sites": ("site_added", "site_removed", "site_status_changed"),
    "eligibility": ("eligibility_changed",),
    "dates": ("date_changed",),
    "results": ("results_posted",),
    "phase": ("phase_changed",),
    "enrollment": ("enrollment_changed",),
    "design": ("intervention_added", "intervention_removed", "arm_added", "arm_removed"),
    "sponsor": ("sponsor_changed",),
    "title": ("title_changed",),
}
