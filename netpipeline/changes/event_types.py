"""The change-log's event types: the one list the diff emits from and everything else checks against.

`diff.event` refuses a type not listed here, the digest's event groups must cover every type
(a test says so), and tests import this tuple rather than restating it.
"""
from __future__ import annotations

EVENT_TYPES = (
    "new_trial", "left_scope", "status_changed", "phase_changed", "enrollment_changed", "site_added",
    "site_removed", "site_status_changed", "eligibility_changed", "date_changed", "intervention_added",
    "intervention_removed", "arm_added", "arm_removed", "sponsor_changed", "results_posted", "title_changed",
    # scope drift: a study first posted before the base day that the query or the NET rules
    # now include (not a new registration), and a version our own NET rules now call differently
    "entered_scope", "reclassified",
)
