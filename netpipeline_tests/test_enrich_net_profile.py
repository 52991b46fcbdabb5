"""NET profile: NET decision, subtypes, eligibility facts, and the SQL prefilter property."""
from __future__ import annotations

import csv
import json
import re
import time
from pathlib import Path

import pytest

from netpipeline.normalise.enrich import NET_CANDIDATE_PATTERN, PROFILE_KEYS, empty_profile, net_profile
from netpipeline.normalise.enrich.eligibility_rules import split_eligibility
from netpipeline.normalise.enrich.net_profile import profile_input_from_record

CTGOV = Path(__file__).resolve().parents[1].parent / "shared" / "ctgov"


def study(**fields):
    base = {"nct_id": "NCT00000000", "brief_title": "", "official_title": "", "conditions": [], "keywords": [],
            "condition_mesh_terms": [], "condition_mesh_ancestors": [], "eligibility_criteria": "",
            "interventions": []}
    base.update(fields)
    return base


def subtypes(profile):
    return [s["subtype"] for s in profile["net_subtypes"]]


# --- NET decision -------------------------------------------------------------------------

NET_CASES = {
    "pancreatic NET": (study(conditions=["Pancreatic Neuroendocrine Tumor"]),
                       "condition: 'Pancreatic Neuroendocrine Tumor'", ["pancreatic"]),
    "carcinoid": (study(conditions=["Carcinoid Tumor"], brief_title="Lanreotide in Carcinoid Syndrome"),
                  "condition: 'Carcinoid Tumor'", []),
    "GEP-NET in the title only": (study(conditions=["Solid Tumor"], brief_title="Cabozantinib in Advanced GEP-NETs"),
                                  "title: 'GEP-NETs'", ["gastrointestinal"]),
    "Merkel": (study(conditions=["Merkel Cell Carcinoma"], condition_mesh_terms=["Carcinoma, Merkel Cell"]),
               "condition: 'Merkel Cell Carcinoma'", ["merkel_cell"]),
    "pheo/PGL": (study(conditions=["Pheochromocytoma", "Paraganglioma"], condition_mesh_terms=["Pheochromocytoma"]),
                 "condition: 'Pheochromocytoma'", ["pheochromocytoma_paraganglioma"]),
    "basket incl. NETs": (study(conditions=["Melanoma", "Non-small Cell Lung Cancer", "Neuroendocrine Tumors",
                                            "Renal Cell Carcinoma"]), "condition: 'Neuroendocrine Tumors'", []),
    "extrapulmonary NEC": (study(conditions=["Extrapulmonary Neuroendocrine Carcinoma"],
                                 brief_title="Tarlatamab in DLL3-expressing Neuroendocrine Carcinoma"),
                           "condition: 'Extrapulmonary Neuroendocrine Carcinoma'", ["high_grade_nec"]),
    "extrapulmonary small-cell": (study(conditions=["Small Cell Carcinoma of the Bladder"]),
                                  "condition: 'Small Cell Carcinoma of the Bladder'", ["high_grade_nec"]),
    "LCNEC": (study(conditions=["Large Cell Neuroendocrine Carcinoma of the Lung"]),
              "condition: 'Large Cell Neuroendocrine Carcinoma of the Lung'", ["lung", "high_grade_nec"]),
    "neuroendocrine prostate": (study(conditions=["Neuroendocrine Prostate Cancer"]),
                                "condition: 'Neuroendocrine Prostate Cancer'", ["high_grade_nec"]),
    "insulinoma": (study(conditions=["Insulinoma"]), "condition: 'Insulinoma'", ["pancreatic"]),
    "direct MeSH": (study(conditions=["Cancer"], condition_mesh_terms=["Neuroendocrine Tumors"]),
                    "mesh: 'Neuroendocrine Tumors'", []),
    "keyword": (study(conditions=["Liver Metastases"], keywords=["midgut NET"]), "keyword: 'midgut NET'",
                ["small_bowel"]),
    "MeSH inverted form": (study(conditions=["Carcinoma, Neuroendocrine"]), "condition: 'Carcinoma, Neuroendocrine'",
                           ["high_grade_nec"]),
    "several GI sites": (study(conditions=["Goblet Cell Carcinoid of the Appendix", "Rectal Neuroendocrine Tumor",
                                           "Gastric Carcinoid", "Small Intestine NET"]),
                         "condition: 'Goblet Cell Carcinoid of the Appendix'",
                         ["small_bowel", "rectal", "gastric", "appendiceal"]),
    "thoracic": (study(conditions=["Thymic Carcinoid", "Atypical Lung Carcinoid"]), "condition: 'Thymic Carcinoid'",
                 ["lung", "thymic"]),
    "unknown primary": (study(conditions=["Neuroendocrine Tumor of Unknown Primary"]),
                        "condition: 'Neuroendocrine Tumor of Unknown Primary'", ["unknown_primary"]),
}


