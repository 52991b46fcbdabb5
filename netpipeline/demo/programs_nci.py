"""Named programmes run by the NCI network, the RTOG Foundation and UCSF (day-1 state)."""
from __future__ import annotations

from netpipeline.demo.criteria import (
    ADULT, COMMON_EXCLUSION, CONSENT, CONTRACEPTION, ECOG_01, ECOG_02, GE, GT, KI67_G1G2, KI67_G3, KRENNING, LE,
    MEASURABLE, NCI_ORGAN_FUNCTION_ITEM, POORLY_DIFFERENTIATED_EXCLUSION, SSTR_PET)
from netpipeline.demo.programs import (
    NCI, NCI_DRUG_NOTES, NCI_IPD, NCI_OVERSIGHT, US_NCTN_SITES, all_recruiting, nci_ids)

_NCI_FOLLOW_UP = "After completion of study treatment, patients are followed up every 12 weeks for up to 5 years."

LUTETIUM_RETREATMENT = {
    "nct_id": "NCT05773274", "org_study_id": "NCI-2023-01794",
    "secondary_ids": nci_ids("NCI-2023-01794", "EA2222", "ECOG-ACRIN Cancer Research Group", "U10CA180820"),
    "organization": NCI,
    "brief_title": "Testing Retreatment With Lutetium Lu 177 Dotatate Compared to Standard of Care for "
                   "Neuroendocrine Tumors That Have Grown After Prior Lutetium Lu 177 Dotatate",
    "official_title": "A Randomized Phase II Study of Lutetium Lu 177 Dotatate Retreatment Versus Standard of Care "
                      "in Patients With Progressive Somatostatin Receptor Positive Neuroendocrine Tumors Previously "
                      "Treated With Lutetium Lu 177 Dotatate",
    "sponsor": NCI, "collaborators": [("ECOG-ACRIN Cancer Research Group", "OTHER")],
    "status": "RECRUITING", "start": ("2023-08-15", "ACTUAL"), "primary_completion": ("2028-12-31", "ESTIMATED"),
    "completion": ("2028-12-31", "ESTIMATED"), "first_submitted": "2023-03-06", "last_update": "2026-11-06",
    "verified": "2026-10", "oversight": NCI_OVERSIGHT, "ipd": NCI_IPD,
    "summary": "This phase II trial compares the effect of retreatment with lutetium Lu 177 dotatate to standard "
               "of care treatment (everolimus, sunitinib or capecitabine and temozolomide) in patients with "
               "neuroendocrine tumors that have grown after earlier treatment with lutetium Lu 177 dotatate.",
    "description": "PRIMARY OBJECTIVE:\n\nI. To compare progression-free survival (PFS) in patients randomized to "
                   "lutetium Lu 177 dotatate retreatment versus standard of care therapy.\n\nSECONDARY "
                   "OBJECTIVES:\n\nI. To compare overall survival and objective response rate.\n\nII. To compare "
                   "the incidence of myelodysplastic syndrome and acute leukemia between arms.\n\nOUTLINE: Patients "
                   "are randomized to 1 of 2 arms.\n\nARM I: Patients receive lutetium Lu 177 dotatate IV over 30 "
                   "minutes on day 1. Treatment repeats every 8 weeks for up to 4 cycles.\n\nARM II: Patients "
                   "receive everolimus PO once daily (QD), sunitinib PO QD, or capecitabine PO twice daily (BID) on "
                   "days 1-14 and temozolomide PO QD on days 10-14 of each 28-day cycle per physician choice.\n\n"
                   + _NCI_FOLLOW_UP,
    "conditions": ["Metastatic Neuroendocrine Tumor", "Unresectable Neuroendocrine Tumor",
                   "Well Differentiated Neuroendocrine Tumor"],
    "keywords": ["PRRT", "retreatment", "177Lu-DOTATATE"], "condition_mesh": ["net"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2"],
    "design_info": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (152, "ESTIMATED"),
    "arms": [{"label": "Arm I (lutetium Lu 177 dotatate)", "type": "EXPERIMENTAL",
              "description": "Patients receive lutetium Lu 177 dotatate IV over 30 minutes on day 1. Treatment "
                             "repeats every 8 weeks for up to 4 cycles in the absence of disease progression or "
                             "unacceptable toxicity. Patients undergo CT or MRI and blood sample collection.",
              "drugs": ["lu_dotatate", "biospecimen", "ct_scan", "mri"]},
             {"label": "Arm II (everolimus, sunitinib, or CAPTEM)", "type": "ACTIVE_COMPARATOR",
              "description": "Patients receive everolimus PO QD, sunitinib PO QD, or capecitabine PO BID and "
                             "temozolomide PO QD per physician choice. Patients undergo CT or MRI and blood sample "
                             "collection.",
              "drugs": ["everolimus", "sunitinib", "capecitabine", "temozolomide", "biospecimen", "ct_scan", "mri"]}],
    "drugs": ["biospecimen", "capecitabine", "ct_scan", "everolimus", "lu_dotatate", "mri", "sunitinib",
              "temozolomide"],
    "drug_descriptions": NCI_DRUG_NOTES,
    "primary_outcomes": [("Progression-free survival (PFS)", "From randomization to progression or death, assessed "
                          "up to 5 years", "Estimated with the Kaplan-Meier method and compared with a stratified "
                          "log-rank test.")],
    "secondary_outcomes": [("Overall survival", "Up to 5 years"), ("Objective response rate", "Up to 5 years"),
                           ("Incidence of myelodysplastic syndrome or acute leukemia", "Up to 5 years")],
    "inclusion": [
        f"Patients must be {GE} 18 years of age",
        f"Patients must have histologically confirmed well-differentiated G1 or G2 neuroendocrine tumor ({KI67_G1G2}) "
        "of gastroenteropancreatic, lung or unknown primary origin",
        "Patients must have received prior treatment with lutetium Lu 177 dotatate (at least 2 doses) with "
        f"disease progression {GE} 12 months after the last dose",
        "Patients must have " + SSTR_PET[0].lower() + SSTR_PET[1:],
        MEASURABLE, ECOG_02, NCI_ORGAN_FUNCTION_ITEM, CONSENT],
    "exclusion": [
        "Patients who received prior PRRT other than lutetium Lu 177 dotatate",
        f"Patients with prior external beam radiation to {GT} 25% of bone marrow",
        "Patients with a history of myelodysplastic syndrome or acute leukemia",
        POORLY_DIFFERENTIATED_EXCLUSION, *COMMON_EXCLUSION[1:]],
    "min_age": "18 Years",
    "officials": [("ECOG-ACRIN Cancer Research Group", "PRINCIPAL_INVESTIGATOR")], "site_contacts": "nci",
    "sites": all_recruiting(US_NCTN_SITES[:30]),
}

RTOG_LUNG = {
    "nct_id": "NCT06955169", "org_study_id": "RTOG 3530",
    "brief_title": "177Lu-DOTATATE Versus Standard of Care for Advanced Lung and Thymic Neuroendocrine Tumors",
    "official_title": "A Randomized Phase II Trial of 177Lu-DOTATATE Peptide Receptor Radionuclide Therapy Versus "
                      "Standard of Care Systemic Therapy in Somatostatin Receptor-Positive Advanced Bronchial and "
                      "Thymic Neuroendocrine Tumors",
    "sponsor": ("RTOG Foundation, Inc.", "NETWORK"),
    "collaborators": [("Novartis Pharmaceuticals", "INDUSTRY")],
    "status": "RECRUITING", "start": ("2025-10-01", "ACTUAL"), "primary_completion": ("2028-06-30", "ESTIMATED"),
    "completion": ("2030-06-30", "ESTIMATED"), "first_submitted": "2025-05-02", "last_update": "2026-10-21",
    "verified": "2026-10", "oversight": NCI_OVERSIGHT,
    "summary": "This randomized phase II trial compares 177Lu-DOTATATE with standard of care systemic therapy "
               "(everolimus or somatostatin analogue escalation) in patients with somatostatin receptor-positive "
               "typical or atypical carcinoid tumours of the lung or thymus that are growing.",
    "conditions": ["Lung Neuroendocrine Tumor", "Atypical Carcinoid Tumor", "Typical Carcinoid Tumor",
                   "Thymic Neuroendocrine Tumor"],
    "keywords": ["bronchial carcinoid", "PRRT", "Lutathera"], "condition_mesh": ["carcinoid", "lung", "thymus"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2"],
    "design_info": {"allocation": "RANDOMIZED", "interventionModel": "PARALLEL", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (110, "ESTIMATED"),
    "arms": [{"label": "177Lu-DOTATATE", "type": "EXPERIMENTAL",
              "description": "177Lu-DOTATATE 7.4 GBq IV every 8 weeks for 4 cycles.", "drugs": ["lu_dotatate"]},
             {"label": "Standard of care", "type": "ACTIVE_COMPARATOR",
              "description": "Everolimus 10 mg orally daily or octreotide LAR 60 mg every 28 days per investigator.",
              "drugs": ["everolimus", "octreotide_lar"]}],
    "drugs": ["lu_dotatate", "everolimus", "octreotide_lar"],
    "drug_descriptions": {"lu_dotatate": "7.4 GBq IV every 8 weeks for 4 cycles."},
    "primary_outcomes": [("Progression-free survival", "Up to 3 years")],
    "secondary_outcomes": [("Overall survival", "Up to 5 years"), ("Objective response rate", "Up to 3 years"),
                           ("Patient-reported quality of life (EORTC QLQ-C30)", "Up to 2 years")],
    "inclusion": [
        ADULT, "Histologically confirmed typical or atypical carcinoid of the lung or thymus, unresectable or "
        "metastatic", f"Mitotic count {LE} 10 per 2 mm\\^2 and Ki-67 index {LE} 30%",
        SSTR_PET, KRENNING, "Progressive disease per RECIST 1.1 within 12 months", MEASURABLE, ECOG_01],
    "exclusion": ["Prior PRRT", "Prior everolimus for advanced disease", "Large cell or small cell neuroendocrine "
                  "carcinoma", *COMMON_EXCLUSION],
    "min_age": "18 Years",
    "central_contact": "pi", "officials": [("RTOG Foundation, Inc.", "STUDY_CHAIR")], "site_contacts": "pi",
    "sites": all_recruiting(["mdacc", "mskcc", "penn", "duke", "moffitt", "pmcc"])
             + [(key, None) for key in ("umich", "ohsu", "washu", "emory", "chum", "huntsman")],
}

LENVATINIB_PEMBROLIZUMAB = {
    "nct_id": "NCT05746208", "org_study_id": "22558",
    "secondary_ids": [{"id": "NCI-2023-02211", "type": "REGISTRY",
                       "domain": "CTRP (Clinical Trial Reporting Program)"}],
    "brief_title": "Lenvatinib and Pembrolizumab for the Treatment of Well-Differentiated Grade 3 Neuroendocrine "
                   "Tumors",
    "official_title": "A Phase II Study of Lenvatinib in Combination With Pembrolizumab in Patients With Advanced "
                      "Well-Differentiated Grade 3 Neuroendocrine Tumors",
    "sponsor": ("University of California, San Francisco", "OTHER"),
    "collaborators": [("Merck Sharp & Dohme LLC", "INDUSTRY"), ("Eisai Inc.", "INDUSTRY")],
    "status": "RECRUITING", "start": ("2023-05-24", "ACTUAL"), "primary_completion": ("2027-06-30", "ESTIMATED"),
    "completion": ("2028-06-30", "ESTIMATED"), "first_submitted": "2023-02-16", "last_update": "2026-07-09",
    "verified": "2026-07", "oversight": {"oversightHasDmc": True, "isFdaRegulatedDrug": True,
                                         "isFdaRegulatedDevice": False},
    "summary": "This phase II trial tests how well lenvatinib and pembrolizumab work in treating patients with "
               "well-differentiated grade 3 neuroendocrine tumors (Ki-67 20-55%).",
    "conditions": ["Well-Differentiated Neuroendocrine Tumor, Grade 3", "Metastatic Neuroendocrine Tumor"],
    "keywords": ["G3 NET", "Ki-67", "lenvatinib", "pembrolizumab"], "condition_mesh": ["net"],
    "study_type": "INTERVENTIONAL", "phases": ["PHASE2"],
    "design_info": {"allocation": "NA", "interventionModel": "SINGLE_GROUP", "primaryPurpose": "TREATMENT",
                    "maskingInfo": {"masking": "NONE"}},
    "enrollment": (40, "ESTIMATED"),
    "arms": [{"label": "Treatment (lenvatinib, pembrolizumab)", "type": "EXPERIMENTAL",
              "description": "Patients receive lenvatinib PO QD on days 1-21 and pembrolizumab IV over 30 minutes on "
                             "day 1. Cycles repeat every 21 days for up to 35 cycles of pembrolizumab.",
              "drugs": ["lenvatinib", "pembrolizumab"]}],
    "drugs": ["lenvatinib", "pembrolizumab"],
    "primary_outcomes": [("Objective response rate (ORR)", "Up to 2 years")],
    "secondary_outcomes": [("Progression-free survival", "Up to 2 years"), ("Overall survival", "Up to 3 years")],
    "inclusion": [
        ADULT, f"Histologically confirmed well-differentiated grade 3 neuroendocrine tumor ({KI67_G3}) of "
        "gastroenteropancreatic, lung or unknown primary origin", "At least one prior line of systemic therapy "
        "for advanced disease", MEASURABLE, ECOG_01, NCI_ORGAN_FUNCTION_ITEM, CONTRACEPTION],
    "exclusion": ["Poorly differentiated neuroendocrine carcinoma", "Prior treatment with an anti-PD-1, anti-PD-L1 "
                  "or anti-CTLA-4 antibody", "Prior lenvatinib", "Active autoimmune disease requiring systemic "
                  "treatment in the past 2 years", *COMMON_EXCLUSION],
    "min_age": "18 Years",
    "central_contact": "pi", "officials": [("University of California, San Francisco", "PRINCIPAL_INVESTIGATOR")],
    "site_contacts": "pi", "sites": all_recruiting(["ucsf", "ucsd", "ucdavis"]),
}
