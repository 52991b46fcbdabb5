"""NET profile: the facts read from eligibility text (grades, Ki-67, SSTR imaging and Krenning
score, DLL3, prior therapy), on criteria shaped like real trials'."""
from __future__ import annotations

import re

import pytest

from netpipeline.normalise.enrich import net_profile
from netpipeline.normalise.enrich.eligibility_rules import split_eligibility
from netpipeline_tests.enrich_samples import DLL3_NEC, NETTER_LIKE, study, subtypes


def test_netter_like_criteria():
    profile = net_profile(study(conditions=["Gastroenteropancreatic Neuroendocrine Tumor"],
                                eligibility_criteria=NETTER_LIKE))
    assert profile["grades"] == ["G2", "G3"]  # not G1 from the toxicity bullet, not G3 from AEs
    assert profile["differentiation"] == "well"
    assert (profile["ki67_min"], profile["ki67_max"]) == (10.0, 55.0)
    assert profile["ki67_text"] == "Ki-67 index \u2265 10% and \u2264 55% [inclusion: \u2265 10 and \u2264 55]"
    assert profile["requires_sstr_imaging"] is True
    assert "68Ga-DOTATATE PET/CT" in profile["sstr_imaging_text"]
    assert profile["krenning_min"] == 3
    assert (profile["prior_ssa"], profile["prior_prrt"], profile["prior_everolimus"]) == ("required", "excluded", None)
    assert "exclusion: Prior PRRT" in profile["prior_therapy_text"]
    assert subtypes(profile) == ["pancreatic", "small_bowel", "gastrointestinal"]
    assert profile["requires_dll3"] is False and profile["dll3_text"] is None


def test_dll3_nec_criteria():
    profile = net_profile(study(conditions=["Neuroendocrine Carcinoma"], eligibility_criteria=DLL3_NEC))
    assert profile["requires_dll3"] is True and profile["dll3_text"] == (
        "required (DLL3-positive result demanded): DLL3-positive tumour by central immunohistochemistry")
    assert profile["differentiation"] == "poorly"  # the "well-differentiated" sentence is under exclusion
    assert (profile["ki67_min"], profile["ki67_max"]) == (20.0, None)
    assert subtypes(profile) == ["high_grade_nec"]
    assert profile["requires_sstr_imaging"] is False and profile["krenning_min"] is None


COMPETE_LIKE = """Inclusion Criteria:

* Histologically confirmed diagnosis of well-differentiated neuroendocrine tumour of non-functional gastroenteric origin (GE-NET) or both functional or non-functional pancreatic origin (P-NET)
* Ki-67 index \u2264 20%
* Somatostatin receptor positive disease (SRI), as evidenced by 68Ga-SSTR PET/CT

Exclusion Criteria:

* Prior exposure to any peptide receptor radionuclide therapy (PRRT)
* Prior therapy with mTOR inhibitors
* Therapy with 131I-MIBG within the last 6 months
"""

CABINET_LIKE = """Inclusion Criteria:

* Histologically confirmed well- or moderately-differentiated neuroendocrine tumor of pancreatic or extra-pancreatic origin (including carcinoid tumors of the lung and thymus)
* Patients must have progressed on at least one FDA-approved line of therapy other than somatostatin analogs (e.g. everolimus, sunitinib, lutetium Lu 177 dotatate)
* Patients may be on a concurrent somatostatin analog if on a stable dose for at least 2 months

Exclusion Criteria:

* Grade 3 or 4 neuroendocrine tumor or small cell carcinoma
"""


def test_compete_like_criteria():
    p = net_profile(study(conditions=["Neuroendocrine Tumors"], eligibility_criteria=COMPETE_LIKE))
    assert subtypes(p) == ["pancreatic", "gastrointestinal"]  # from "GE-NET" / "P-NET" in the inclusion text
    assert (p["differentiation"], p["ki67_min"], p["ki67_max"]) == ("well", None, 20.0)
    assert p["requires_sstr_imaging"] and p["krenning_min"] is None
    assert (p["prior_ssa"], p["prior_prrt"], p["prior_everolimus"]) == (None, "excluded", "excluded")