@pytest.mark.parametrize("case", NET_CASES)
def test_net_studies_with_reason_and_subtypes(case):
    s, reason, expected_subtypes = NET_CASES[case]
    profile = net_profile(s)
    assert profile["is_net"] is True
    assert profile["net_reason"] == reason
    assert subtypes(profile) == expected_subtypes
    assert all(item["evidence"] for item in profile["net_subtypes"])


def test_subtype_evidence_names_its_source():
    profile = net_profile(study(conditions=["Neuroendocrine Tumors"], brief_title="Lutathera in pNET", keywords=[],
                                eligibility_criteria="Inclusion Criteria:\n* Well-differentiated NET of lung origin"))
    assert profile["net_subtypes"] == [
        {"subtype": "pancreatic", "evidence": "title: 'Lutathera in pNET'"},
        {"subtype": "lung", "evidence": "eligibility: 'Well-differentiated NET of lung origin'"},
    ]


NOT_NET_CASES = {
    # MeSH files melanoma under Neuroendocrine Tumors: ancestors alone never decide
    "melanoma with NET MeSH ancestor": (
        study(conditions=["Melanoma"], condition_mesh_terms=["Melanoma"],
              condition_mesh_ancestors=["Neuroendocrine Tumors", "Neuroectodermal Tumors"]),
        "not NET: NET term only among MeSH ancestors ('Neuroendocrine Tumors')"),
    "SCLC only": (
        study(conditions=["Small Cell Lung Cancer"], brief_title="Tarlatamab in Extensive-stage SCLC",
              condition_mesh_terms=["Small Cell Lung Carcinoma"],
              condition_mesh_ancestors=["Carcinoma, Neuroendocrine", "Neuroendocrine Tumors"]),
        "not NET: condition: small-cell without extrapulmonary or neuroendocrine wording in 'Small Cell Lung Cancer'"),
    "non-small cell": (study(conditions=["Non-small Cell Lung Cancer"]), ""),
    "SCLC with a kidney word": (
        study(conditions=["Small Cell Lung Cancer With Renal Impairment"]),
        "not NET: condition: small-cell without extrapulmonary or neuroendocrine wording in "
        "'Small Cell Lung Cancer With Renal Impairment'"),
    "NETs excluded in the title": (
        study(brief_title="Gemcitabine in Pancreatic Cancer Other Than Neuroendocrine Tumours",
              conditions=["Pancreatic Adenocarcinoma"]),
        "not NET: title: 'Neuroendocrine Tumours' is excluded or negated, not the population, in "
        "'Gemcitabine in Pancreatic Cancer Other Than Neuroendocrine Tumours'"),
    # "NEC" is "not elsewhere classified" in a real record; "NETs" are often neutrophil traps
    "bare NEC": (study(conditions=["Sexual Function and Fertility Disorders NEC-Erectile Dysfunction"]),
                 "not NET: condition: bare abbreviation 'NEC' is ambiguous in "
                 "'Sexual Function and Fertility Disorders NEC-Erectile Dysfunction'"),
    "neutrophil traps": (study(conditions=["Sepsis"], keywords=["NETs"]),
                         "not NET: keyword: bare abbreviation 'NETs' is ambiguous in 'NETs'"),
    "primitive neuroectodermal": (study(conditions=["PNET", "Ewing Sarcoma"]), ""),
    "neuroendocrine physiology": (
        study(brief_title="Neuroendocrine Response to Cardiac Surgery", conditions=["Stress"]),
        "not NET: title: 'neuroendocrine' not naming a tumour (no tumour word, or negated) in 'Neuroendocrine Response to Cardiac Surgery'"),
    "pituitary NET (adenoma)": (
        study(conditions=["Pituitary Neuroendocrine Tumor", "Acromegaly"]),
        "not NET: condition: pituitary neuroendocrine tumour (adenoma) is out of scope in "
        "'Pituitary Neuroendocrine Tumor'"),
    "islet transplantation": (study(conditions=["Type 1 Diabetes"], brief_title="Islet Cell Transplantation"), ""),
    "empty": (study(), ""),
}


