"""Expands a compact catalogue row into a full trial spec with realistic defaults.

A row names the subtype, arms, sponsor, phase, status and a few dates; the builder derives the
conditions and MeSH profile, official title, design, outcomes, eligibility (subtype + grade +
row-specific items + the usual organ-function and exclusion boilerplate), date types from the
status, and a seeded choice of sites from the requested regions.
"""
from __future__ import annotations

from typing import Any

from netpipeline.demo.criteria import (
    ADULT, COMMON_EXCLUSION, CONSENT, ECOG_01, ECOG_02, GRADE_TEXT, MEASURABLE, ORGAN_FUNCTION_ITEM)
from netpipeline.demo.places import sites_in_regions
from netpipeline.demo.records import shift, trial_rng

FIRST_DAY = "2026-11-18"

SUBTYPES: dict[str, dict[str, Any]] = {
    "gep": {"conditions": ["Gastroenteropancreatic Neuroendocrine Tumor", "Neuroendocrine Tumors"], "mesh": ["net"],
            "population": "Advanced Gastroenteropancreatic Neuroendocrine Tumors",
            "site": "gastroenteropancreatic origin (GEP-NET)"},
    "pnet": {"conditions": ["Pancreatic Neuroendocrine Tumor", "Neuroendocrine Tumors"], "mesh": ["net", "pancreas"],
             "population": "Advanced Pancreatic Neuroendocrine Tumors", "site": "pancreatic origin"},
    "midgut": {"conditions": ["Midgut Neuroendocrine Tumor", "Carcinoid Tumor of the Small Intestine"],
               "mesh": ["carcinoid", "intestine"], "population": "Small Intestinal (Midgut) Neuroendocrine Tumors",
               "site": "small intestinal (midgut) origin"},
    "syndrome": {"conditions": ["Carcinoid Syndrome", "Neuroendocrine Tumors"], "mesh": ["carcinoid_syndrome", "net"],
                 "population": "Carcinoid Syndrome", "site": "any primary site with carcinoid syndrome",
                 "histology": "Histologically confirmed well-differentiated neuroendocrine tumour with carcinoid "
                              "syndrome"},
    "thoracic": {"conditions": ["Lung Carcinoid Tumor", "Thymic Neuroendocrine Tumor"],
                 "mesh": ["carcinoid", "lung", "thymus"], "population": "Lung or Thymic Carcinoid Tumors",
                 "site": "lung or thymic origin (typical or atypical carcinoid)"},
    "lung": {"conditions": ["Lung Carcinoid Tumor", "Atypical Carcinoid Tumor of the Lung"],
             "mesh": ["carcinoid", "lung"], "population": "Bronchial Carcinoid Tumors",
             "site": "bronchopulmonary origin"},
    "rectal": {"conditions": ["Rectal Neuroendocrine Tumor", "Rectal Carcinoid Tumor"], "mesh": ["carcinoid", "rectum"],
               "population": "Small Rectal Neuroendocrine Tumors", "site": "rectal origin"},
    "gastric": {"conditions": ["Gastric Neuroendocrine Tumor Type 1", "Atrophic Gastritis"], "mesh": ["net", "stomach"],
                "population": "Type 1 Gastric Neuroendocrine Tumors", "site": "gastric origin"},
    "appendix": {"conditions": ["Appendiceal Neuroendocrine Tumor", "Carcinoid Tumor of the Appendix"],
                 "mesh": ["carcinoid", "appendix"], "population": "Appendiceal Neuroendocrine Tumors",
                 "site": "appendiceal origin"},
    "unknown_primary": {"conditions": ["Neuroendocrine Tumor of Unknown Primary", "Neoplasms, Unknown Primary"],
                        "mesh": ["net", "unknown_primary"], "population": "Neuroendocrine Tumors of Unknown Primary",
                        "site": "unknown primary site"},
    "nec": {"conditions": ["Neuroendocrine Carcinoma", "Extrapulmonary Small Cell Carcinoma",
                           "Large Cell Neuroendocrine Carcinoma"], "mesh": ["nec"],
            "population": "Extrapulmonary Neuroendocrine Carcinoma", "site": "extrapulmonary origin",
            "histology": "Histologically confirmed poorly differentiated neuroendocrine carcinoma of extrapulmonary "
                         "origin"},
    "ppgl": {"conditions": ["Pheochromocytoma", "Paraganglioma", "Metastatic Pheochromocytoma"], "mesh": ["ppgl"],
             "population": "Metastatic Pheochromocytoma or Paraganglioma", "site": "adrenal or extra-adrenal origin",
             "histology": "Histologically confirmed pheochromocytoma or paraganglioma"},
    "merkel": {"conditions": ["Merkel Cell Carcinoma"], "mesh": ["merkel"], "population": "Merkel Cell Carcinoma",
               "site": "cutaneous origin",
               "histology": "Histologically confirmed Merkel cell carcinoma"},
    "men1": {"conditions": ["Multiple Endocrine Neoplasia Type 1", "Duodenopancreatic Neuroendocrine Tumor"],
             "mesh": ["men1", "net"], "population": "MEN1-related Duodenopancreatic Neuroendocrine Tumors",
             "site": "duodenopancreatic origin in MEN1"},
    "liver": {"conditions": ["Neuroendocrine Tumor Liver Metastases", "Carcinoid Tumor"],
              "mesh": ["liver_mets", "carcinoid"], "population": "Neuroendocrine Tumor Liver Metastases",
              "site": "any origin with liver-dominant metastases"},
    "heart": {"conditions": ["Carcinoid Heart Disease", "Carcinoid Syndrome"], "mesh": ["heart", "carcinoid_syndrome"],
              "population": "Carcinoid Heart Disease", "site": "any origin with carcinoid heart disease",
              "histology": "Carcinoid syndrome with carcinoid heart disease on echocardiography"},
    "any": {"conditions": ["Neuroendocrine Tumors", "Neuroendocrine Neoplasm"], "mesh": ["net"],
            "population": "Neuroendocrine Neoplasms", "site": "any primary site"},
    "dll3": {"conditions": ["Small Cell Lung Cancer", "Neuroendocrine Carcinoma"], "mesh": ["sclc", "nec"],
             "population": "DLL3-positive Small Cell Lung Cancer or Neuroendocrine Carcinoma",
             "site": "lung or extrapulmonary origin with DLL3 expression",
             "histology": "Histologically confirmed small cell lung cancer or neuroendocrine carcinoma"},
    # non-NET neighbours that a NET query still returns through MeSH ancestors
    "melanoma": {"conditions": ["Melanoma", "Unresectable Melanoma", "Metastatic Melanoma"], "mesh": ["melanoma"],
                 "population": "Previously Untreated Unresectable or Metastatic Melanoma",
                 "site": "cutaneous, acral or unknown primary melanoma",
                 "histology": "Histologically confirmed cutaneous, acral or unknown primary melanoma"},
    "sclc": {"conditions": ["Small Cell Lung Cancer", "Extensive-stage Small Cell Lung Cancer"], "mesh": ["sclc"],
             "population": "Extensive-stage Small Cell Lung Cancer", "site": "lung (small cell lung cancer)",
             "histology": "Histologically or cytologically confirmed small cell lung cancer"},
    "basket": {"conditions": ["Advanced Solid Tumor"], "mesh": ["net"], "population": "Advanced Solid Tumors",
               "site": "any solid tumour type listed in the protocol",
               "histology": "Histologically confirmed advanced solid tumour of a type listed in the protocol"},
}