def test_cabinet_like_options_and_exemptions_are_not_requirements():
    p = net_profile(study(conditions=["Pancreatic Neuroendocrine Tumor", "Carcinoid Tumor"],
                          eligibility_criteria=CABINET_LIKE))
    # "other than somatostatin analogs (e.g. everolimus, sunitinib, lutetium Lu 177 dotatate)" lists
    # options; "may be on a concurrent somatostatin analog" is a permission
    assert (p["prior_ssa"], p["prior_prrt"], p["prior_everolimus"]) == (None, None, None)
    assert p["requires_sstr_imaging"] is False  # the dotatate there is a prior drug, not a scan
    assert p["differentiation"] == "well"
    assert subtypes(p) == ["pancreatic", "lung", "thymic"]  # "extra-pancreatic" is not pancreatic
    assert p["grades"] == []  # "Grade 3 or 4" is under exclusion


def test_dll3_not_required_and_negative_exclusion():
    not_required = "Inclusion Criteria:\n* Tumour tissue for DLL3 testing; DLL3 expression is not required for enrolment"
    assert net_profile(study(conditions=["NEC of the cervix", "Neuroendocrine Carcinoma"],
                             eligibility_criteria=not_required))["requires_dll3"] is False
    negative = "Exclusion Criteria:\n* DLL3-negative tumour on archival tissue"
    profile = net_profile(study(conditions=["Neuroendocrine Carcinoma"], eligibility_criteria=negative))
    assert profile["requires_dll3"] is True and profile["dll3_text"] == (
        "required (DLL3-negative disease excluded): DLL3-negative tumour on archival tissue")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Ki-67 \u2264 20%", (None, 20.0)),
        ("Ki-67 index \u2264 20 %", (None, 20.0)),
        ("Ki67 <= 20%", (None, 20.0)),
        ("Ki67 \\<= 20%", (None, 20.0)),  # a stray CT.gov Markdown escape is tolerated
        ("Ki-67 20-55%", (20.0, 55.0)),
        ("Ki-67 20\u201355 %", (20.0, 55.0)),
        ("Ki-67 between 20% and 55%", (20.0, 55.0)),
        ("Ki-67 > 20%", (20.0, None)),
        ("Ki-67 >= 10%", (10.0, None)),
        ("Ki-67 index of 3% to 20%", (3.0, 20.0)),
        ("G3 (Ki-67 > 20%)", (20.0, None)),
        ("a Ki-67 proliferation index of less than or equal to 20%", (None, 20.0)),
        ("MIB-1 labelling index < 2.5%", (None, 2.5)),
        ("Ki67 <20", (None, 20.0)),
        ("Ki-67 assessed on a biopsy within 6 months", (None, None)),  # a date is not a range
        ("Ki-67 assessed over 6 months", (None, None)),
    ],
)
def test_ki67_forms(text, expected):
    profile = net_profile(study(conditions=["Neuroendocrine Tumors"],
                                eligibility_criteria=f"Inclusion Criteria:\n\n* Well-differentiated NET, {text}\n"))
    assert (profile["ki67_min"], profile["ki67_max"]) == expected
    if expected != (None, None):
        assert profile["ki67_text"] and re.search(r"ki|mib", profile["ki67_text"], re.I)


def test_ki67_exclusion_is_inverted_and_cohorts_are_united():
    excluded = "Inclusion Criteria:\n* NET\n\nExclusion Criteria:\n* Ki-67 > 55%"
    p = net_profile(study(conditions=["Neuroendocrine Tumors"], eligibility_criteria=excluded))
    assert (p["ki67_min"], p["ki67_max"]) == (None, 55.0)
    cohorts = "Inclusion Criteria:\n* Cohort A: NET G1-G2, Ki-67 \u2264 20%\n* Cohort B: NET G3, Ki-67 > 20%"
    p = net_profile(study(conditions=["Neuroendocrine Tumors"], eligibility_criteria=cohorts))
    assert (p["ki67_min"], p["ki67_max"]) == (None, None)  # union: every Ki-67 has a cohort
    assert p["ki67_text"] == "Ki-67 \u2264 20% [inclusion: \u2264 20] | Ki-67 > 20% [inclusion: > 20]"
    assert p["grades"] == ["G1", "G2", "G3"]


def test_grades_from_conditions_and_titles():
    p = net_profile(study(conditions=["Neuroendocrine Tumor Grade 1", "Neuroendocrine Tumor Grade 2"],
                          brief_title="PRRT in G3 NET (Ki-67 > 20%)"))
    assert p["grades"] == ["G1", "G2", "G3"]
    assert p["ki67_min"] == 20.0  # the title states an entry criterion too


