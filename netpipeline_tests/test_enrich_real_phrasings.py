"""Real-world phrasings of every trap of issue 14, written in the spirit of registry text (not
copied from records). Each case asserts the fact and the evidence the `*_text` / reason
columns show, i.e. the rule that made the call."""
from __future__ import annotations

import pytest

from netpipeline.normalise.enrich import NET_SUBTYPES, net_profile
from netpipeline.normalise.enrich.net_terms import CANDIDATE_RE
from netpipeline_tests.enrich_samples import study, subtypes

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
    "MTC abbreviation beside RET": (study(conditions=["MTC"], brief_title="Selpercatinib in RET-mutant MTC"),
                                     "title: 'RET-mutant MTC'", ["medullary_thyroid"]),
    "MTC abbreviation beside calcitonin": (study(conditions=["Thyroid Cancer"],
                                                 brief_title="Calcitonin Doubling Time in Sporadic MTC"),
                                           "title: 'Calcitonin Doubling Time in Sporadic MTC'", ["medullary_thyroid"]),
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
    "a bare MTC says nothing of the thyroid": (
        study(conditions=["MTC"], brief_title="Cabozantinib in MTC"),
        "not NET: condition: 'MTC' alone (also mitomycin C or a maximum tolerated concentration), and no field of the "
        "study names the thyroid, RET or calcitonin"),
    "pancreatic cancer, non-neuroendocrine": (
        study(conditions=["Pancreatic Cancer"], official_title="Adjuvant Chemotherapy in Patients With Resected "
                                                               "Pancreatic Cancer (Non-Neuroendocrine)"), None),
    "PNET in a CNS title": (study(conditions=["Primitive Neuroectodermal Tumor"],
                                  brief_title="Chemotherapy in Children With CNS PNET"), None),
    "pasireotide against a fistula": (
        study(conditions=["Pancreatic Fistula", "Neuroendocrine Tumors"],
              brief_title="Pasireotide for Prevention of Pancreatic Fistula"),
        "not NET: NET term names an indication for surgery in a trial about 'Fistula' (title: 'Pasireotide for "
        "Prevention of Pancreatic Fistula')"),
    "Lu-DOTATATE in breast cancer": (
        study(conditions=["Breast Neoplasms"],
              brief_title="177Lu-DOTATATE in Somatostatin Receptor-positive Metastatic Breast Cancer"), None),
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


# --- requirement vs mention -----------------------------------------------------------------
def _net(inclusion: str = "", exclusion: str = "", **fields):
    text = f"Inclusion Criteria:\n\n* {inclusion}\n\nExclusion Criteria:\n\n* {exclusion or 'Pregnancy'}\n"
    return net_profile(study(conditions=["Neuroendocrine Tumors"], eligibility_criteria=text, **fields))


SSTR = {
    "positive on DOTATATE PET": ("Somatostatin receptor-positive disease on 68Ga-DOTATATE PET/CT within 12 weeks", "",
                                 True, "required (SSTR-positive result demanded)"),
    "positive on Octreoscan": ("SSTR positivity of all target lesions on Octreoscan", "", True,
                               "required (SSTR-positive result demanded)"),
    "Krenning >= 3": ("Tumour uptake on SSTR imaging of Krenning grade ≥ 3", "", True,
                      "required (SSTR-positive result demanded)"),
    "SSTR-negative excluded": ("Measurable disease per RECIST 1.1", "Lesions without uptake on somatostatin receptor imaging",
                               True, "required (SSTR-negative disease excluded)"),
    "scan is the intervention": ("68Ga-DOTATOC PET will be performed at baseline and after 3 cycles", "", False,
                                 "not required (the scan is a study procedure)"),
    "one staging option": ("Acceptable staging scans are CT, MRI or DOTATATE PET-CT", "", False,
                           "not required (one imaging option among several)"),
    "indication in a survey": ("Indication: somatostatin receptor-positive NET (per label)", "", False,
                               "not required (indication, no entry test)"),
    "stated not required": ("SSTR PET is not required for enrolment", "", False, "not required (stated as not required)"),
    "optional staging scan": ("A 68Ga-DOTATATE PET scan may be used for staging if available", "", False,
                              "not required (an optional scan)"),
    "standard-of-care scan": ("DOTATATE PET/CT performed per standard of care", "", False,
                              "not required (an optional scan)"),
    "either result": ("Patients with SSTR-positive or SSTR-negative disease are eligible", "", False,
                      "not required (SSTR-positive and -negative eligible)"),
    "negative imaging excluded": ("Measurable disease per RECIST 1.1", "Negative SSTR imaging", True,
                                  "required (SSTR-negative disease excluded)"),
    "SRS in NET imaging context": ("Somatostatin receptor scintigraphy (SRS) positive disease", "", True,
                                   "required (SSTR-positive result demanded)"),
}