_DESIGNS = {
    "single": {"allocation": "NA", "interventionModel": "SINGLE_GROUP", "primaryPurpose": "TREATMENT",
               "maskingInfo": {"masking": "NONE"}},
    "sequential": {"allocation": "NON_RANDOMIZED", "interventionModel": "SEQUENTIAL", "primaryPurpose": "TREATMENT",
                   "maskingInfo": {"masking": "NONE"}},
    "open": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
             "maskingInfo": {"masking": "NONE"}},
    "blind": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
              "maskingInfo": {"masking": "DOUBLE", "whoMasked": ["PARTICIPANT", "INVESTIGATOR"]}},
    "diagnostic": {"allocation": "NA", "interventionModel": "SINGLE_GROUP", "primaryPurpose": "DIAGNOSTIC",
                   "maskingInfo": {"masking": "NONE"}},
    "cohort": {"observationalModel": "COHORT", "timePerspective": "PROSPECTIVE"},
    "retrospective": {"observationalModel": "COHORT", "timePerspective": "RETROSPECTIVE"},
}

_PHASE_WORDS = {("PHASE1",): "Phase 1", ("PHASE1", "PHASE2"): "Phase 1/2", ("PHASE2",): "Phase 2",
                ("PHASE2", "PHASE3"): "Phase 2/3", ("PHASE3",): "Phase 3", ("PHASE4",): "Phase 4",
                ("NA",): "Prospective", ("EARLY_PHASE1",): "Early Phase 1"}

