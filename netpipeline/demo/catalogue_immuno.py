"""Catalogue rows, part 3: immunotherapy, anti-angiogenics, interferon, DLL3 agents and other drugs.

NCT ids are fictitious. Comments mark the trials the day-to-day edits touch.
"""
from __future__ import annotations

from netpipeline.demo import sponsors as S
from netpipeline.demo.criteria import GE, LE, SSTR_PET
from netpipeline.demo.trial_builder import arm, trial

PROMID = {"pmid": "19704057", "type": "BACKGROUND",
          "citation": "Rinke A, Muller HH, Schade-Brittinger C, et al. Placebo-controlled, double-blind, prospective, "
                      "randomized study on the effect of octreotide LAR in the control of tumor growth in patients "
                      "with metastatic neuroendocrine midgut tumors: a report from the PROMID Study Group. J Clin "
                      "Oncol. 2009 Oct 1;27(28):4656-63."}

IMMUNOTHERAPY_TRIALS = [
    trial("NCT03468257", "Durvalumab Plus Tremelimumab in Advanced Neuroendocrine Neoplasms", sponsor=S.GETNE,
          phases=("PHASE2",), status="COMPLETED", subtype="any", grade="ANY", start="2017-12-11",
          primary="2019-12-31", completion="2021-06-30", enrollment=126, sites=(("EU",), 11),
          conditions=["Lung Carcinoid Tumor", "Gastrointestinal Neuroendocrine Tumor",
                      "Pancreatic Neuroendocrine Tumor", "Neuroendocrine Carcinoma"],
          condition_mesh=["carcinoid", "lung", "pancreas", "nec"],
          arms=[arm("Durvalumab + tremelimumab", "EXPERIMENTAL", "Durvalumab 1500 mg plus tremelimumab 75 mg every "
                    "4 weeks for 4 doses, then durvalumab alone.", "durvalumab", "tremelimumab")]),
    trial("NCT02939651", "Pembrolizumab in Previously Treated Well-Differentiated Neuroendocrine Tumors",
          sponsor=S.MERCK, phases=("PHASE2",), status="COMPLETED", subtype="gep", start="2016-11-29",
          primary="2019-06-13", completion="2021-11-30", enrollment=107, sites=(("US", "EU", "ASIA"), 16),
          arms=[arm("Pembrolizumab", "EXPERIMENTAL", "Pembrolizumab 200 mg IV every 3 weeks for up to 2 years.",
                    "pembrolizumab")],
          drug_descriptions={"pembrolizumab": "200 mg IV every 3 weeks"},
          primary_outcomes=[("Objective response rate per RECIST 1.1 by independent central review",
                             "Up to 2 years")]),
    trial("NCT03584932", "Nivolumab and Ipilimumab in Treating Patients With Rare Tumors", sponsor=S.SWOG,
          phases=("PHASE2",), status="ACTIVE_NOT_RECRUITING", subtype="basket", grade=None, start="2017-01-13",
          primary="2026-06-30", completion="2027-06-30", enrollment=818, sites=(("US",), 35),
          collaborators=[S.NCI], what="Nivolumab and Ipilimumab",
          summary="This basket trial studies nivolumab plus ipilimumab in rare cancers, with separate cohorts for "
                  "neuroendocrine tumours, Merkel cell carcinoma, adrenocortical carcinoma, sarcomas and other "
                  "rare tumours.",
          conditions=["Rare Solid Neoplasm", "Neuroendocrine Tumor", "Neuroendocrine Carcinoma",
                      "Merkel Cell Carcinoma", "Adrenal Cortical Carcinoma", "Sarcoma", "Biliary Tract Carcinoma"],
          condition_mesh=["net", "nec", "merkel", "sarcoma", "biliary"],
          arms=[arm("Treatment (nivolumab, ipilimumab)", "EXPERIMENTAL", "Patients receive nivolumab IV every 2 weeks "
                    "and ipilimumab IV every 6 weeks, by tumour-type cohort.", "nivolumab", "ipilimumab")],
          inclusion=["Histologically confirmed rare cancer belonging to one of the protocol cohorts, including "
                     "neuroendocrine tumours of any site"]),
    # day 3: Cohort B (with temozolomide) closed and removed: arm and intervention removed
    trial("NCT04612361", "Nivolumab Plus Ipilimumab With or Without Temozolomide in High-grade Neuroendocrine "
          "Carcinoma", sponsor=S.DANA_FARBER, phases=("PHASE2",), status="RECRUITING", subtype="nec", grade="NEC",
          design="open", start="2021-03-22", primary="2027-03", completion="2028-03", enrollment=64,
          sites=["dfci", "mgh"], last_update="2026-06-30",
          arms=[arm("Cohort A: nivolumab + ipilimumab", "EXPERIMENTAL", "Nivolumab 240 mg IV every 2 weeks and "
                    "ipilimumab 1 mg/kg IV every 6 weeks.", "nivolumab", "ipilimumab"),
                arm("Cohort B: nivolumab + ipilimumab + temozolomide", "EXPERIMENTAL", "As cohort A plus temozolomide "
                    "150 mg/m2 PO on days 1-5 of each 28-day cycle.", "nivolumab", "ipilimumab", "temozolomide")],
          inclusion=["Progression after first-line platinum-based chemotherapy"]),
    trial("NCT04892563", "Adjuvant Pembrolizumab Versus Observation in Resected Merkel Cell Carcinoma",
          sponsor=S.EORTC, phases=("PHASE3",), status="ACTIVE_NOT_RECRUITING", subtype="merkel", grade=None,
          measurable=False,
          design="open", start="2021-06-07", primary="2026-03-31", completion="2029-06", enrollment=280,
          sites=(("EU",), 20), collaborators=[S.MERCK],
          arms=[arm("Pembrolizumab", "EXPERIMENTAL", "Pembrolizumab 400 mg IV every 6 weeks for 1 year.",
                    "pembrolizumab"),
                arm("Observation", "NO_INTERVENTION", "Standard follow-up.")],
          drug_descriptions={"pembrolizumab": "400 mg IV every 6 weeks"},
          inclusion=["Completely resected stage I-III Merkel cell carcinoma within 16 weeks"],
          primary_outcomes=[("Recurrence-free survival", "Up to 5 years")]),
    trial("NCT00698971", "Bevacizumab Plus Octreotide LAR in Advanced Carcinoid Tumors", sponsor=S.MD_ANDERSON,
          phases=("PHASE2",), status="COMPLETED", subtype="midgut", start="2008-05", primary="2011-06",
          completion="2012-12", enrollment=44, sites=["mdacc"], last_update="2014-01-30",
          arms=[arm("Bevacizumab + octreotide LAR", "EXPERIMENTAL", "Bevacizumab 15 mg/kg IV every 3 weeks with "
                    "octreotide LAR 20 mg every 3 weeks.", "bevacizumab", "octreotide_lar")]),
    trial("NCT00214344", "Octreotide With or Without Interferon Alfa in Midgut Carcinoid Tumours",
          sponsor=S.UPPSALA, phases=("PHASE3",), status="COMPLETED", subtype="midgut", design="open",
          start="2001-09", primary="2007-06", completion="2008-12", enrollment=105, sites=["uppsala", "rigshospitalet",
                                                                                          "oslo"],
          last_update="2012-05-16", verified="2012-05", references=[PROMID],
          arms=[arm("Octreotide", "ACTIVE_COMPARATOR", "Octreotide LAR 30 mg every 28 days.", "octreotide_lar"),
                arm("Octreotide + interferon alfa", "EXPERIMENTAL", "Octreotide LAR plus interferon alfa-2b 3 MU SC "
                    "three times weekly.", "octreotide_lar", "interferon")]),
]