@pytest.mark.parametrize("case", SSTR)
def test_sstr_imaging_required_only_when_inclusion_demands_the_result(case):
    inclusion, exclusion, required, rule = SSTR[case]
    p = _net(inclusion, exclusion)
    assert p["requires_sstr_imaging"] is required
    assert p["sstr_imaging_text"].startswith(f"{rule}: ")


@pytest.mark.parametrize("sentence", [
    "Prior SRS to brain metastases completed at least 2 weeks before enrolment is allowed",
    "Brain metastases treated with surgery or SRS, stable on imaging for 4 weeks",
    "Patients treated with SRS or whole brain radiotherapy",
])
def test_srs_is_stereotactic_radiosurgery_outside_net_imaging(sentence):
    p = _net(sentence)
    assert (p["requires_sstr_imaging"], p["sstr_imaging_text"]) == (False, None)


def test_srs_is_somatostatin_receptor_scintigraphy_in_imaging_context():
    p = _net("Positive SRS (Octreoscan) uptake in all known lesions")
    assert p["requires_sstr_imaging"] is True
    assert p["sstr_imaging_text"].startswith("required (SSTR-positive result demanded): Positive SRS")


DLL3 = {
    "positive by IHC": ("DLL3-positive tumour by central immunohistochemistry", "", True,
                        "required (DLL3-positive result demanded)"),
    "H-score": ("DLL3 expression with H-score ≥ 50 on archival tissue", "", True, "required (DLL3-positive result demanded)"),
    "negative excluded": ("Measurable disease", "DLL3-negative tumour", True, "required (DLL3-negative disease excluded)"),
    "tumour type only": ("Patients with tumours associated with DLL3 expression (SCLC, NEC)", "", False,
                         "not required (tumour type, no test)"),
    "negative may enrol": ("DLL3-negative patients may enrol in cohort B", "", False,
                           "not required (DLL3-negative patients eligible)"),
    "tissue for testing": ("Archival tissue available for retrospective DLL3 testing", "", False,
                           "not required (no result demanded)"),
    "either result": ("Patients with DLL3 positive or negative tumours are eligible", "", False,
                      "not required (DLL3-positive and -negative eligible)"),
    "tested after enrolment": ("DLL3 testing will be done centrally after enrolment", "", False,
                               "not required (no result demanded)"),
}


@pytest.mark.parametrize("case", DLL3)
def test_dll3_required_only_when_inclusion_demands_the_result(case):
    inclusion, exclusion, required, rule = DLL3[case]
    p = _net(inclusion, exclusion)
    assert p["requires_dll3"] is required
    assert p["dll3_text"].startswith(f"{rule}: ")


def test_a_cohort_open_to_dll3_negative_patients_makes_dll3_not_required():
    p = _net("Cohort A: DLL3-positive NEC by IHC\n* DLL3-negative patients may enrol in cohort B")
    assert p["requires_dll3"] is False
    assert p["dll3_text"] == "not required (DLL3-negative patients eligible): DLL3-negative patients may enrol in cohort B"