_DEFAULT_OUTCOMES = {
    "PHASE1": ([("Number of participants with dose-limiting toxicities (DLTs)", "Up to 28 days")],
               [("Recommended phase 2 dose", "Up to 24 months"), ("Objective response rate", "Up to 24 months")]),
    "PHASE2": ([("Progression-free survival (PFS) per RECIST 1.1", "Up to 36 months")],
               [("Objective response rate (ORR)", "Up to 36 months"), ("Overall survival", "Up to 48 months"),
                ("Incidence of treatment-emergent adverse events", "Up to 36 months")]),
    "PHASE3": ([("Progression-free survival by blinded independent central review", "Up to 48 months")],
               [("Overall survival", "Up to 72 months"), ("Objective response rate", "Up to 48 months"),
                ("Time to deterioration in EORTC QLQ-C30 global health status", "Up to 48 months")]),
    "OBSERVATIONAL": ([("Overall survival", "Up to 10 years")],
                      [("Treatment patterns", "Up to 10 years"), ("Progression-free survival on each line of "
                                                                  "therapy", "Up to 10 years")]),
}

INDUSTRY_OVERSIGHT = {"oversightHasDmc": True, "isFdaRegulatedDrug": True, "isFdaRegulatedDevice": False}
ACADEMIC_OVERSIGHT = {"oversightHasDmc": False, "isFdaRegulatedDrug": False, "isFdaRegulatedDevice": False}


_PROPER_NOUNS = {"Merkel", "Japanese", "German", "Veterans", "Krenning", "Lu", "Ga", "Cu"}


def sentence_case(text: str) -> str:
    """Title Case -> sentence case for use mid-sentence; acronyms, codes and proper nouns are kept."""
    def lower(part: str) -> str:
        core = part.strip("(),:;")
        if len(core) > 1 and core[0].isupper() and core[1:].islower() and core not in _PROPER_NOUNS:
            return part.replace(core, core.lower(), 1)
        return part
    return " ".join("-".join(lower(p) for p in word.split("-")) for word in text.split(" "))


def histology(subtype: str) -> str:
    return SUBTYPES[subtype].get("histology") or (
        f"Histologically confirmed neuroendocrine neoplasm of {SUBTYPES[subtype]['site']}")


def arm(label: str, kind: str | None, description: str, *drugs: str) -> dict[str, Any]:
    return {"label": label, "type": kind, "description": description, "drugs": list(drugs)}


def _date_types(status: str, start: str, primary: str | None, completion: str | None) -> dict[str, Any]:
    def kind(date: str | None, closed: bool) -> str | None:
        if date is None:
            return None
        return "ACTUAL" if closed and date <= FIRST_DAY else "ESTIMATED"
    done = status in ("COMPLETED", "TERMINATED")
    started = status not in ("NOT_YET_RECRUITING", "WITHDRAWN")
    start_type = None if start < "2010" else ("ACTUAL" if started else "ESTIMATED")
    closed_primary = done or status in ("ACTIVE_NOT_RECRUITING",)
    completion_type = None if start < "2005" else kind(completion, done)  # very old records often lack it
    return {"start": (start, start_type),
            "primary_completion": (primary, kind(primary, closed_primary)) if primary else None,
            "completion": (completion, completion_type) if completion else None}


def _sites(nct_id: str, status: str, sites: Any, site_status: str | None) -> list[tuple[str, str | None]]:
    if isinstance(sites, tuple) and sites:
        regions, count = sites
        pool = sites_in_regions(regions)
        keys = trial_rng(nct_id, "sites").sample(pool, count)
    else:
        keys = list(sites)
    if site_status is None:
        site_status = status if status in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION") else "none"
    return [(key, None if site_status == "none" else site_status) for key in keys]


