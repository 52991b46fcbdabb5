"""The ten named NET programmes the demo's subscribers follow, as full trial specs (day-1 state).

A spec is a plain dict read by `records.build_study`; keys are documented in `catalogue.py`.
NCT ids, sponsors, phases and statuses are the programmes' own; investigators, contacts, dates
and counts are invented.
"""
from __future__ import annotations

from netpipeline.demo.criteria import (
    ADULT, COMMON_EXCLUSION, CONSENT, CONTRACEPTION, ECOG_01, GE, GT, KI67_G1G2, KI67_G3, LE,
    MEASURABLE, NCI_ORGAN_FUNCTION_ITEM, ORGAN_FUNCTION_ITEM, POORLY_DIFFERENTIATED_EXCLUSION, SSTR_PET)

NCI = ("National Cancer Institute (NCI)", "NIH")
NCI_OVERSIGHT = {"oversightHasDmc": True, "isFdaRegulatedDrug": False, "isFdaRegulatedDevice": False}
INDUSTRY_OVERSIGHT = {"oversightHasDmc": True, "isFdaRegulatedDrug": True, "isFdaRegulatedDevice": False}
NCI_IPD = {"ipdSharing": "YES", "description": "NCI is committed to sharing data in accordance with NIH policy.",
           "infoTypes": ["STUDY_PROTOCOL", "SAP"], "timeFrame": "Data are available within 6 months of study "
           "completion or within 6 months of the primary publication, whichever comes first.",
           "url": "https://grants.nih.gov/policy/sharing.htm"}
NCI_DRUG_NOTES = {"everolimus": "Given PO", "capecitabine": "Given PO", "temozolomide": "Given PO",
                  "sunitinib": "Given PO", "lu_dotatate": "Given IV"}

US_NCTN_SITES = ["mskcc", "mdacc", "dfci", "ucsf", "jhu", "penn", "fox_chase", "moffitt", "iowa", "vanderbilt",
                 "osu", "ccf", "umich", "duke", "emory", "ucolorado", "huntsman", "fred_hutch", "northwestern",
                 "uchicago", "washu", "utsw", "ochsner", "ohsu", "unmc", "uva", "iu", "umn", "roswell", "coh",
                 "ucsd", "ucdavis", "stanford", "miami", "upmc", "mgh", "nyu", "cedars", "mayo_az", "mayo_fl"]


def nci_ids(nci_number: str, group_id: str, group: str, grant: str) -> list[dict[str, str]]:
    return [{"id": nci_number, "type": "REGISTRY", "domain": "CTRP (Clinical Trial Reporting Program)"},
            {"id": group_id, "type": "OTHER", "domain": group},
            {"id": grant, "type": "NIH", "link": f"https://reporter.nih.gov/quickSearch/{grant}"}]


def all_recruiting(keys: list[str]) -> list[tuple[str, str | None]]:
    return [(key, "RECRUITING") for key in keys]