@pytest.mark.parametrize("case", NOT_NET_CASES)
def test_not_net_studies(case):
    s, reason = NOT_NET_CASES[case]
    profile = net_profile(s)
    assert profile == {**empty_profile(), "net_reason": reason}


def test_sclc_with_explicit_neuroendocrine_wording_is_net():
    profile = net_profile(study(conditions=["Small Cell Lung Cancer", "Extrapulmonary Neuroendocrine Carcinoma"]))
    assert profile["is_net"] and profile["net_reason"] == "condition: 'Extrapulmonary Neuroendocrine Carcinoma'"
    assert subtypes(profile) == ["lung", "high_grade_nec"]  # once in scope, the SCLC field counts


def test_profile_shape_is_stable():
    for s in [study(), study(conditions=["Carcinoid Tumor"])]:
        profile = net_profile(s)
        assert tuple(profile) == PROFILE_KEYS
    assert tuple(empty_profile()) == PROFILE_KEYS
    assert empty_profile() is not empty_profile()


# --- eligibility facts --------------------------------------------------------------------

NETTER_LIKE = """Inclusion Criteria:

* Histologically confirmed, well-differentiated, locally advanced or metastatic GEP-NET of pancreatic or midgut origin, G2 or G3 (Ki-67 index \u2265 10% and \u2264 55%)
* Somatostatin receptor positive disease on 68Ga-DOTATATE PET/CT, with Krenning score \u2265 3 in all target lesions
* Progression on prior somatostatin analogue therapy (octreotide LAR or lanreotide)
* Patients on SSA must be on a stable dose for at least 12 weeks
* Grade \u2264 1 residual toxicity from prior therapy

Exclusion Criteria:

* Prior PRRT
* Prior treatment with everolimus within 4 weeks of randomisation
* Any lesion without SSTR uptake on SSTR imaging
* Grade 3 or higher adverse events
"""


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


DLL3_NEC = """Key Inclusion Criteria:
1. Histologically or cytologically confirmed poorly differentiated extrapulmonary neuroendocrine carcinoma (small cell or large cell type), Ki-67 > 20%
2. DLL3-positive tumour by central immunohistochemistry
3. Progression after at least one line of platinum-based chemotherapy

Key Exclusion Criteria:
1. Prior DLL3-targeted therapy
2. Well-differentiated NET G3 are not eligible
"""


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


# --- the SQL prefilter --------------------------------------------------------------------

def _prefilter_texts(s):
    return [*s["conditions"], *s["keywords"], s["brief_title"], s["official_title"],
            *s["condition_mesh_terms"], *s["condition_mesh_ancestors"]]


ALL_CASES = [c[0] for c in NET_CASES.values()] + [c[0] for c in NOT_NET_CASES.values()] + [
    study(conditions=["Neuroendocrine Carcinoma"], eligibility_criteria=DLL3_NEC),
    study(conditions=["Gastroenteropancreatic Neuroendocrine Tumor"], eligibility_criteria=NETTER_LIKE),
    study(keywords=["GEP-NEN", "PanNET", "SI-NET", "NET G2", "MiNEN", "LCNEC", "t-NEPC"]),
    study(official_title="A Study of Everolimus in Neuro-endocrine Neoplasms"),
    study(conditions=["Zollinger-Ellison Syndrome"]),
    study(conditions=["Carotid Body Tumor", "Glomus Jugulare Tumor"]),
]