KI67 = {
    "strict upper": ("Ki-67 index of <20%", (None, 20.0), "[inclusion: < 20]"),
    "inclusive, in words": ("Ki-67 ≤ 20 percent", (None, 20.0), "[inclusion: ≤ 20]"),
    "range after a colon": ("Ki67: 3-20%", (3.0, 20.0), "[inclusion: 3–20]"),
    "MIB-1 up to": ("MIB-1 index up to 55%", (None, 55.0), "[inclusion: ≤ 55]"),
    "postfix or less": ("Ki-67 labelling index of 20% or less", (None, 20.0), "[inclusion: ≤ 20]"),
    "postfix or higher": ("Ki-67 55% or higher", (55.0, None), "[inclusion: ≥ 55]"),
    "no greater than": ("Ki-67 no greater than 20%", (None, 20.0), "[inclusion: ≤ 20]"),
    "not lower than": ("Ki-67 not lower than 3%", (3.0, None), "[inclusion: ≥ 3]"),
    "strict lower, range": ("Ki-67 >20% to 55%", (20.0, 55.0), "[inclusion: > 20 and ≤ 55]"),
    "per cent in two words": ("Ki-67 index < 20 per cent", (None, 20.0), "[inclusion: < 20]"),
    "spaced range": ("Ki-67: 3 - 20 %", (3.0, 20.0), "[inclusion: 3–20]"),
}


@pytest.mark.parametrize("case", KI67)
def test_ki67_bounds_are_numbers_and_the_evidence_keeps_strictness(case):
    inclusion, bounds, rule = KI67[case]
    p = _net(inclusion)
    assert (p["ki67_min"], p["ki67_max"]) == bounds
    assert p["ki67_text"] == f"{inclusion} {rule}"


def test_an_excluded_ki67_bound_reads_as_the_eligible_side():
    p = _net("Well-differentiated NET", "Ki-67 > 55%")
    assert (p["ki67_min"], p["ki67_max"], p["ki67_text"]) == (None, 55.0, "Ki-67 > 55% [exclusion: eligible ≤ 55]")


# --- drug names -----------------------------------------------------------------------------
from netpipeline.normalise.enrich import MECHANISM_CLASSES, classify_intervention  # noqa: E402