ZANZALINTINIB = {
    "nct_id": "NCT06943755", "acronym": "STELLAR-311", "org_study_id": "XL092-311",
    "brief_title": "A Study of Zanzalintinib (XL092) Versus Everolimus in Participants With Non-pancreatic "
                   "Neuroendocrine Tumors (STELLAR-311)",
    "official_title": "A Randomized, Open-label, Phase 2/3 Study of Zanzalintinib (XL092) Versus Everolimus in "
                      "Subjects With Unresectable, Locally Advanced or Metastatic, Well-differentiated, "
                      "Non-pancreatic Neuroendocrine Tumors Who Progressed on Prior Therapy",
    "sponsor": ("Exelixis", "INDUSTRY"), "status": "RECRUITING",
    "start": ("2025-06-23", "ACTUAL"), "primary_completion": ("2028-03-31", "ESTIMATED"),
    "completion": ("2029-06-30", "ESTIMATED"), "first_submitted": "2025-04-17", "last_update": "2026-10-29",
    "verified": "2026-10", "oversight": INDUSTRY_OVERSIGHT,
    "summary": "The purpose of this study is to evaluate the efficacy and safety of zanzalintinib (XL092) compared "
               "with everolimus in participants with previously treated, progressive, well-differentiated "
               "neuroendocrine tumors (NETs) of non-pancreatic origin (gastrointestinal tract, lung, thymus or "
               "unknown primary).",
    "conditions": ["Neuroendocrine Tumors", "Extra-pancreatic Neuroendocrine Tumor", "Lung Neuroendocrine Tumor",
                   "Gastrointestinal Neuroendocrine Tumor"],
    "keywords": ["XL092", "zanzalintinib", "everolimus", "epNET", "carcinoid", "VEGFR", "MET", "TAM kinases"],
    "condition_mesh": ["net", "lung", "intestine"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2", "PHASE3"],
    "design_info": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (336, "ESTIMATED"),
    "arms": [{"label": "Zanzalintinib", "type": "EXPERIMENTAL",
              "description": "Participants will receive zanzalintinib 100 mg orally once daily.",
              "drugs": ["zanzalintinib"]},
             {"label": "Everolimus", "type": "ACTIVE_COMPARATOR",
              "description": "Participants will receive everolimus 10 mg orally once daily.", "drugs": ["everolimus"]}],
    "drugs": ["zanzalintinib", "everolimus"],
    "primary_outcomes": [("Progression-Free Survival (PFS) per RECIST 1.1 by Blinded Independent Central Review "
                          "(BIRC)", "Up to 36 months", "PFS is defined as the time from randomization to the "
                          "earlier of radiographic progressive disease or death from any cause.")],
    "secondary_outcomes": [("Overall Survival (OS)", "Up to 60 months"),
                           ("Objective Response Rate (ORR) per RECIST 1.1 by BIRC", "Up to 36 months"),
                           ("Number of Participants With Treatment-emergent Adverse Events", "Up to 40 months")],
    "criteria_style": "numbered",
    "inclusion": [
        ("Histologically confirmed, well-differentiated, unresectable locally advanced or metastatic "
         "neuroendocrine tumor of non-pancreatic origin:", ["Gastrointestinal tract (stomach, small intestine, "
         "appendix, colon, rectum)", "Lung/bronchus or thymus", "Unknown primary site (pancreatic primary excluded "
         "by cross-sectional imaging)"]),
        f"Tumor grade G1 or G2 ({KI67_G1G2}) on the most recent tumor sample",
        "Radiographic progressive disease per RECIST 1.1 within 12 months prior to randomization",
        MEASURABLE,
        "Prior somatostatin analogue (SSA) therapy is permitted; participants with functional tumors may continue "
        "a stable SSA dose for symptom control",
        f"{LE} 2 prior systemic anticancer regimens for advanced disease, not counting SSA; prior peptide receptor "
        "radionuclide therapy (PRRT) is permitted",
        ECOG_01, ORGAN_FUNCTION_ITEM, CONTRACEPTION],
    "exclusion": [
        POORLY_DIFFERENTIATED_EXCLUSION + "; adenocarcinoid or goblet cell carcinoid",
        "Pancreatic neuroendocrine tumor",
        "Prior treatment with everolimus or another mTOR inhibitor, or with zanzalintinib",
        "Receipt of any small-molecule kinase inhibitor within 2 weeks before randomization",
        "Receipt of PRRT within 6 months before randomization",
        f"Uncontrolled hypertension (systolic blood pressure {GT} 150 mm Hg or diastolic {GT} 90 mm Hg despite "
        "optimal treatment)",
        f"Corrected QT interval calculated by the Fridericia formula (QTcF) {GT} 480 ms",
        *COMMON_EXCLUSION[:2]],
    "min_age": "18 Years",
    "central_contact": "sponsor", "officials": [("Exelixis", "STUDY_DIRECTOR")], "site_contacts": "pi",
    "sites": all_recruiting(["mdacc", "mskcc", "moffitt", "ucsf", "mayo_az", "iowa", "ohsu", "gustave", "beaujon",
                             "charite", "ieo", "erasmus", "ncc_east", "snuh"])
             + [("fox_chase", "NOT_YET_RECRUITING"), ("utsw", "NOT_YET_RECRUITING"), ("essen", "NOT_YET_RECRUITING"),
                ("nccs", "NOT_YET_RECRUITING")],
}

ALXN2420 = {
    "nct_id": "NCT07037420", "org_study_id": "ALXN2420-NET-201",
    "brief_title": "ALXN2420 Added to Somatostatin Analogue Therapy in Progressive Gastroenteropancreatic "
                   "Neuroendocrine Tumors",
    "official_title": "A Phase 2, Randomized, Double-blind, Placebo-controlled Study of ALXN2420 in Combination "
                      "With a Somatostatin Analogue in Adults With Well-differentiated Gastroenteropancreatic "
                      "Neuroendocrine Tumors Progressing on Somatostatin Analogue Therapy",
    "sponsor": ("Alexion Pharmaceuticals, Inc.", "INDUSTRY"), "collaborators": [("AstraZeneca", "INDUSTRY")],
    "status": "RECRUITING", "start": ("2025-09-15", "ACTUAL"), "primary_completion": ("2027-10", "ESTIMATED"),
    "completion": ("2028-04", "ESTIMATED"), "first_submitted": "2025-06-10", "last_update": "2026-09-30",
    "verified": "2026-09", "oversight": INDUSTRY_OVERSIGHT,
    "summary": "This study will evaluate whether adding ALXN2420, an oral complement factor D inhibitor, to "
               "ongoing somatostatin analogue (SSA) therapy prolongs progression-free survival in adults with "
               "SSTR-positive gastroenteropancreatic neuroendocrine tumors (GEP-NETs) that progressed on SSA.",
    "conditions": ["Gastroenteropancreatic Neuroendocrine Tumor", "Neuroendocrine Tumors"],
    "keywords": ["complement factor D", "somatostatin analogue", "GEP-NET", "octreotide", "lanreotide"],
    "condition_mesh": ["net"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2"],
    "design_info": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "QUADRUPLE", "whoMasked": ["PARTICIPANT", "CARE_PROVIDER",
                                                                         "INVESTIGATOR", "OUTCOMES_ASSESSOR"]}},
    "enrollment": (90, "ESTIMATED"),
    "arms": [{"label": "ALXN2420 + SSA", "type": "EXPERIMENTAL",
              "description": "ALXN2420 orally twice daily plus continued octreotide LAR or lanreotide.",
              "drugs": ["alxn2420", "ssa"]},
             {"label": "Placebo + SSA", "type": "PLACEBO_COMPARATOR",
              "description": "Matching placebo orally twice daily plus continued octreotide LAR or lanreotide.",
              "drugs": ["placebo", "ssa"]}],
    "drugs": ["alxn2420", "placebo", "ssa"],
    "primary_outcomes": [("Progression-free Survival by Blinded Independent Central Review", "Up to 30 months")],
    "secondary_outcomes": [("Objective Response Rate", "Up to 30 months"),
                           ("Incidence of Treatment-emergent Adverse Events", "Up to 32 months"),
                           ("Change From Baseline in EORTC QLQ-GINET21 Score", "Baseline, Week 24")],
    "inclusion": [
        ADULT,
        f"Histologically confirmed well-differentiated G1 or G2 GEP-NET ({KI67_G1G2}), unresectable or metastatic",
        SSTR_PET,
        "Disease progression per RECIST 1.1 while on a stable dose of octreotide LAR or lanreotide for "
        f"{GE} 12 weeks", MEASURABLE, ECOG_01, ORGAN_FUNCTION_ITEM],
    "exclusion": [
        POORLY_DIFFERENTIATED_EXCLUSION,
        "Prior PRRT within 12 months before randomization",
        "More than 1 prior line of systemic therapy other than SSA",
        "Active or recent (within 6 months) infection with encapsulated bacteria, or no documented vaccination "
        "against Neisseria meningitidis",
        *COMMON_EXCLUSION],
    "min_age": "18 Years",
    "central_contact": "sponsor", "officials": [("Alexion Pharmaceuticals, Inc.", "STUDY_DIRECTOR")],
    "sites": all_recruiting(["mdacc", "mskcc", "dfci", "penn", "washu", "hegp", "uke", "uppsala", "royal_free",
                             "gemelli", "samsung", "fudan"]) + [("rnsh", "NOT_YET_RECRUITING")],
}

