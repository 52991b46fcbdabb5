"""Neuroendocrine prostate cancer wording and the bare "MTC" entry (issue 14 follow-up), phrased
like registry text (written for these tests, not copied from records). Each case asserts the
NET call, `net_reason` and every subtype with the evidence the `net_subtypes` column shows."""
from __future__ import annotations

import duckdb
import pytest

from netpipeline.normalise.enrich import NET_CANDIDATE_PATTERN, empty_profile, net_profile
from netpipeline_tests.enrich_samples import study

_AVPC_CRITERIA = ("Inclusion Criteria:\n* Metastatic prostate cancer meeting at least one aggressive-variant criterion: "
                  "histologic small cell carcinoma, exclusively visceral metastases, predominantly lytic bone "
                  "metastases, or low PSA relative to tumour burden\n\nExclusion Criteria:\n* Prior platinum\n")

# case: (study, net_reason, [(subtype, evidence)])
NET = {
    # --- neuroendocrine prostate cancer: high_grade_nec -------------------------------------------
    "prostate cancer with NE differentiation": (
        study(conditions=["Prostate Cancer With Neuroendocrine Differentiation"],
              brief_title="Carboplatin and Etoposide in Metastatic Prostate Cancer With Neuroendocrine Differentiation"),
        "condition: 'Prostate Cancer With Neuroendocrine Differentiation'",
        [("high_grade_nec", "condition: 'Prostate Cancer With Neuroendocrine Differentiation'")]),
    "adenocarcinoma with NE features, second entry": (
        study(conditions=["Castration-Resistant Prostate Carcinoma", "Prostate Adenocarcinoma With Neuroendocrine Features"]),
        "condition: 'Prostate Adenocarcinoma With Neuroendocrine Features'",
        [("high_grade_nec", "condition: 'Prostate Adenocarcinoma With Neuroendocrine Features'")]),
    "NE-differentiated prostate cancer": (
        study(conditions=["Neuroendocrine-differentiated Prostate Cancer"]),
        "condition: 'Neuroendocrine-differentiated Prostate Cancer'",
        [("high_grade_nec", "condition: 'Neuroendocrine-differentiated Prostate Cancer'")]),
    "mCRPC with NE features in the title": (
        study(conditions=["mCRPC"], brief_title="Lurbinectedin in mCRPC With Neuroendocrine Features"),
        "title: 'mCRPC With Neuroendocrine'",
        [("high_grade_nec", "title: 'Lurbinectedin in mCRPC With Neuroendocrine Features'")]),
    "treatment-emergent small cell": (
        study(conditions=["Metastatic Castration-resistant Prostate Cancer", "Treatment-emergent Small Cell Prostate Cancer"]),
        "condition: 'Treatment-emergent Small Cell Prostate Cancer'",
        [("high_grade_nec", "condition: 'Treatment-emergent Small Cell Prostate Cancer'")]),
    "t-SCNC entry": (
        study(conditions=["Prostate Cancer", "t-SCNC"], brief_title="ZEN-3694, Enzalutamide and Pembrolizumab in mCRPC"),
        "condition: 't-SCNC'", [("high_grade_nec", "condition: 't-SCNC'")]),
    "aggressive variant prostate cancer": (
        study(conditions=["Aggressive Variant Prostate Cancer"],
              brief_title="Cabazitaxel, Carboplatin and Pembrolizumab in Aggressive-Variant Metastatic Prostate Cancer",
              eligibility_criteria=_AVPC_CRITERIA),
        "condition: 'Aggressive Variant Prostate Cancer'",
        [("high_grade_nec", "condition: 'Aggressive Variant Prostate Cancer'")]),
    "AVPC in capitals beside the prostate": (
        study(conditions=["Prostatic Neoplasms, Castration-Resistant"],
              official_title="Cabazitaxel and Carboplatin in Metastatic Prostate Cancer With Aggressive Variant "
                             "Features (AVPC)"),
        "official_title: 'Prostate Cancer With Aggressive Variant Features (AVPC)'",
        [("high_grade_nec", "official_title: 'Cabazitaxel and Carboplatin in Metastatic Prostate Cancer With "
                            "Aggressive Variant Features (AVPC)'")]),
    # --- entries that count with another field of the study --------------------------------------
    "bare AVPC entry beside an mCRPC condition": (
        study(conditions=["AVPC", "Metastatic Castration-resistant Prostate Cancer"]),
        "condition: 'AVPC' + condition: 'Metastatic Castration-resistant Prostate Cancer'",
        [("high_grade_nec", "condition: 'AVPC' + condition: 'Metastatic Castration-resistant Prostate Cancer'")]),
    "NE differentiation entry beside a prostate condition": (
        study(conditions=["Castration-resistant Prostate Cancer", "Neuroendocrine Differentiation"]),
        "condition: 'Neuroendocrine Differentiation' + condition: 'Castration-resistant Prostate Cancer'",
        [("high_grade_nec", "condition: 'Neuroendocrine Differentiation' + condition: 'Castration-resistant Prostate Cancer'")]),
    "MTC beside RET Mutation": (
        study(conditions=["MTC", "RET Mutation"], brief_title="Pralsetinib in Advanced or Metastatic Disease"),
        "condition: 'MTC' + condition: 'RET Mutation'",
        [("medullary_thyroid", "condition: 'MTC' + condition: 'RET Mutation'")]),
    "MTC repeating the full name": (
        study(conditions=["Medullary Thyroid Cancer", "MTC"]),
        "condition: 'Medullary Thyroid Cancer'", [("medullary_thyroid", "condition: 'Medullary Thyroid Cancer'")]),
    "MTC with calcitonin among keywords": (
        study(conditions=["MTC"], keywords=["calcitonin", "CEA doubling time", "cabozantinib"],
              brief_title="Cabozantinib in Progressive MTC"),
        "condition: 'MTC' + keyword: 'calcitonin'", [("medullary_thyroid", "condition: 'MTC' + keyword: 'calcitonin'")]),
    "sporadic and hereditary MTC in a thyroid-cancer title": (
        study(conditions=["Sporadic MTC", "Hereditary MTC"], brief_title="Vandetanib in Advanced Thyroid Cancer"),
        "condition: 'Sporadic MTC' + title: 'Vandetanib in Advanced Thyroid Cancer'",
        [("medullary_thyroid", "condition: 'Sporadic MTC' + title: 'Vandetanib in Advanced Thyroid Cancer'")]),
    "MTC beside MEN2B": (
        study(conditions=["MTC", "MEN2B"]),
        "condition: 'MTC' + condition: 'MEN2B'", [("medullary_thyroid", "condition: 'MTC' + condition: 'MEN2B'")]),
    # --- NET, but the prostate is another population of the same basket: no high_grade_nec ---------
    "prostate cancer and NETs imaged side by side": (
        study(conditions=["Prostate Adenocarcinoma", "Neuroendocrine Tumors"],
              brief_title="68Ga-PSMA-11 and 68Ga-DOTATATE PET in Prostate Cancer and Neuroendocrine Tumours"),
        "condition: 'Neuroendocrine Tumors'", []),
}