DRUGS = {
    # name, other names, intervention type, description -> (drug, class, matched_on)
    "212Pb VMT-alpha-NET": (("[212Pb]VMT-α-NET", (), "DRUG", ""), ("lead Pb 212 VMT-alfa-NET", "prrt_radioligand", "name")),
    "its 203Pb imaging twin": (("[203Pb]VMT-α-NET SPECT", (), "DIAGNOSTIC_TEST", ""),
                               ("lead Pb 203 VMT-alfa-NET", "imaging_diagnostic", "name")),
    "225Ac-DOTATOC, no entry": (("225Ac-DOTATOC", (), "DRUG", ""), ("225Ac DOTATOC", "prrt_radioligand", "name")),
    "212Pb with DOTATATE": (("Pb-212 DOTATATE", (), "RADIATION", ""), ("212Pb DOTATATE", "prrt_radioligand", "name")),
    "177Lu-edotreotide": (("Lutetium (177Lu) edotreotide", (), "DRUG", ""),
                          ("lutetium Lu 177 edotreotide", "prrt_radioligand", "name")),
    "68Ga tracer": (("Ga-68 DOTATOC PET/CT", (), "DRUG", ""), ("gallium Ga 68 edotreotide", "imaging_diagnostic", "name")),
    "64Cu tracer, no entry": (("[64Cu]Cu-SARTATE", (), "DRUG", ""), ("64Cu SARTATE", "imaging_diagnostic", "name")),
    "SSO110": (("177Lu-SSO110", (), "DRUG", ""), ("lutetium Lu 177 SSO110", "prrt_radioligand", "name")),
    "satoreotide therapy": (("177Lu-satoreotide tetraxetan", (), "DRUG", ""),
                            ("lutetium Lu 177 satoreotide tetraxetan", "prrt_radioligand", "name")),
    "ezabenlimab code, no space": (("BI754091", (), "DRUG", ""), ("ezabenlimab", "immune_checkpoint_inhibitor", "name")),
    "code name with a hyphen": (("XL-092", (), "DRUG", ""), ("zanzalintinib", "vegfr_tki", "name")),
    "salt and brand": (("Somatuline Autogel (lanreotide acetate)", (), "DRUG", ""),
                       ("lanreotide", "somatostatin_analogue", "name")),
    "unseen anti-PD-1": (("Fictolimumab", ("anti-PD-1 monoclonal antibody",), "BIOLOGICAL", ""),
                         ("Fictolimumab", "immune_checkpoint_inhibitor", "signal: antibody stem + checkpoint target")),
    "unseen -limab": (("Novolimab", (), "DRUG", ""), ("Novolimab", "immune_checkpoint_inhibitor", "signal: INN stem -limab")),
    "unseen -tinib with VEGFR": (("Examplitinib", (), "DRUG", "an oral VEGFR-2 inhibitor"),
                                 ("Examplitinib", "vegfr_tki", "signal: INN stem -tinib + VEGFR")),
    "unseen -tinib": (("Examplotinib", (), "DRUG", ""), ("Examplotinib", "kinase_inhibitor", "signal: INN stem -tinib")),
    "CT scan": (("Computed Tomography", (), "PROCEDURE", ""),
                ("Computed Tomography", "diagnostic_test", "signal: name: imaging or diagnostic procedure (PROCEDURE)")),
    "surgery": (("Pancreatoduodenectomy", (), "PROCEDURE", ""),
                ("Pancreatoduodenectomy", "procedure", "signal: intervention type PROCEDURE")),
    "biospecimen": (("Biospecimen Collection", ("Biological Sample Collection",), "OTHER", ""),
                    ("Biospecimen Collection", "biospecimen_collection", "signal: name: biospecimen collection")),
    "questionnaire": (("Quality-of-Life Questionnaire", (), "OTHER", ""),
                      ("Quality-of-Life Questionnaire", "behavioural", "signal: name: questionnaire or survey")),
    "radiosurgery": (("Stereotactic Radiosurgery", ("SRS",), "RADIATION", ""),
                     ("Stereotactic Radiosurgery", "radiation_therapy", "signal: intervention type RADIATION")),
    "code name with a space": (("BI 754091", (), "DRUG", ""), ("ezabenlimab", "immune_checkpoint_inhibitor", "name")),
    "salt": (("Sunitinib Malate", (), "DRUG", ""), ("sunitinib", "vegfr_tki", "name")),
    "brand": (("Cabometyx", (), "DRUG", ""), ("cabozantinib", "vegfr_tki", "name")),
    "code name, hyphen and none": (("RYZ-101", (), "DRUG", ""), ("actinium Ac 225 dotatate", "prrt_radioligand", "name")),
    "177Lu, nuclide glued": (("Lu177 dotatate", (), "RADIATION", ""),
                             ("lutetium Lu 177 dotatate", "prrt_radioligand", "name")),
    "64Cu brand": (("Detectnet", (), "DRUG", ""), ("copper Cu 64 dotatate", "imaging_diagnostic", "name")),
    "68Ga kit brand": (("NETSPOT", (), "DRUG", ""), ("gallium Ga 68 dotatate", "imaging_diagnostic", "name")),
    "MIBG written backwards": (("MIBG I-131", (), "DRUG", ""), ("iobenguane I 131", "other", "name")),
    "RET inhibitor code name": (("LOXO-292", (), "DRUG", ""), ("selpercatinib", "kinase_inhibitor", "name")),
    "unknown drug": (("ABX-4711", (), "DRUG", ""), ("ABX-4711", "unclassified", "name")),
}


@pytest.mark.parametrize("case", DRUGS)
def test_drug_classes_from_taxonomy_and_registry_signals(case):
    (name, other_names, kind, description), expected = DRUGS[case]
    # the study's intervention MeSH list names everolimus: no non-drug may borrow it
    [match] = classify_intervention(name, other_names, ("Everolimus",) if kind != "DRUG" else (), kind, description)
    assert (match.drug, match.mechanism_class, match.matched_on) == expected
    assert match.mechanism_class in MECHANISM_CLASSES
