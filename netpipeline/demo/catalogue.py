"""The trial universe of the demo: the ten named programmes plus the catalogue rows.

A trial spec is a plain dict read by `records.build_study`. Main keys: `nct_id`, titles,
`sponsor`/`collaborators` as (name, class), `status`, `start`/`primary_completion`/`completion` as
(date, type or None), `first_submitted`, `last_update`, `verified`, `conditions`, `condition_mesh`
(profiles in `mesh.py`), `study_type`, `phases`, `design_info`, `enrollment` as (count, type),
`arms` (label, type, description, drug keys), `drugs` (keys of `drugs.DRUGS`), outcomes,
`inclusion`/`exclusion` items, ages, `sites` as (site key, status or None), `site_contacts`,
`central_contact`, `officials`, optional `results` (posted on day 1) or `pending_results`
(posted by a day-to-day edit).
"""
from __future__ import annotations

from typing import Any

from netpipeline.demo.catalogue_drugs import SSA_TRIALS, TARGETED_TRIALS
from netpipeline.demo.catalogue_immuno import DLL3_AND_OTHER_TRIALS, IMMUNOTHERAPY_TRIALS
from netpipeline.demo.catalogue_other import (
    EXPANDED_ACCESS, NEIGHBOUR_TRIALS, NEW_ON_DAY_2, NEW_ON_DAY_3, OBSERVATIONAL_TRIALS, PROCEDURE_AND_IMAGING_TRIALS)
from netpipeline.demo.catalogue_radio_chemo import CHEMOTHERAPY_TRIALS, PRRT_TRIALS
from netpipeline.demo.programs import ALXN2420, TARLATAMAB, ZANZALINTINIB
from netpipeline.demo.programs_nci import LENVATINIB_PEMBROLIZUMAB, LUTETIUM_RETREATMENT, RTOG_LUNG
from netpipeline.demo.programs_nci_more import LUTETIUM_ATEZOLIZUMAB, LUTETIUM_SSTR, SACITUZUMAB, SWOG_S0518

NAMED_PROGRAMS: list[dict[str, Any]] = [
    ZANZALINTINIB, ALXN2420, TARLATAMAB, LUTETIUM_RETREATMENT, RTOG_LUNG, LENVATINIB_PEMBROLIZUMAB, SACITUZUMAB,
    LUTETIUM_SSTR, LUTETIUM_ATEZOLIZUMAB, SWOG_S0518,
]

DAY_ONE_SPECS: list[dict[str, Any]] = [
    *NAMED_PROGRAMS, *SSA_TRIALS, *TARGETED_TRIALS, *PRRT_TRIALS, *CHEMOTHERAPY_TRIALS, *IMMUNOTHERAPY_TRIALS,
    *DLL3_AND_OTHER_TRIALS, *OBSERVATIONAL_TRIALS, *PROCEDURE_AND_IMAGING_TRIALS, *NEIGHBOUR_TRIALS, *EXPANDED_ACCESS,
]

LATER_SPECS: list[dict[str, Any]] = [NEW_ON_DAY_2, NEW_ON_DAY_3]

SPECS_BY_ID: dict[str, dict[str, Any]] = {spec["nct_id"]: spec for spec in (*DAY_ONE_SPECS, *LATER_SPECS)}


def spec_for(nct_id: str) -> dict[str, Any]:
    return SPECS_BY_ID[nct_id]
