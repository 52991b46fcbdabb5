"""The day-to-day edits of the demo: what changes between 2026-11-18, -19 and -20.

Every change kind a change-log needs happens on a clearly identifiable trial (see the comments in
the catalogue), next to edits that must NOT count as changes: a facility name touched up, sites
re-listed in another order, a lastUpdatePostDate type flip, and every day the volatile fields
(`versionHolder`; MeSH browse-list order and `asFound` on some studies).
"""
from __future__ import annotations

import random
from typing import Any

from netpipeline.demo import sponsors as S
from netpipeline.demo.criteria import GRADE_TEXT, LE
from netpipeline.demo.edits import (
    DayEdits, add_arm, add_site, add_trial, edit_criteria, flip_last_update_type, post_results, remove_arm,
    remove_site, remove_trial, rename_facility, reorder_sites, set_date, set_enrollment, set_lead_sponsor,
    set_phases, set_site_status, set_status, set_title)

DAYS = ("2026-11-18", "2026-11-19", "2026-11-20")

ZANZALINTINIB = "NCT06943755"


def edit_day_2(edits: DayEdits) -> None:
    add_trial(edits, "NCT07251136")
    remove_trial(edits, "NCT05519787")
    set_status(edits, "NCT06571240", "RECRUITING")
    set_site_status(edits, "NCT06571240", "mdacc", "RECRUITING")
    set_status(edits, "NCT05192863", "ACTIVE_NOT_RECRUITING")
    add_site(edits, ZANZALINTINIB, "dfci", "RECRUITING")
    add_site(edits, ZANZALINTINIB, "clb", "RECRUITING")
    set_site_status(edits, "NCT05773274", "iowa", "ACTIVE_NOT_RECRUITING")
    set_enrollment(edits, "NCT05746208", count=55)
    set_date(edits, "NCT06955169", "primary_completion_date", "2029-03-31", "ESTIMATED")
    edit_criteria(edits, "NCT05239572", GRADE_TEXT["G1G2"],
                  f"Well-differentiated grade 1, 2 or 3 neuroendocrine tumour (Ki-67 index {LE} 55%) per WHO 2019 "
                  "classification")
    set_phases(edits, "NCT05710263", ["PHASE2", "PHASE3"])
    post_results(edits, "NCT03517969")
    set_lead_sponsor(edits, "NCT05386917", S.BMS)
    set_title(edits, "NCT04711369", "177Lu-Edotreotide (ITM-11) Versus Everolimus in Progressive "
                                    "Gastroenteropancreatic Neuroendocrine Tumours")
    rename_facility(edits, "NCT04665739", "mayo_mn", "Mayo Clinic in Rochester")
    reorder_sites(edits, "NCT04837261")
    flip_last_update_type(edits, "NCT00711506")


def edit_day_3(edits: DayEdits) -> None:
    add_trial(edits, "NCT07258310")
    set_status(edits, "NCT06602715", "TERMINATED", why_stopped="Sponsor decision: slower than planned accrual; "
                                                                "not related to safety")
    set_status(edits, "NCT06655018", "WITHDRAWN", why_stopped="Funding for the study was not obtained")
    add_site(edits, ZANZALINTINIB, "asan", "RECRUITING")
    add_site(edits, ZANZALINTINIB, "vhio", "NOT_YET_RECRUITING")
    remove_site(edits, "NCT05420389", "ucsd")
    set_site_status(edits, "NCT06788938", "ucla_sm", "RECRUITING")
    set_date(edits, "NCT06571240", "start_date", "2026-11-16", "ACTUAL")
    set_date(edits, "NCT00569127", "completion_date", "2028-12-31", "ESTIMATED")
    set_enrollment(edits, "NCT03294852", kind="ACTUAL")
    edit_criteria(edits, "NCT07037420", "Prior PRRT within 12 months before randomization",
                  "Any prior PRRT, or prior treatment with an investigational complement inhibitor")
    add_arm(edits, "NCT04534781", "Part C: BI 764532 + ezabenlimab", "EXPERIMENTAL",
            "BI 764532 IV every 3 weeks at the recommended dose plus ezabenlimab 240 mg IV every 3 weeks.",
            ["obrixtamig", "ezabenlimab"])
    remove_arm(edits, "NCT04612361", "Cohort B: nivolumab + ipilimumab + temozolomide")


EDITS_BY_DAY = {DAYS[1]: edit_day_2, DAYS[2]: edit_day_3}


# --- volatile noise --------------------------------------------------------------------------------

def _reorder(items: list[Any], rng: random.Random) -> list[Any]:
    """A shuffled copy that is guaranteed to differ from the input when it has two or more items."""
    shuffled = list(items)
    rng.shuffle(shuffled)
    if len(shuffled) > 1 and shuffled == items:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled


def shuffle_browse_lists(edits: DayEdits, share: float = 0.3, as_found_share: float = 0.3) -> None:
    """Re-order MeSH browse lists on a seeded share of studies, and change `asFound` on some of them."""
    rng = random.Random(f"netpipeline-demo:browse-noise:{edits.day}")
    for nct_id in sorted(edits.studies):
        if rng.random() >= share:
            continue
        derived = edits.studies[nct_id]["derivedSection"]
        for name in ("conditionBrowseModule", "interventionBrowseModule"):
            module = derived.get(name)
            if module is None:
                continue
            module["browseLeaves"] = _reorder(module["browseLeaves"], rng)
            module["browseBranches"] = _reorder(module["browseBranches"], rng)
        edits.note_noise(nct_id, "browse_lists_reordered")
        if rng.random() < as_found_share:
            _change_as_found(edits, nct_id, rng)


def _change_as_found(edits: DayEdits, nct_id: str, rng: random.Random) -> None:
    leaves = [leaf for leaf in edits.studies[nct_id]["derivedSection"]["conditionBrowseModule"]["browseLeaves"]
              if "asFound" in leaf]
    conditions = edits.protocol(nct_id)["conditionsModule"]["conditions"]
    leaf = rng.choice(leaves)
    candidates = [c for c in conditions if c != leaf["asFound"]] or [leaf["asFound"].lower()]
    old = leaf["asFound"]
    leaf["asFound"] = rng.choice(candidates)
    edits.note_noise(nct_id, "as_found_changed", term=leaf["name"], old=old, new=leaf["asFound"])


def set_version_holder(studies: dict[str, dict[str, Any]], day: str) -> None:
    for study in studies.values():
        study["derivedSection"]["miscInfoModule"]["versionHolder"] = day