def trial(nct_id: str, brief_title: str, *, sponsor: tuple[str, str], phases: tuple[str, ...] | None, status: str,
          subtype: str, arms: list[dict[str, Any]], drugs: list[str] | None = None, sites: Any = (), start: str,
          primary: str | None = None, completion: str | None = None, enrollment: int, design: str = "single",
          grade: str | None = "G1G2", inclusion: tuple = (), exclusion: tuple = (), summary: str | None = None,
          what: str | None = None, site_status: str | None = None, enrollment_type: str | None = None,
          measurable: bool = True,
          **overrides: Any) -> dict[str, Any]:
    """A full trial spec from a catalogue row; any spec key can be overridden by keyword."""
    rng = trial_rng(nct_id, "catalogue")
    info = SUBTYPES[subtype]
    observational = phases is None
    phase_words = "Observational" if observational else _PHASE_WORDS[tuple(phases)]
    population = f" in Patients With {info['population']}" if what or " in " in brief_title else ""
    what = what or brief_title.split(" in ")[0]
    randomized = design in ("open", "blind")
    placebo = any("placebo" in a["drugs"] for a in arms)
    masking = (", Double-blind" + (", Placebo-controlled" if placebo else "")) if design == "blind" else ""
    article = "An" if phase_words[0] in "AEIOU" else "A"
    official = (f"{article} {phase_words}{', Randomized' if randomized else ''}{masking} Study of {what}{population}"
                if not observational else f"A Prospective Observational Study of {what}{population}")
    closed = status in ("COMPLETED", "TERMINATED", "ACTIVE_NOT_RECRUITING", "WITHDRAWN")
    last_update = overrides.pop("last_update", None) or shift(FIRST_DAY, -rng.randint(20, 400))
    primary_outcomes, secondary_outcomes = _DEFAULT_OUTCOMES["OBSERVATIONAL" if observational else
                                                             ("PHASE1" if phases[0] == "PHASE1" else
                                                              "PHASE3" if "PHASE3" in phases else "PHASE2")]
    eligibility_core = [ADULT, histology(subtype)]
    if grade:
        eligibility_core.append(GRADE_TEXT[grade])
    treatment = [] if observational or design == "diagnostic" else [
        *([MEASURABLE] if measurable else []), ECOG_01 if rng.random() < 0.6 else ECOG_02, ORGAN_FUNCTION_ITEM]
    industry = sponsor[1] == "INDUSTRY"
    open_status = status in ("RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION")
    spec: dict[str, Any] = {
        "nct_id": nct_id, "org_study_id": overrides.pop("org_study_id", f"{nct_id[-5:]}-{start[:4]}"),
        "brief_title": brief_title, "official_title": official, "sponsor": sponsor, "status": status,
        **_date_types(status, start, primary, completion),
        "first_submitted": overrides.pop("first_submitted", None) or shift(f"{start[:7]}-01", -rng.randint(30, 120)),
        "last_update": last_update, "verified": overrides.pop("verified", None) or last_update[:7],
        "oversight": INDUSTRY_OVERSIGHT if industry else ACADEMIC_OVERSIGHT,
        "summary": summary or f"This {phase_words.lower()} study evaluates {sentence_case(what)}"
                              f"{sentence_case(population)}.",
        "conditions": list(info["conditions"]), "condition_mesh": list(info["mesh"]),
        "study_type": "OBSERVATIONAL" if observational else "INTERVENTIONAL",
        "phases": list(phases) if phases else None, "design_info": _DESIGNS[design],
        "enrollment": (enrollment, enrollment_type or ("ACTUAL" if closed else "ESTIMATED")),
        "arms": arms, "drugs": drugs or list(dict.fromkeys(d for a in arms for d in a["drugs"])),
        "primary_outcomes": primary_outcomes, "secondary_outcomes": secondary_outcomes,
        "inclusion": [*eligibility_core, *inclusion, *treatment, CONSENT],
        "exclusion": ([*exclusion] or ["Unable or unwilling to provide informed consent"]) if observational
                     else [*exclusion, *COMMON_EXCLUSION],
        "min_age": "18 Years",
        "central_contact": ("sponsor" if industry else "pi") if open_status else None,
        "officials": [(sponsor[0], "STUDY_DIRECTOR" if industry else "PRINCIPAL_INVESTIGATOR")],
        "site_contacts": "pi" if open_status else None,
        "sites": _sites(nct_id, status, sites, site_status),
    }
    if observational:
        spec["patient_registry"] = False
        spec["study_population"] = f"Adults with {info['population'].lower()} seen at participating centres."
        spec["sampling_method"] = "NON_PROBABILITY_SAMPLE"
    spec.update(overrides)
    return spec