def test_prefilter_never_misses_a_net_study_python():
    pattern = re.compile(NET_CANDIDATE_PATTERN)
    for s in ALL_CASES:
        joined = " | ".join(_prefilter_texts(s))
        if net_profile(s)["is_net"]:
            assert pattern.search(joined), s
    assert all(net_profile(s)["is_net"] for s in ALL_CASES[-4:])


def test_prefilter_runs_in_duckdb_with_same_verdicts():
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    rows = [(i, " | ".join(_prefilter_texts(s))) for i, s in enumerate(ALL_CASES)]
    con.execute("CREATE TABLE t (i INTEGER, txt VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    sql_hits = {i for (i,) in con.execute("SELECT i FROM t WHERE regexp_matches(txt, ?, 'i')",
                                          [NET_CANDIDATE_PATTERN]).fetchall()}
    python_hits = {i for i, txt in rows if re.search(NET_CANDIDATE_PATTERN, txt)}
    assert sql_hits == python_hits
    assert {i for i, s in enumerate(ALL_CASES) if net_profile(s)["is_net"]} <= sql_hits


# --- the real CT.gov records --------------------------------------------------------------

def _real_records():
    studies = CTGOV / "studies"
    if not studies.is_dir() or not (CTGOV / "INDEX.csv").is_file():
        pytest.skip(f"real CT.gov records not present at {CTGOV} (shared team folder)")
    with open(CTGOV / "INDEX.csv", newline="", encoding="utf-8") as fh:
        index = {row["nct"]: row["net"] == "True" for row in csv.DictReader(fh)}
    records = {p.stem: json.loads(p.read_bytes()) for p in sorted(studies.glob("*.json"))}
    return index, records


def test_real_records_agree_with_index_and_prefilter():
    index, records = _real_records()
    assert len(records) == len(index) == 1043
    pattern = re.compile(NET_CANDIDATE_PATTERN)
    inputs = {nct: profile_input_from_record(r) for nct, r in records.items()}
    disagreements = []
    for nct, s in inputs.items():
        profile = net_profile(s)
        assert tuple(profile) == PROFILE_KEYS
        if profile["is_net"] != index[nct]:
            disagreements.append((nct, profile["net_reason"]))
        if profile["is_net"]:
            assert pattern.search(" | ".join(_prefilter_texts(s)))
    assert disagreements == []
    # RE2 (DuckDB) and Python agree on the prefilter over real text with all its Unicode
    duckdb = pytest.importorskip("duckdb")
    rows = [(nct, " | ".join(_prefilter_texts(s))) for nct, s in inputs.items()]
    con = duckdb.connect()
    con.execute("CREATE TABLE t (nct VARCHAR, txt VARCHAR)")
    con.executemany("INSERT INTO t VALUES (?, ?)", rows)
    sql = {n for (n,) in con.execute("SELECT nct FROM t WHERE regexp_matches(txt, ?, 'i')",
                                     [NET_CANDIDATE_PATTERN]).fetchall()}
    assert sql == {nct for nct, txt in rows if pattern.search(txt)}
    # the one real "NEC" (= not elsewhere classified) stays out, with the reason recorded
    assert net_profile(inputs["NCT02503306"])["net_reason"].startswith("not NET: condition: bare abbreviation 'NEC'")


def test_throughput_on_real_records(capsys):
    _, records = _real_records()
    inputs = [profile_input_from_record(r) for r in records.values()]
    # full path too: the same records forced through every rule by a NET condition
    forced = [{**s, "conditions": [*s["conditions"], "Neuroendocrine Tumors"]} for s in inputs]
    for label, batch in (("as-is (prefilter exits early)", inputs), ("forced NET (all rules)", forced)):
        start = time.perf_counter()
        for s in batch:
            net_profile(s)
        elapsed = time.perf_counter() - start
        with capsys.disabled():
            print(f"\nnet_profile {label}: {len(batch)} studies in {elapsed:.3f}s "
                  f"({len(batch) / elapsed:,.0f} studies/s)")
