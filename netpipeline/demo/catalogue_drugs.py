"""Catalogue rows, part 1: drug trials (somatostatin analogues, targeted agents, PRRT, chemotherapy).

NCT ids are fictitious. Trials that the day-to-day edits touch say so in a comment; their day-1
state is what those edits expect (see `daily_changes.py`).
"""
from __future__ import annotations

from netpipeline.demo import sponsors as S
from netpipeline.demo.criteria import GE
from netpipeline.demo.trial_builder import arm, trial

RADIANT_3 = {"pmid": "21306238", "type": "BACKGROUND",
             "citation": "Yao JC, Shah MH, Ito T, et al. Everolimus for advanced pancreatic neuroendocrine tumors. "
                         "N Engl J Med. 2011 Feb 10;364(6):514-23."}
CLARINET = {"pmid": "25014687", "type": "BACKGROUND",
            "citation": "Caplin ME, Pavel M, Cwikla JB, et al. Lanreotide in metastatic enteropancreatic "
                        "neuroendocrine tumors. N Engl J Med. 2014 Jul 17;371(3):224-33."}


def _contact(sponsor: tuple[str, str], slug: str) -> tuple[str, str, str, str]:
    """Results point of contact: (title, organisation, email, phone)."""
    return "Clinical Trial Disclosure", sponsor[0], f"disclosure@{slug}.example.com", "1-888-555-0142"


SSA_TRIALS = [
    trial("NCT02918734", "High-Dose Lanreotide in Progressive Midgut or Pancreatic Neuroendocrine Tumours",
          sponsor=S.IPSEN, phases=("PHASE2",), status="COMPLETED", subtype="gep", start="2016-12-05",
          primary="2019-10-28", completion="2020-06-30", enrollment=99, sites=(("EU",), 12), last_update="2021-08-12",
          references=[CLARINET],
          arms=[arm("Lanreotide 120 mg every 14 days", "EXPERIMENTAL", "Lanreotide autogel 120 mg deep subcutaneous "
                    "injection every 14 days until progression.", "lanreotide")],
          inclusion=["Progression on standard-dose lanreotide or octreotide LAR within the previous 24 months"],
          results={"posted": "2021-08-12", "started": [99], "completed": [51], "age_mean": [("63.1", "10.4"),
                   ("63.1", "10.4")], "female": [45], "deaths": [7],
                   "primary": {"title": "Progression-free Survival", "description": "Time from first dose to "
                               "progression per RECIST 1.1 (central review) or death.", "unit": "months",
                               "time_frame": "Up to 36 months", "values": [("8.3", "5.6", "11.1")]},
                   "serious": [("Intestinal obstruction", "Gastrointestinal disorders", [4])],
                   "other": [("Diarrhoea", "Gastrointestinal disorders", [36]),
                             ("Cholelithiasis", "Hepatobiliary disorders", [12])],
                   "contact": _contact(S.IPSEN, "ipsen")}),
    trial("NCT03904615", "Octreotide LAR Injection Experience in Patients With Carcinoid Syndrome",
          sponsor=S.NOVARTIS, phases=("PHASE4",), status="COMPLETED", subtype="syndrome", start="2019-07-15",
          primary="2021-03-30", completion="2021-06-30", enrollment=64, sites=(("US",), 6), grade=None,
          arms=[arm("Octreotide LAR", "EXPERIMENTAL", "Octreotide LAR 30 mg IM every 28 days for 6 months.",
                    "octreotide_lar")],
          inclusion=[f"Carcinoid syndrome with {GE} 4 bowel movements per day or {GE} 2 flushing episodes per day"],
          primary_outcomes=[("Injection-site reactions", "Up to 6 months")]),
    trial("NCT05630482", "Paltusotine Versus Placebo in Adults With Carcinoid Syndrome", sponsor=S.CRINETICS,
          acronym="PALSYN-3",
          phases=("PHASE3",), status="RECRUITING", subtype="syndrome", design="blind", start="2024-04-22",
          primary="2027-08", completion="2028-02", enrollment=180, sites=(("US", "EU", "ASIA"), 30), grade=None,
          arms=[arm("Paltusotine", "EXPERIMENTAL", "Paltusotine 80 mg orally once daily.", "paltusotine"),
                arm("Placebo", "PLACEBO_COMPARATOR", "Matching placebo orally once daily.", "placebo")],
          inclusion=[f"Carcinoid syndrome diarrhoea with {GE} 4 bowel movements per day despite or without SSA"],
          exclusion=["Treatment with telotristat ethyl within 4 weeks before randomization"],
          primary_outcomes=[("Change from baseline in daily bowel movement frequency", "Baseline, Week 12")],
          last_update="2026-09-24"),
    trial("NCT06287104", "Open-label Extension of Paltusotine in Carcinoid Syndrome", sponsor=S.CRINETICS,
          phases=("PHASE3",), status="ENROLLING_BY_INVITATION", subtype="syndrome", start="2025-01-13",
          primary="2029-12", completion="2029-12", enrollment=160, sites=(("US", "EU"), 10), grade=None,
          arms=[arm("Paltusotine", "EXPERIMENTAL", "Paltusotine 80 mg orally once daily.", "paltusotine")],
          inclusion=["Completed the double-blind treatment period of the parent paltusotine study"],
          primary_outcomes=[("Incidence of treatment-emergent adverse events", "Up to 4 years")]),
]

