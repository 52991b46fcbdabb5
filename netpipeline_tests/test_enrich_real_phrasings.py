"""Real-world phrasings of every trap of issue 14, written in the spirit of registry text (not
copied from records). Each case asserts the fact and the evidence the `*_text` / reason
columns show, i.e. the rule that made the call."""
from __future__ import annotations

import pytest

from netpipeline.normalise.enrich import NET_SUBTYPES, net_profile
from netpipeline.normalise.enrich.net_terms import CANDIDATE_RE
from netpipeline_tests.test_enrich_net_profile import study, subtypes

# --- subtypes the universe gained, and older wording ---------------------------------------
NET = {
    "MTC condition": (study(conditions=["Medullary Thyroid Cancer"], brief_title="Selpercatinib in RET-mutant MTC"),
                      "condition: 'Medullary Thyroid Cancer'", ["medullary_thyroid"]),
    "MTC, MeSH-style inversion": (study(conditions=["Thyroid Cancer, Medullary", "MEN2A"]),
                                  "condition: 'Thyroid Cancer, Medullary'", ["medullary_thyroid"]),
    "MTC in the official title": (study(conditions=["Thyroid Neoplasms"],
                                        official_title="A Phase 2 Study of Vandetanib in Hereditary Medullary "
                                                       "Carcinoma of the Thyroid"),
                                  "official_title: 'Medullary Carcinoma of the Thyroid'", ["medullary_thyroid"]),
    "de novo NEPC": (study(conditions=["Neuroendocrine Prostate Cancer"]),
                     "condition: 'Neuroendocrine Prostate Cancer'", ["high_grade_nec"]),
    "treatment-emergent NEPC": (study(conditions=["Castration-resistant Prostate Cancer"],
                                      brief_title="Carboplatin and Cabazitaxel in Treatment-Emergent "
                                                  "Small-Cell Neuroendocrine Prostate Cancer (t-SCNC)"),
                                "title: 'Neuroendocrine Prostate'", ["high_grade_nec"]),
    "t-NEPC abbreviation": (study(conditions=["t-NEPC"]), "condition: 't-NEPC'", ["high_grade_nec"]),
    "small-cell bladder": (study(conditions=["Small Cell Carcinoma of the Urinary Bladder"]),
                           "condition: 'Small Cell Carcinoma of the Urinary Bladder'", ["high_grade_nec"]),
    "NEC of the upper tract": (study(conditions=["High-grade Neuroendocrine Carcinoma of the Upper Urinary Tract"]),
                               "condition: 'High-grade Neuroendocrine Carcinoma of the Upper Urinary Tract'",
                               ["high_grade_nec"]),
    "Merkel beside them": (study(conditions=["Merkel Cell Carcinoma"]), "condition: 'Merkel Cell Carcinoma'",
                           ["merkel_cell"]),
    "entero-pancreatic endocrine tumour": (study(conditions=["Gastro-entero-pancreatic Endocrine Tumour"]),
                                           "condition: 'Gastro-entero-pancreatic Endocrine Tumour'",
                                           ["gastrointestinal"]),
    "pancreatic endocrine carcinoma": (study(conditions=["Pancreatic Endocrine Carcinoma"]),
                                       "condition: 'Pancreatic Endocrine Carcinoma'", ["pancreatic"]),
    "islet cell tumour": (study(conditions=["Islet Cell Tumour, Malignant"]), "condition: 'Islet Cell Tumour, Malignant'",
                          ["pancreatic"]),
    "APUDoma": (study(conditions=["APUDoma"]), "condition: 'APUDoma'", []),
    "carcinoid": (study(conditions=["Malignant Carcinoid Tumour of the Ileum"]),
                  "condition: 'Malignant Carcinoid Tumour of the Ileum'", ["small_bowel"]),
    "non-functioning is not a negation": (study(conditions=["Non-functioning Pancreatic Neuroendocrine Tumour"]),
                                          "condition: 'Non-functioning Pancreatic Neuroendocrine Tumour'",
                                          ["pancreatic"]),
}


