"""Reusable eligibility wording in the API's Markdown, with its backslash escapes.

ClinicalTrials.gov escapes Markdown-significant characters in criteria text: `\\<=`, `\\>=`,
`\\>`, `mm\\^3`, `\\[`... The constants below hold those escapes literally (one backslash in the
string, two in the JSON), exactly as real records carry them.
"""
from __future__ import annotations

LE, GE, LT, GT = "\\<=", "\\>=", "\\<", "\\>"

KI67_G1G2 = f"Ki-67 index {LE} 20%"
KI67_G3 = "Ki-67 20-55%"

ORGAN_FUNCTION = [
    f"Absolute neutrophil count (ANC) {GE} 1,500/mm\\^3",
    f"Platelets {GE} 100,000/mm\\^3",
    f"Hemoglobin {GE} 9.0 g/dL",
    f"Total bilirubin {LE} 1.5 x institutional upper limit of normal (ULN) ({LE} 3 x ULN for patients with "
    "Gilbert's syndrome)",
    f"Aspartate aminotransferase (AST) and alanine aminotransferase (ALT) {LE} 3 x ULN ({LE} 5 x ULN for "
    "patients with liver metastases)",
    f"Creatinine clearance {GE} 50 mL/min/1.73 m\\^2 by the Cockcroft-Gault formula",
]

ORGAN_FUNCTION_ITEM = ("Adequate organ and marrow function as defined below:", ORGAN_FUNCTION)

NCI_ORGAN_FUNCTION_ITEM = ("Patients must have adequate organ and marrow function as defined below (within "
                           "28 days prior to registration):", ORGAN_FUNCTION)

MEASURABLE = "Measurable disease per Response Evaluation Criteria in Solid Tumors (RECIST) version 1.1"
PROGRESSION_12M = ("Radiographic evidence of disease progression per RECIST 1.1 within 12 months prior to "
                   "enrolment")
ECOG_01 = "Eastern Cooperative Oncology Group (ECOG) performance status 0 or 1"
ECOG_02 = f"ECOG performance status {LE} 2 (Karnofsky {GE} 60%)"
ADULT = f"Age {GE} 18 years"
CONSENT = "Ability to understand and the willingness to sign a written informed consent document"
CONTRACEPTION = ("Participants of childbearing potential must agree to use highly effective contraception "
                 "during treatment and for 6 months after the last dose")
SSTR_PET = ("Somatostatin receptor (SSTR)-positive disease on 68Ga-DOTATATE PET/CT or 64Cu-DOTATATE PET/CT "
            "within 12 weeks prior to enrolment, with uptake in all target lesions greater than normal liver")
KRENNING = f"Krenning score {GE} 3 on Octreoscan (111In-pentetreotide scintigraphy) if SSTR PET is not available"

COMMON_EXCLUSION = [
    "Known untreated or symptomatic brain metastases",
    "Pregnant or breastfeeding",
    "Uncontrolled intercurrent illness including, but not limited to, symptomatic congestive heart failure, "
    "unstable angina pectoris or cardiac arrhythmia",
    "Another active malignancy requiring treatment within the past 3 years, except adequately treated "
    "non-melanoma skin cancer or carcinoma in situ",
]

POORLY_DIFFERENTIATED_EXCLUSION = ("Poorly differentiated neuroendocrine carcinoma, small cell or large cell "
                                   "carcinoma, or mixed neuroendocrine-non-neuroendocrine neoplasm (MiNEN)")

GRADE_TEXT = {
    "G1G2": f"Well-differentiated grade 1 or grade 2 neuroendocrine tumour ({KI67_G1G2}) per WHO 2019 "
            "classification",
    "G2G3": f"Well-differentiated grade 2 or grade 3 neuroendocrine tumour (Ki-67 index {GE} 10% and {LE} 55%)",
    "G3": f"Well-differentiated grade 3 neuroendocrine tumour ({KI67_G3})",
    "NEC": f"Poorly differentiated neuroendocrine carcinoma (small cell or large cell type) with Ki-67 index {GT} 20%",
    "ANY": "Well-differentiated neuroendocrine tumour of any grade (G1, G2 or G3)",
}