TARLATAMAB = {
    "nct_id": "NCT06788938", "org_study_id": "24-001337",
    "secondary_ids": [{"id": "NCI-2025-00412", "type": "REGISTRY",
                       "domain": "CTRP (Clinical Trial Reporting Program)"}],
    "brief_title": "Tarlatamab for the Treatment of DLL3-Positive Advanced Neuroendocrine Neoplasms",
    "official_title": "A Phase II Study of Tarlatamab (AMG 757) in Patients With Delta-Like Ligand 3 (DLL3) "
                      "Positive Extrapulmonary Neuroendocrine Carcinoma or Grade 3 Neuroendocrine Tumors",
    "sponsor": ("Jonsson Comprehensive Cancer Center", "OTHER"), "collaborators": [("Amgen", "INDUSTRY")],
    "responsible": {"type": "SPONSOR"},
    "status": "RECRUITING", "start": ("2025-03-04", "ACTUAL"), "primary_completion": ("2027-03-01", "ESTIMATED"),
    "completion": ("2028-03-01", "ESTIMATED"), "first_submitted": "2025-01-17", "last_update": "2026-08-14",
    "verified": "2026-08", "oversight": {"oversightHasDmc": True, "isFdaRegulatedDrug": True,
                                         "isFdaRegulatedDevice": False},
    "summary": "This phase II trial tests how well tarlatamab works in treating patients with neuroendocrine "
               "carcinoma outside the lung or grade 3 neuroendocrine tumors whose tumor cells express DLL3. "
               "Tarlatamab is a bispecific T-cell engager that binds DLL3 on tumor cells and CD3 on T cells.",
    "description": "PRIMARY OBJECTIVE:\n\nI. To evaluate the objective response rate (ORR) of tarlatamab in "
                   "patients with DLL3-positive extrapulmonary neuroendocrine carcinoma (EP-NEC) or grade 3 "
                   "neuroendocrine tumors.\n\nSECONDARY OBJECTIVES:\n\nI. To evaluate progression-free survival "
                   "and overall survival.\n\nII. To evaluate the safety and tolerability of tarlatamab, including "
                   "cytokine release syndrome.\n\nOUTLINE:\n\nPatients receive tarlatamab intravenously (IV) over "
                   "60 minutes on days 1, 8 and 15 of cycle 1 and on days 1 and 15 of subsequent cycles. Cycles "
                   "repeat every 28 days in the absence of disease progression or unacceptable toxicity. Patients "
                   "undergo computed tomography (CT) and blood sample collection throughout the study.",
    "conditions": ["Extrapulmonary Neuroendocrine Carcinoma", "Neuroendocrine Tumor, Grade 3",
                   "DLL3-Positive Neoplasms"],
    "keywords": ["DLL3", "bispecific T-cell engager", "BiTE", "AMG 757"],
    "condition_mesh": ["nec", "net"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2"],
    "design_info": {"allocation": "NA", "interventionModel": "SINGLE_GROUP", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (30, "ESTIMATED"),
    "arms": [{"label": "Treatment (tarlatamab)", "type": "EXPERIMENTAL",
              "description": "Patients receive tarlatamab IV over 60 minutes on days 1, 8 and 15 of cycle 1 and on "
                             "days 1 and 15 of subsequent cycles. Cycles repeat every 28 days in the absence of "
                             "disease progression or unacceptable toxicity. Patients undergo CT and blood sample "
                             "collection throughout the study.",
              "drugs": ["tarlatamab", "biospecimen", "ct_scan"]}],
    "drugs": ["biospecimen", "ct_scan", "tarlatamab"],
    "primary_outcomes": [("Objective response rate (ORR)", "Up to 2 years", "ORR is defined as the proportion of "
                          "patients with complete or partial response per RECIST 1.1.")],
    "secondary_outcomes": [("Progression-free survival", "Up to 2 years"), ("Overall survival", "Up to 3 years"),
                           ("Incidence of adverse events", "Up to 30 days after last dose")],
    "inclusion": [
        ADULT,
        ("Histologically confirmed, unresectable or metastatic disease of one of the following types:",
         [f"Extrapulmonary poorly differentiated neuroendocrine carcinoma (Ki-67 {GT} 55% or small/large cell "
          "morphology)", f"Well-differentiated grade 3 neuroendocrine tumor ({KI67_G3} or higher)"]),
        f"DLL3 expression by immunohistochemistry (IHC) in {GE} 1% of tumor cells (VENTANA DLL3 (SP347) assay) "
        "on archival or fresh tissue, confirmed centrally",
        "Progression on or intolerance to at least one prior line of systemic therapy; for neuroendocrine "
        "carcinoma this must include platinum-based chemotherapy",
        MEASURABLE, ECOG_01, NCI_ORGAN_FUNCTION_ITEM, CONSENT],
    "exclusion": [
        "Small cell lung cancer or other primary lung neuroendocrine carcinoma",
        "Prior therapy with a DLL3-targeted agent",
        "Symptomatic or untreated brain metastases",
        "History of grade 3 or higher immune-related adverse event requiring permanent discontinuation of prior "
        "immunotherapy", *COMMON_EXCLUSION[1:]],
    "min_age": "18 Years",
    "central_contact": "pi", "officials": [("Jonsson Comprehensive Cancer Center", "PRINCIPAL_INVESTIGATOR")],
    "site_contacts": "pi",
    "sites": [("ucla", "RECRUITING"), ("ucla_sm", "NOT_YET_RECRUITING")],
}