@pytest.mark.parametrize("case", NET)
def test_net_calls_reasons_and_subtype_evidence(case):
    s, reason, expected = NET[case]
    profile = net_profile(s)
    assert (profile["is_net"], profile["net_reason"]) == (True, reason)
    assert [(x["subtype"], x["evidence"]) for x in profile["net_subtypes"]] == expected


NOT_NET = {
    # NE markers studied in plain prostate adenocarcinoma: a process, not the population
    "NE differentiation as a mechanism, in the title": (
        study(conditions=["Prostate Cancer"],
              brief_title="Neuroendocrine Differentiation After Radiotherapy: Serum Chromogranin A Study",
              official_title="Serum Chromogranin A as a Marker of Neuroendocrine Differentiation After Definitive "
                             "Radiotherapy in Prostate Carcinoma"),
        "not NET: title: 'neuroendocrine' not naming a tumour (no tumour word, or negated) in "
        "'Neuroendocrine Differentiation After Radiotherapy: Serum Chromogranin A Study'"),
    "NE differentiation as a keyword of an enzalutamide trial": (
        study(conditions=["Prostate Adenocarcinoma"], keywords=["chromogranin A", "neuroendocrine differentiation"],
              brief_title="Enzalutamide With or Without Radiotherapy in High-risk Localised Prostate Cancer"),
        "not NET: keyword: 'neuroendocrine' not naming a tumour (no tumour word, or negated) in "
        "'neuroendocrine differentiation'"),
    "NE words only in the summary and the exclusions": (
        study(conditions=["Metastatic Hormone-sensitive Prostate Cancer"],
              brief_summary="Chromogranin A will be measured and neuroendocrine differentiation will be assessed as "
                            "an exploratory endpoint.",
              eligibility_criteria="Exclusion Criteria:\n* Small cell or neuroendocrine features on biopsy"),
        ""),
    "NE differentiation entry without a prostate": (
        study(conditions=["Lung Adenocarcinoma", "Neuroendocrine Differentiation"]),
        "not NET: condition: 'Neuroendocrine Differentiation' alone (a process, not a tumour), and no field of the "
        "study names the prostate"),
    "bare AVPC without a prostate": (
        study(conditions=["AVPC"]), "not NET: condition: 'AVPC' alone, and no field of the study names the prostate"),
    # "MTC" that is not medullary thyroid carcinoma
    "MTC as mitomycin C in a bladder trial": (
        study(conditions=["Non-muscle Invasive Bladder Cancer", "MTC"],
              brief_title="Intravesical Mitomycin C (MTC) Versus BCG After TURBT"),
        "not NET: condition: 'MTC' alone (also mitomycin C or a maximum tolerated concentration), and no field of "
        "the study names the thyroid, RET or calcitonin"),
    "MTC as maximum tolerated concentration": (
        study(conditions=["Advanced Solid Tumours"], keywords=["MTC", "maximum tolerated concentration"],
              brief_title="Dose Escalation of Oral XYZ-101 to the Maximum Tolerated Concentration"),
        "not NET: keyword: 'MTC' alone (also mitomycin C or a maximum tolerated concentration), and no field of the "
        "study names the thyroid, RET or calcitonin"),
}


@pytest.mark.parametrize("case", NOT_NET)
def test_not_net_with_the_reason(case):
    s, reason = NOT_NET[case]
    assert net_profile(s) == {**empty_profile(), "net_reason": reason}


def test_the_sql_prefilter_lets_every_net_case_through():
    # every study above the rules call NET must pass the prefilter the normaliser runs in DuckDB
    con = duckdb.connect()
    for case, (s, _, _) in NET.items():
        text = " | ".join([*s["conditions"], *s["keywords"], s["brief_title"], s["official_title"]])
        assert con.execute("SELECT regexp_matches(?, ?, 'i')", [text, NET_CANDIDATE_PATTERN]).fetchone() == (True,), case
