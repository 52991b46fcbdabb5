"""NET profile: the NET decision and subtypes, and the SQL prefilter property (eligibility facts:
test_enrich_eligibility.py)."""
from __future__ import annotations

import csv
import json
import re
import time

import pytest

from netpipeline.normalise.enrich import NET_CANDIDATE_PATTERN, PROFILE_KEYS, empty_profile, net_profile
from netpipeline.normalise.enrich.net_profile import profile_input_from_record
from netpipeline_tests.conftest import SHARED_CTGOV as CTGOV
from netpipeline_tests.enrich_samples import DLL3_NEC, NETTER_LIKE, study, subtypes


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