@pytest.mark.parametrize(
    "inclusion, exclusion, expected",
    [
        ("Krenning score of 3 or 4 on SSTR PET", "", 3),
        ("Tumour uptake \u2265 Krenning grade 2", "", 2),
        ("SSTR-positive disease (Krenning 3)", "", 3),
        ("Uptake score \u2265 3 (Krenning scale) on 68Ga-DOTATOC PET", "", 3),
        ("SSTR expression with tumour uptake greater than normal liver", "", 3),
        ("Tumour uptake on Octreoscan equal to or greater than normal liver", "", 2),
        ("SSTR-positive disease", "Krenning score < 3 in any target lesion", 3),
        ("SSTR-positive disease", "Krenning score 1 or 2", 3),
        ("SSTR-positive disease", "", None),
        ("Measurable disease", "Krenning score < 3 in any target lesion", 3),
        ("Measurable disease", "Tumour uptake lower than normal liver", 2),
    ],
)
def test_krenning(inclusion, exclusion, expected):
    text = f"Inclusion Criteria:\n* {inclusion}\n\nExclusion Criteria:\n* {exclusion}\n"
    p = net_profile(study(conditions=["Neuroendocrine Tumors"], eligibility_criteria=text))
    assert p["krenning_min"] == expected
    assert p["requires_sstr_imaging"] is True and p["sstr_imaging_text"]


def test_sstr_mentions_that_are_not_imaging_requirements():
    text = ("Inclusion Criteria:\n* Prior somatostatin receptor agonist therapy allowed\n"
            "* SSTR imaging is not required\n\nExclusion Criteria:\n* No prior somatostatin analogue")
    p = net_profile(study(conditions=["Neuroendocrine Tumors"], eligibility_criteria=text))
    assert p["requires_sstr_imaging"] is False
    assert p["sstr_imaging_text"] == "not required (stated as not required): SSTR imaging is not required"


@pytest.mark.parametrize(
    "inclusion, exclusion, expected",
    [
        ("Progressive disease on octreotide LAR", "", ("required", None, None)),
        ("Documented progression (RECIST 1.1) on lanreotide", "", ("required", None, None)),
        ("SSA-naive patients", "", ("excluded", None, None)),
        ("Progression on SSA; no prior PRRT", "", ("required", "excluded", None)),
        ("Progressed on SSA and have not received PRRT", "", ("required", "excluded", None)),
        ("Progression on either octreotide or lanreotide", "", ("required", None, None)),
        ("Progression on SSA (e.g. octreotide LAR)", "", ("required", None, None)),
        ("Prior SSA therapy is allowed", "", (None, None, None)),
        ("With or without prior somatostatin analogue", "", (None, None, None)),
        ("Patients eligible for PRRT", "", (None, None, None)),
        ("Progression after everolimus or sunitinib", "", (None, None, "required")),
        ("", "Previous treatment with mTOR inhibitors", (None, None, "excluded")),
        ("", "Prior peptide receptor radionuclide therapy (PRRT) with radiolabelled somatostatin analogues",
         (None, "excluded", None)),
        ("", "Treatment with long-acting SSA within 28 days before randomisation", (None, None, None)),
        ("", "Patients who have not received a somatostatin analogue", ("required", None, None)),
        ("", "Prior 177Lu-DOTATATE", (None, "excluded", None)),
    ],
)
def test_prior_therapy(inclusion, exclusion, expected):
    text = f"Inclusion Criteria:\n* Neuroendocrine tumour\n* {inclusion}\n\nExclusion Criteria:\n* {exclusion}\n"
    p = net_profile(study(conditions=["Neuroendocrine Tumors"], eligibility_criteria=text))
    assert (p["prior_ssa"], p["prior_prrt"], p["prior_everolimus"]) == expected
    assert (p["prior_therapy_text"] is None) == (expected == (None, None, None))


def test_split_eligibility_headings():
    text = ("Adults only.\nKEY INCLUSION CRITERIA:\n* a\nMain Exclusion Criteria:\n* b\n"
            "inclusion criteria for cohort 2:\n* c\nexclusion criteria\n* d\n"
            "* Other exclusion criteria apply according to the SmPC")
    inclusion, exclusion = split_eligibility(text)
    assert inclusion.split() == ["Adults", "only.", "*", "a", "*", "c"]
    assert exclusion.split()[:4] == ["*", "b", "*", "d"]
    assert split_eligibility(None) == ("", "")
    assert split_eligibility("Age \\>= 18") == ("Age >= 18", "")