DLL3_AND_OTHER_TRIALS = [
    # day 2: PHASE2 -> PHASE2 + PHASE3 (seamless expansion)
    trial("NCT05710263", "Obrixtamig (BI 764532) in DLL3-positive Extrapulmonary Neuroendocrine Carcinoma",
          sponsor=S.BOEHRINGER, phases=("PHASE2",), status="RECRUITING", subtype="nec", grade="NEC", design="open",
          start="2023-06-12", primary="2027-09", completion="2028-12", enrollment=120,
          sites=(("US", "EU", "ASIA"), 25), last_update="2026-08-28",
          arms=[arm("Obrixtamig 90 mg", "EXPERIMENTAL", "Obrixtamig IV with step-up dosing to 90 mg every 3 weeks.",
                    "obrixtamig"),
                arm("Obrixtamig 180 mg", "EXPERIMENTAL", "Obrixtamig IV with step-up dosing to 180 mg every 3 weeks.",
                    "obrixtamig")],
          inclusion=[f"DLL3 expression in {GE} 1% of tumour cells by central IHC",
                     "Progression after platinum-based chemotherapy"]),
    # day 3: arm and intervention added (ezabenlimab combination cohort)
    trial("NCT04534781", "First-in-human Study of BI 764532 in DLL3-positive Small Cell Lung Cancer and "
          "Neuroendocrine Carcinoma", sponsor=S.BOEHRINGER, phases=("PHASE1",), status="RECRUITING", subtype="dll3",
          grade=None, design="sequential", start="2021-03-15", primary="2027-01", completion="2027-06",
          enrollment=160, sites=(("US", "EU", "ASIA"), 12), what="BI 764532 (Obrixtamig)",
          last_update="2026-05-07",
          arms=[arm("Part A: dose escalation (schedule 1)", "EXPERIMENTAL", "BI 764532 IV every 3 weeks.",
                    "obrixtamig"),
                arm("Part B: dose escalation (schedule 2)", "EXPERIMENTAL", "BI 764532 IV weekly then every 3 weeks.",
                    "obrixtamig")]),
    trial("NCT01466166", "Telotristat Etiprate for Carcinoid Syndrome Not Adequately Controlled by Somatostatin "
          "Analogues", sponsor=S.LEXICON, phases=("PHASE3",), status="COMPLETED", subtype="syndrome", grade=None,
          design="blind", start="2013-03", primary="2015-01", completion="2015-12", enrollment=135,
          sites=(("US", "EU"), 20), last_update="2017-03-28",
          arms=[arm("Telotristat etiprate 250 mg", "EXPERIMENTAL", "250 mg three times daily.", "telotristat"),
                arm("Telotristat etiprate 500 mg", "EXPERIMENTAL", "500 mg three times daily.", "telotristat"),
                arm("Placebo", "PLACEBO_COMPARATOR", "Placebo three times daily.", "placebo")],
          inclusion=[f"{GE} 4 bowel movements per day on a stable SSA dose"],
          primary_outcomes=[("Change from baseline in daily bowel movement frequency", "Baseline, Week 12")]),
    trial("NCT05694442", "Belzutifan in Advanced Pheochromocytoma/Paraganglioma", sponsor=S.MERCK,
          phases=("PHASE2",), status="RECRUITING", subtype="ppgl", grade=None, start="2023-03-09",
          primary="2027-04", completion="2028-04", enrollment=72, sites=(("US", "EU", "ASIA"), 14),
          last_update="2026-09-10",
          arms=[arm("Belzutifan", "EXPERIMENTAL", "Belzutifan 120 mg orally once daily.", "belzutifan")],
          inclusion=["Locally advanced or metastatic pheochromocytoma or paraganglioma not amenable to surgery"]),
    trial("NCT03152929", "Netazepide in Patients With Type 1 Gastric Neuroendocrine Tumours", sponsor=S.TRIO,
          phases=("PHASE2",), status="COMPLETED", subtype="gastric", grade=None, start="2017-06-01",
          primary="2019-02-28", completion="2019-08-31", enrollment=16, sites=["royal_free", "christie", "erasmus"],
          arms=[arm("Netazepide", "EXPERIMENTAL", "Netazepide 25 mg orally once daily for 52 weeks.", "netazepide")],
          inclusion=["Hypergastrinaemia due to chronic atrophic gastritis with multiple gastric NETs"],
          primary_outcomes=[("Change in number and size of gastric NETs at endoscopy", "52 weeks")]),
    trial("NCT04102137", "Lanreotide Plus Temozolomide in Thoracic Neuroendocrine Tumours", sponsor=S.IEO,
          phases=("PHASE2",), status="COMPLETED", subtype="thoracic", start="2019-10-01", primary="2022-06-30",
          completion="2023-06-30", enrollment=40, sites=["ieo", "int_milano", "gemelli", "bologna"],
          arms=[arm("Lanreotide + temozolomide", "EXPERIMENTAL", "Lanreotide 120 mg every 28 days plus temozolomide "
                    "250 mg/day on days 1-5.", "lanreotide", "temozolomide")]),
    trial("NCT04377841", "Lanreotide in Small MEN1-related Duodenopancreatic Neuroendocrine Tumours",
          sponsor=S.ERASMUS, phases=("PHASE2",), status="WITHDRAWN", why_stopped="Study drug supply could not be "
          "secured", subtype="men1", start="2021-01", primary="2024-01", completion="2025-01", enrollment=0,
          enrollment_type="ACTUAL", last_update="2021-03-22",
          arms=[arm("Lanreotide", "EXPERIMENTAL", "Lanreotide 120 mg every 28 days for 2 years.", "lanreotide"),
                arm("Active surveillance", "NO_INTERVENTION", "Imaging every 6 months.")],
          inclusion=[f"Genetically confirmed MEN1 with duodenopancreatic NET {LE} 2 cm"]),
    trial("NCT05541965", "Everolimus Plus Lanreotide in Neuroendocrine Tumours of Unknown Primary",
          sponsor=S.INCAN, phases=("PHASE2",), status="RECRUITING", subtype="unknown_primary", start="2022-10-03",
          primary="2026-12", completion="2027-06", enrollment=40, sites=["incan"],
          arms=[arm("Everolimus + lanreotide", "EXPERIMENTAL", "Everolimus 10 mg daily plus lanreotide 120 mg every "
                    "28 days.", "everolimus", "lanreotide")],
          inclusion=[SSTR_PET, f"No primary tumour identified after SSTR PET, CT and endoscopy; Ki-67 index {LE} 20%"]),
]