@pytest.mark.parametrize("case", NET)
def test_net_trials_and_their_subtypes(case):
    s, reason, expected = NET[case]
    profile = net_profile(s)
    assert (profile["is_net"], profile["net_reason"], subtypes(profile)) == (True, reason, expected)
    assert all(code in NET_SUBTYPES for code in expected)
    # the SQL prefilter must let every one of them through
    assert any(CANDIDATE_RE.search(t) for t in (*s["conditions"], s["brief_title"], s["official_title"]))


NOT_NET = {
    "medullary carcinoma of the breast": (
        study(conditions=["Medullary Carcinoma of the Breast"]), None),
    "Ewing family PNET": (study(conditions=["Ewing Sarcoma", "Peripheral PNET"]), None),
    "CNS pNET": (study(conditions=["Supratentorial pNET", "Medulloblastoma"]),
                 "not NET: condition: 'pNET' is a primitive neuroectodermal tumour in 'Supratentorial pNET'"),
    "pancreatic adenocarcinoma excluding NETs": (
        study(conditions=["Pancreatic Ductal Adenocarcinoma"],
              official_title="Neoadjuvant FOLFIRINOX in Resectable Pancreatic Cancer (Excluding Pancreatic "
                             "Neuroendocrine Tumours)",
              eligibility_criteria="Exclusion Criteria:\n* Neuroendocrine tumour or acinar cell carcinoma\n"
                                   "* Ki-67 > 20%"),
        "not NET: official_title: 'Neuroendocrine Tumours' is excluded or negated, not the population, in "
        "'Neoadjuvant FOLFIRINOX in Resectable Pancreatic Cancer (Excluding Pancreatic Neuroendocrine Tumours)'"),
    "NET words only in the exclusions": (
        study(conditions=["Hepatocellular Carcinoma"],
              eligibility_criteria="Exclusion Criteria:\n* Fibrolamellar, sarcomatoid or neuroendocrine histology"),
        ""),
    "fistula prevention with lanreotide": (
        study(conditions=["Pancreatic Fistula", "Pancreatic Adenocarcinoma", "Pancreatic Neuroendocrine Tumor"],
              brief_title="Lanreotide to Prevent Postoperative Pancreatic Fistula After Pancreatoduodenectomy",
              interventions=[{"name": "Lanreotide Autogel 120 mg", "type": "DRUG", "other_names": []}]),
        "not NET: NET term names an indication for surgery in a trial about 'Fistula' (title: 'Lanreotide to "
        "Prevent Postoperative Pancreatic Fistula After Pancreatoduodenectomy')"),
    "DOTATATE in breast cancer": (
        study(conditions=["Breast Cancer", "ER-positive Breast Cancer"],
              keywords=["somatostatin receptor", "neuroendocrine tumor tracer", "DOTATATE"],
              brief_title="68Ga-DOTATATE PET/CT for Staging of ER-positive Breast Cancer"),
        "not NET: NET term only among keywords of a trial in 'Breast Cancer'"),
    "SCLC filed under NET by MeSH": (
        study(conditions=["Extensive-stage Small Cell Lung Cancer"],
              condition_mesh_terms=["Small Cell Lung Carcinoma", "Neuroendocrine Tumors"],
              condition_mesh_ancestors=["Carcinoma, Neuroendocrine", "Neuroendocrine Tumors"]),
        "not NET: MeSH files 'Extensive-stage Small Cell Lung Cancer' under a neuroendocrine heading; "
        "no NET word of its own"),
    "melanoma by MeSH ancestry": (
        study(conditions=["Melanoma"], condition_mesh_terms=["Melanoma"],
              condition_mesh_ancestors=["Neuroendocrine Tumors", "Neuroectodermal Tumors"]),
        "not NET: NET term only among MeSH ancestors ('Neuroendocrine Tumors')"),
}


@pytest.mark.parametrize("case", NOT_NET)
def test_net_words_that_are_not_the_population_give_no_net_facts(case):
    s, reason = NOT_NET[case]
    profile = net_profile(s)
    assert profile["is_net"] is False
    if reason is not None:
        assert profile["net_reason"] == reason
    # no NET facts at all: not even the Ki-67 bound of an exclusion list
    assert (profile["net_subtypes"], profile["ki67_max"], profile["requires_sstr_imaging"]) == ([], None, False)
