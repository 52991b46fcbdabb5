"""Named NCI programmes: sacituzumab govitecan, two 177Lu-DOTATATE trials and SWOG S0518 (day-1 state)."""
from __future__ import annotations

from netpipeline.demo.criteria import (
    COMMON_EXCLUSION, CONSENT, ECOG_01, ECOG_02, GE, GT, KRENNING, LE, LT, MEASURABLE,
    NCI_ORGAN_FUNCTION_ITEM, POORLY_DIFFERENTIATED_EXCLUSION, SSTR_PET)
from netpipeline.demo.programs import (
    NCI, NCI_DRUG_NOTES, NCI_IPD, NCI_OVERSIGHT, US_NCTN_SITES, all_recruiting, nci_ids)

SACITUZUMAB = {
    "nct_id": "NCT06161532", "org_study_id": "NCI-2023-09478",
    "secondary_ids": nci_ids("NCI-2023-09478", "NRG-GI011", "NRG Oncology", "U10CA180868"),
    "organization": NCI,
    "brief_title": "Testing Sacituzumab Govitecan With or Without Atezolizumab for Extrapulmonary Neuroendocrine "
                   "Carcinoma After Platinum Chemotherapy",
    "official_title": "A Randomized Phase II Trial of Sacituzumab Govitecan With or Without Atezolizumab in Patients "
                      "With Advanced Extrapulmonary Poorly Differentiated Neuroendocrine Carcinoma Previously "
                      "Treated With Platinum-Based Chemotherapy",
    "sponsor": NCI, "collaborators": [("NRG Oncology", "OTHER")],
    "status": "RECRUITING", "start": ("2024-03-11", "ACTUAL"), "primary_completion": ("2027-09-30", "ESTIMATED"),
    "completion": ("2027-09-30", "ESTIMATED"), "first_submitted": "2023-11-30", "last_update": "2026-10-02",
    "verified": "2026-09", "oversight": NCI_OVERSIGHT, "ipd": NCI_IPD,
    "summary": "This phase II trial compares sacituzumab govitecan alone to sacituzumab govitecan plus "
               "atezolizumab in treating patients with neuroendocrine carcinoma outside the lung that has grown "
               "after platinum-based chemotherapy.",
    "description": "PRIMARY OBJECTIVE:\n\nI. To compare progression-free survival of sacituzumab govitecan with or "
                   "without atezolizumab.\n\nOUTLINE: Patients are randomized to 1 of 2 arms.\n\nARM I: Patients "
                   "receive sacituzumab govitecan IV on days 1 and 8 of each 21-day cycle.\n\nARM II: Patients "
                   "receive sacituzumab govitecan IV on days 1 and 8 and atezolizumab IV on day 1 of each 21-day "
                   "cycle.",
    "conditions": ["Extrapulmonary Neuroendocrine Carcinoma", "Poorly Differentiated Neuroendocrine Carcinoma",
                   "Large Cell Neuroendocrine Carcinoma", "Small Cell Neuroendocrine Carcinoma"],
    "condition_mesh": ["nec"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2"],
    "design_info": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (96, "ESTIMATED"),
    "arms": [{"label": "Arm I (sacituzumab govitecan)", "type": "ACTIVE_COMPARATOR",
              "description": "Patients receive sacituzumab govitecan IV on days 1 and 8 of each cycle. Cycles repeat "
                             "every 21 days in the absence of disease progression or unacceptable toxicity.",
              "drugs": ["sacituzumab", "biospecimen", "ct_scan"]},
             {"label": "Arm II (sacituzumab govitecan, atezolizumab)", "type": "EXPERIMENTAL",
              "description": "Patients receive sacituzumab govitecan IV on days 1 and 8 and atezolizumab IV on day 1 "
                             "of each cycle. Cycles repeat every 21 days.",
              "drugs": ["sacituzumab", "atezolizumab", "biospecimen", "ct_scan"]}],
    "drugs": ["atezolizumab", "biospecimen", "ct_scan", "sacituzumab"],
    "primary_outcomes": [("Progression-free survival", "Up to 3 years")],
    "secondary_outcomes": [("Overall survival", "Up to 3 years"), ("Objective response rate", "Up to 3 years")],
    "inclusion": [
        f"Patients must be {GE} 18 years of age",
        f"Histologically confirmed poorly differentiated neuroendocrine carcinoma of extrapulmonary origin (Ki-67 "
        f"{GT} 20%), or of unknown primary", "Disease progression on or after first-line platinum-based "
        "chemotherapy (cisplatin or carboplatin with etoposide)", MEASURABLE, ECOG_01, NCI_ORGAN_FUNCTION_ITEM,
        CONSENT],
    "exclusion": ["Small cell lung cancer", "Well-differentiated neuroendocrine tumor of any grade",
                  "Prior topoisomerase I inhibitor-containing antibody drug conjugate", "Prior anti-PD-1 or anti-PD-L1 "
                  "therapy", *COMMON_EXCLUSION],
    "min_age": "18 Years",
    "officials": [("NRG Oncology", "PRINCIPAL_INVESTIGATOR")], "site_contacts": "nci",
    "sites": all_recruiting(US_NCTN_SITES[5:25]),
}

LUTETIUM_SSTR = {
    "nct_id": "NCT04665739", "org_study_id": "NCI-2020-13417",
    "secondary_ids": nci_ids("NCI-2020-13417", "10459", "Experimental Therapeutics Clinical Trials Network",
                             "UM1CA186705"),
    "organization": NCI,
    "brief_title": "Lutetium Lu 177 Dotatate for Somatostatin Receptor Positive Neuroendocrine Tumors, "
                   "Pheochromocytoma or Paraganglioma in Children and Adults",
    "official_title": "A Phase 2 Study of Lutetium Lu 177 Dotatate in Patients Aged 12 Years and Older With "
                      "Inoperable, Progressive, Somatostatin Receptor Positive Neuroendocrine Tumors, "
                      "Pheochromocytoma or Paraganglioma",
    "sponsor": NCI, "status": "RECRUITING", "start": ("2021-04-20", "ACTUAL"),
    "primary_completion": ("2027-04-30", "ESTIMATED"), "completion": ("2027-04-30", "ESTIMATED"),
    "first_submitted": "2020-12-04", "last_update": "2026-09-18", "verified": "2026-09",
    "oversight": NCI_OVERSIGHT, "ipd": NCI_IPD,
    "summary": "This phase II trial studies how well lutetium Lu 177 dotatate works in treating patients 12 years "
               "and older with somatostatin receptor positive neuroendocrine tumors, pheochromocytoma or "
               "paraganglioma that cannot be removed by surgery and are growing.",
    "conditions": ["Neuroendocrine Tumor", "Pheochromocytoma", "Paraganglioma", "Somatostatin Receptor Positive"],
    "keywords": ["pediatric", "PRRT", "SSTR"], "condition_mesh": ["net", "ppgl"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2"],
    "design_info": {"allocation": "NA", "interventionModel": "SINGLE_GROUP", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (60, "ESTIMATED"),
    "arms": [{"label": "Treatment (lutetium Lu 177 dotatate)", "type": "EXPERIMENTAL",
              "description": "Patients receive lutetium Lu 177 dotatate IV over 30-40 minutes on day 1. Treatment "
                             "repeats every 8 weeks for up to 4 doses. Patients undergo PET and blood sample "
                             "collection throughout the study.",
              "drugs": ["lu_dotatate", "biospecimen", "pet"]}],
    "drugs": ["biospecimen", "lu_dotatate", "pet"], "drug_descriptions": NCI_DRUG_NOTES,
    "primary_outcomes": [("Objective response rate", "Up to 2 years")],
    "secondary_outcomes": [("Progression-free survival", "Up to 3 years"), ("Incidence of adverse events",
                                                                           "Up to 3 years")],
    "inclusion": [
        f"Patients must be {GE} 12 years of age", "Histologically confirmed neuroendocrine tumor, pheochromocytoma "
        "or paraganglioma that is inoperable", SSTR_PET, KRENNING, "Progressive disease within 12 months of "
        f"enrollment; patients with pheochromocytoma or paraganglioma may enroll with {GE} 1 uncontrolled symptom",
        ("Patients must have performance status as follows:", [f"Karnofsky {GE} 60% for patients {GT} 16 years",
                                                               f"Lansky {GE} 60% for patients {LE} 16 years"]),
        NCI_ORGAN_FUNCTION_ITEM, CONSENT],
    "exclusion": ["Prior PRRT", f"Prior external beam radiation to {GT} 25% of bone marrow",
                  "Patients with poorly differentiated neuroendocrine carcinoma", *COMMON_EXCLUSION[1:]],
    "min_age": "12 Years",
    "officials": [("Experimental Therapeutics Clinical Trials Network", "PRINCIPAL_INVESTIGATOR")],
    "site_contacts": "nci",
    "sites": all_recruiting(["nih_cc", "mayo_mn", "mskcc", "iowa", "ucsf", "stanford", "coh", "mdacc", "dfci",
                             "washu", "jhu"]),
}

LUTETIUM_ATEZOLIZUMAB = {
    "nct_id": "NCT05058651", "org_study_id": "NCI-2021-09866",
    "secondary_ids": nci_ids("NCI-2021-09866", "A022001", "Alliance for Clinical Trials in Oncology", "U10CA180821"),
    "organization": NCI,
    "brief_title": "Testing the Addition of Atezolizumab to Lutetium Lu 177 Dotatate for Advanced "
                   "Gastroenteropancreatic Neuroendocrine Tumors",
    "official_title": "A Randomized Phase II/III Trial of Lutetium Lu 177 Dotatate With or Without Atezolizumab in "
                      "Patients With Somatostatin Receptor Positive Grade 2 or 3 Gastroenteropancreatic "
                      "Neuroendocrine Tumors",
    "sponsor": NCI, "collaborators": [("Alliance for Clinical Trials in Oncology", "OTHER")],
    "status": "RECRUITING", "start": ("2022-02-15", "ACTUAL"), "primary_completion": ("2029-02-28", "ESTIMATED"),
    "completion": ("2029-02-28", "ESTIMATED"), "first_submitted": "2021-09-17", "last_update": "2026-10-16",
    "verified": "2026-10", "oversight": NCI_OVERSIGHT, "ipd": NCI_IPD,
    "summary": "This phase II/III trial compares the effect of adding atezolizumab to lutetium Lu 177 dotatate "
               "versus lutetium Lu 177 dotatate alone in treating patients with somatostatin receptor positive "
               "grade 2 or 3 neuroendocrine tumors of the gut or pancreas.",
    "conditions": ["Gastroenteropancreatic Neuroendocrine Tumor G2", "Gastroenteropancreatic Neuroendocrine Tumor G3",
                   "Pancreatic Neuroendocrine Tumor", "Midgut Neuroendocrine Tumor"],
    "condition_mesh": ["net", "pancreas", "intestine"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2", "PHASE3"],
    "design_info": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (210, "ESTIMATED"),
    "arms": [{"label": "Arm I (lutetium Lu 177 dotatate)", "type": "ACTIVE_COMPARATOR",
              "description": "Patients receive lutetium Lu 177 dotatate IV every 8 weeks for 4 doses.",
              "drugs": ["lu_dotatate", "ct_scan"]},
             {"label": "Arm II (lutetium Lu 177 dotatate, atezolizumab)", "type": "EXPERIMENTAL",
              "description": "Patients receive lutetium Lu 177 dotatate IV every 8 weeks for 4 doses and "
                             "atezolizumab IV every 3 weeks for up to 1 year.",
              "drugs": ["lu_dotatate", "atezolizumab", "ct_scan"]}],
    "drugs": ["atezolizumab", "ct_scan", "lu_dotatate"], "drug_descriptions": NCI_DRUG_NOTES,
    "primary_outcomes": [("Progression-free survival (Phase II)", "Up to 3 years"),
                         ("Overall survival (Phase III)", "Up to 6 years")],
    "secondary_outcomes": [("Objective response rate", "Up to 3 years"), ("Incidence of adverse events", "Up to "
                                                                          "6 years")],
    "inclusion": [
        f"Patients must be {GE} 18 years of age", f"Well-differentiated grade 2 or 3 GEP-NET with Ki-67 index "
        f"{GE} 10% and {LE} 55%", SSTR_PET, "Progression on at least one prior systemic therapy, which may be a "
        "somatostatin analogue", MEASURABLE, ECOG_02, NCI_ORGAN_FUNCTION_ITEM, CONSENT],
    "exclusion": ["Prior PRRT", "Prior immune checkpoint inhibitor", "Active autoimmune disease requiring systemic "
                  "treatment within 2 years", POORLY_DIFFERENTIATED_EXCLUSION, *COMMON_EXCLUSION],
    "min_age": "18 Years",
    "officials": [("Alliance for Clinical Trials in Oncology", "PRINCIPAL_INVESTIGATOR")], "site_contacts": "nci",
    "sites": all_recruiting(US_NCTN_SITES[10:40]),
}

SWOG_S0518 = {
    "nct_id": "NCT00569127", "org_study_id": "S0518",
    "secondary_ids": [{"id": "NCI-2009-00486", "type": "REGISTRY", "domain": "CTRP (Clinical Trial Reporting Program)"},
                      {"id": "CDR0000577868", "type": "REGISTRY", "domain": "PDQ (Physician Data Query)"},
                      {"id": "U10CA180888", "type": "NIH", "link": "https://reporter.nih.gov/quickSearch/U10CA180888"}],
    "organization": ("SWOG Cancer Research Network", "NETWORK"),
    "brief_title": "S0518: Octreotide and Interferon Alfa-2b or Bevacizumab in Treating Patients With Metastatic or "
                   "Locally Advanced, High-Risk Carcinoid Tumors",
    "official_title": "Phase III Prospective Randomized Comparison of Depot Octreotide Plus Interferon Alpha Versus "
                      "Depot Octreotide Plus Bevacizumab (NSC #704865) in Advanced, Poor Prognosis Carcinoid Patients",
    "sponsor": NCI, "collaborators": [("SWOG Cancer Research Network", "NETWORK")],
    "status": "ACTIVE_NOT_RECRUITING", "start": ("2007-12", None), "primary_completion": ("2015-05-31", "ACTUAL"),
    "completion": ("2027-12-31", "ESTIMATED"), "first_submitted": "2007-12-14", "last_update": "2026-05-08",
    "verified": "2026-05", "oversight": {"oversightHasDmc": True},
    "summary": "This randomized phase III trial studies octreotide acetate and interferon alfa-2b to see how well "
               "they work compared to octreotide acetate and bevacizumab in treating patients with carcinoid "
               "tumors that have spread or cannot be removed by surgery.",
    "conditions": ["Carcinoid Tumor", "Neuroendocrine Tumor", "Malignant Carcinoid Syndrome"],
    "condition_mesh": ["carcinoid", "carcinoid_syndrome"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE3"],
    "design_info": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (427, "ACTUAL"),
    "arms": [{"label": "Arm I (octreotide acetate, interferon alfa-2b)", "type": "ACTIVE_COMPARATOR",
              "description": "Patients receive octreotide acetate IM on day 1 and recombinant interferon alfa-2b SC "
                             "three times weekly. Courses repeat every 21 days.",
              "drugs": ["octreotide", "interferon"]},
             {"label": "Arm II (octreotide acetate, bevacizumab)", "type": "EXPERIMENTAL",
              "description": "Patients receive octreotide acetate IM on day 1 and bevacizumab IV over 30-90 minutes "
                             "on day 1. Courses repeat every 21 days.",
              "drugs": ["octreotide", "bevacizumab"]}],
    "drugs": ["bevacizumab", "octreotide", "interferon"],
    "primary_outcomes": [("Progression-free Survival", "Up to 10 years")],
    "secondary_outcomes": [("Overall Survival", "Up to 10 years"), ("Objective Response", "Up to 10 years")],
    "inclusion": [
        "Histologically or cytologically confirmed carcinoid tumor, metastatic or locally advanced and not amenable "
        "to curative surgery", ("Poor prognosis disease defined by at least one of the following:",
                                ["Progressive disease within 12 months", "Refractory carcinoid syndrome on "
                                 "octreotide", "Atypical or intermediate-grade histology", "Primary tumor of "
                                 "non-midgut origin"]),
        MEASURABLE, "Zubrod performance status 0-2", "No prior bevacizumab or interferon alfa"],
    "exclusion": ["Islet cell carcinoma, poorly differentiated or small cell neuroendocrine carcinoma",
                  "History of gastrointestinal bleeding or perforation within 6 months",
                  f"Proteinuria {GT} 1+ on urinalysis unless 24-hour urine protein {LT} 1 g",
                  *COMMON_EXCLUSION[1:]],
    "min_age": "18 Years",
    "officials": [("SWOG Cancer Research Network", "STUDY_CHAIR")],
    "sites": [(key, None) for key in US_NCTN_SITES],
    "references": [{"pmid": "28384794", "type": "RESULT",
                    "citation": "Yao JC, Guthrie KA, Moran C, Strosberg JR, Kulke MH, Chan JA, LoConte N, McWilliams "
                                "RR, Wolin EM, Mattar B, McDonough S, Chen H, Blanke CD, Hochster HS. Phase III "
                                "Prospective Randomized Comparison Trial of Depot Octreotide Plus Interferon Alfa-2b "
                                "Versus Depot Octreotide Plus Bevacizumab in Patients With Advanced Carcinoid Tumors: "
                                "SWOG S0518. J Clin Oncol. 2017 May 20;35(15):1695-1703."}],
}