TARGETED_TRIALS = [
    trial("NCT01793261", "Everolimus Versus Placebo in Advanced Nonfunctional Lung or Gastrointestinal "
          "Neuroendocrine Tumors", sponsor=S.NOVARTIS, phases=("PHASE3",), status="COMPLETED", subtype="any",
          design="blind", start="2012-03", primary="2015-11", completion="2017-08", enrollment=302,
          sites=(("US", "EU", "ASIA"), 40), last_update="2018-09-20", references=[RADIANT_3],
          conditions=["Carcinoid Tumor", "Lung Neuroendocrine Tumor", "Gastrointestinal Neuroendocrine Tumor"],
          condition_mesh=["carcinoid", "lung", "intestine"],
          arms=[arm("Everolimus + best supportive care", "EXPERIMENTAL", "Everolimus 10 mg orally once daily plus "
                    "best supportive care.", "everolimus", "best_supportive_care"),
                arm("Placebo + best supportive care", "PLACEBO_COMPARATOR", "Matching placebo once daily plus best "
                    "supportive care.", "placebo", "best_supportive_care")],
          exclusion=["History of or current functional carcinoid symptoms requiring SSA",
                     "Prior treatment with an mTOR inhibitor"],
          results={"posted": "2017-09-14", "started": [205, 97], "completed": [98, 31],
                   "age_mean": [("62.4", "11.0"), ("60.1", "12.2"), ("61.7", "11.4")], "female": [108, 45],
                   "deaths": [48, 27],
                   "primary": {"title": "Progression-free Survival (PFS) by Central Radiology Review",
                               "description": "PFS per RECIST 1.1 assessed by central radiology review.",
                               "unit": "months", "time_frame": "Up to 40 months",
                               "values": [("11.0", "9.2", "13.3"), ("3.9", "3.6", "7.4")],
                               "analysis": {"hr": ("0.48", "0.35", "0.67"), "p": "<0.00001"}},
                   "serious": [("Pneumonitis", "Respiratory, thoracic and mediastinal disorders", [9, 0]),
                               ("Diarrhoea", "Gastrointestinal disorders", [7, 2])],
                   "other": [("Stomatitis", "Gastrointestinal disorders", [129, 11]),
                             ("Fatigue", "General disorders", [62, 19])],
                   "contact": _contact(S.NOVARTIS, "novartis")}),
    trial("NCT02067338", "Everolimus With or Without Octreotide LAR in Lung and Thymic Carcinoids",
          sponsor=S.NOVARTIS, phases=("PHASE2",), status="COMPLETED", subtype="thoracic", design="open",
          start="2014-06", primary="2016-12", completion="2018-03", enrollment=124, sites=(("EU",), 18),
          arms=[arm("Everolimus", "EXPERIMENTAL", "Everolimus 10 mg daily.", "everolimus"),
                arm("Octreotide LAR", "ACTIVE_COMPARATOR", "Octreotide LAR 30 mg every 28 days.", "octreotide_lar"),
                arm("Everolimus + octreotide LAR", "EXPERIMENTAL", "Both drugs at the doses above.", "everolimus",
                    "octreotide_lar")],
          primary_outcomes=[("Progression-free rate at month 9", "Month 9")]),
    # day 3: enrolment type ESTIMATED -> ACTUAL
    trial("NCT03294852", "Everolimus Followed by Streptozocin-5FU or the Reverse Sequence in Pancreatic NETs",
          sponsor=S.GETNE, phases=("PHASE3",), status="ACTIVE_NOT_RECRUITING", subtype="pnet", design="open",
          acronym="SEQUPAN",
          start="2017-11-06", primary="2025-06-30", completion="2027-06", enrollment=141, sites=(("EU",), 14),
          enrollment_type="ESTIMATED",
          arms=[arm("Everolimus then STZ-5FU", "EXPERIMENTAL", "Everolimus until progression, then "
                    "streptozocin plus 5-fluorouracil.", "everolimus", "streptozocin", "fluorouracil"),
                arm("STZ-5FU then everolimus", "EXPERIMENTAL", "Streptozocin plus 5-fluorouracil until "
                    "progression, then everolimus.", "streptozocin", "fluorouracil", "everolimus")],
          primary_outcomes=[("First progression-free survival (PFS1) rate at 12 months", "12 months")],
          collaborators=[S.NORDIC_GROUP]),
    # day 2: lastUpdatePostDate type flips ESTIMATED -> ACTUAL (volatile noise)
    trial("NCT00711506", "Sunitinib Versus Placebo in Patients With Progressive Pancreatic Islet Cell Tumors",
          sponsor=S.PFIZER, phases=("PHASE3",), status="COMPLETED", subtype="pnet", design="blind", start="2007-06",
          primary="2009-04", completion="2011-02", enrollment=171, sites=(("US", "EU", "ASIA"), 25),
          last_update="2013-02-07", verified="2013-02", first_submitted="2007-07-02",
          arms=[arm("Sunitinib", "EXPERIMENTAL", "Sunitinib 37.5 mg orally once daily.", "sunitinib"),
                arm("Placebo", "PLACEBO_COMPARATOR", "Matching placebo once daily.", "placebo")]),
    trial("NCT02490657", "Sunitinib in Progressive Malignant Pheochromocytoma and Paraganglioma",
          sponsor=S.GUSTAVE_ROUSSY, phases=("PHASE2",), status="COMPLETED", subtype="ppgl", design="blind",
          start="2012-12-10", primary="2019-09-30", completion="2020-03-31", enrollment=78, grade=None,
          sites=["gustave", "hegp", "clb", "ipc", "iuct", "uz_leuven", "nki"],
          arms=[arm("Sunitinib", "EXPERIMENTAL", "Sunitinib 37.5 mg daily.", "sunitinib"),
                arm("Placebo", "PLACEBO_COMPARATOR", "Matching placebo daily.", "placebo")]),
    # day 2: results posted (pending_results)
    trial("NCT03517969", "Cabozantinib Versus Placebo in Advanced Neuroendocrine Tumors After Prior Therapy",
          sponsor=S.ALLIANCE, phases=("PHASE3",), status="ACTIVE_NOT_RECRUITING", subtype="gep", design="blind",
          start="2018-10-22", primary="2023-08-24", completion="2027-12-31", enrollment=298,
          collaborators=[S.NCI, S.EXELIXIS], sites=(("US",), 28), last_update="2025-11-03",
          conditions=["Pancreatic Neuroendocrine Tumor", "Extrapancreatic Neuroendocrine Tumor"],
          condition_mesh=["net", "pancreas"],
          arms=[arm("Arm I (cabozantinib)", "EXPERIMENTAL", "Patients receive cabozantinib PO QD.", "cabozantinib"),
                arm("Arm II (placebo)", "PLACEBO_COMPARATOR", "Patients receive placebo PO QD.", "placebo")],
          inclusion=["Progression after at least one prior FDA-approved therapy other than SSA"],
          pending_results={"posted": "2026-11-19", "started": [197, 101], "completed": [0, 0],
                           "age_mean": [("64.2", "10.1"), ("63.0", "11.3"), ("63.8", "10.5")], "female": [94, 47],
                           "deaths": [61, 38],
                           "primary": {"title": "Progression-free Survival", "description": "PFS per RECIST 1.1 "
                                       "by blinded independent central review.", "unit": "months",
                                       "time_frame": "Up to 5 years",
                                       "values": [("13.8", "11.1", "17.0"), ("4.4", "3.0", "5.9")],
                                       "analysis": {"hr": ("0.27", "0.17", "0.43"), "p": "<0.001"}},
                           "serious": [("Hypertension", "Vascular disorders", [19, 3]),
                                       ("Thromboembolic event", "Vascular disorders", [11, 2])],
                           "other": [("Fatigue", "General disorders", [121, 38]),
                                     ("Palmar-plantar erythrodysesthesia", "Skin and subcutaneous tissue "
                                      "disorders", [70, 5])],
                           "contact": ("Study Statistician", S.ALLIANCE[0], "statistics@alliance.example.org",
                                       "312-555-0107")}),
    trial("NCT04683445", "Cabozantinib Plus Temozolomide in Advanced Pancreatic Neuroendocrine Tumors",
          sponsor=S.DANA_FARBER, phases=("PHASE1", "PHASE2"), status="RECRUITING", subtype="pnet", design="sequential",
          start="2021-05-17", primary="2026-12", completion="2027-12", enrollment=44, sites=["dfci", "mgh"],
          arms=[arm("Dose escalation", "EXPERIMENTAL", "Cabozantinib PO QD with temozolomide PO on days 1-5 of each "
                    "28-day cycle at escalating doses.", "cabozantinib", "temozolomide"),
                arm("Dose expansion", "EXPERIMENTAL", "Both drugs at the recommended phase 2 dose.", "cabozantinib",
                    "temozolomide")]),
    trial("NCT02887066", "Lenvatinib in Advanced Pancreatic or Gastrointestinal Neuroendocrine Tumours",
          sponsor=S.GETNE, phases=("PHASE2",), status="COMPLETED", subtype="gep", start="2015-11-03",
          primary="2018-06-30", completion="2019-12-31", enrollment=111, sites=(("EU",), 10),
          arms=[arm("Lenvatinib", "EXPERIMENTAL", "Lenvatinib 24 mg orally once daily.", "lenvatinib")],
          primary_outcomes=[("Objective response rate by central review", "Up to 30 months")]),
    trial("NCT02711969", "Surufatinib Versus Placebo in Advanced Pancreatic Neuroendocrine Tumours",
          sponsor=S.HUTCHMED, phases=("PHASE3",), status="COMPLETED", subtype="pnet", design="blind",
          start="2016-02-18", primary="2019-11-11", completion="2020-12-31", enrollment=172,
          sites=["fudan", "pumch", "sysucc", "srrsh"],
          arms=[arm("Surufatinib", "EXPERIMENTAL", "Surufatinib 300 mg orally once daily.", "surufatinib"),
                arm("Placebo", "PLACEBO_COMPARATOR", "Matching placebo.", "placebo")]),
    # day 2: RECRUITING -> ACTIVE_NOT_RECRUITING (its sites carry no status)
    trial("NCT05192863", "Surufatinib Plus Toripalimab in Neuroendocrine Carcinoma After First-line Chemotherapy",
          sponsor=S.HUTCHMED, phases=("PHASE2",), status="RECRUITING", subtype="nec", grade="NEC", site_status="none",
          start="2022-03-08", primary="2027-06-30", completion="2027-12-31", enrollment=80,
          sites=["fudan", "pumch", "sysucc", "srrsh"], last_update="2026-06-11",
          arms=[arm("Surufatinib + toripalimab", "EXPERIMENTAL", "Surufatinib 250 mg PO QD plus toripalimab 240 mg "
                    "IV every 3 weeks.", "surufatinib", "toripalimab")],
          inclusion=["Progression after first-line platinum-based chemotherapy"]),
    # day 2: NOT_YET_RECRUITING -> RECRUITING (first site opens); day 3: start date ESTIMATED -> ACTUAL
    trial("NCT06571240", "Surufatinib in Progressive Extrapancreatic Neuroendocrine Tumours (US/EU)",
          sponsor=S.HUTCHMED, phases=("PHASE2",), status="NOT_YET_RECRUITING", subtype="gep", start="2026-11",
          primary="2028-12", completion="2029-06", enrollment=60, sites=["mdacc", "moffitt"],
          last_update="2026-10-08", first_submitted="2026-08-19",
          arms=[arm("Surufatinib", "EXPERIMENTAL", "Surufatinib 300 mg orally once daily.", "surufatinib")],
          exclusion=["Pancreatic primary tumour"]),
]
