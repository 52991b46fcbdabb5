"""Catalogue rows, part 2: radioligand therapy, chemotherapy, immunotherapy, DLL3 agents and others.

NCT ids are fictitious. Comments mark the trials the day-to-day edits touch.
"""
from __future__ import annotations

from netpipeline.demo import sponsors as S
from netpipeline.demo.criteria import SSTR_PET
from netpipeline.demo.trial_builder import arm, trial

NETTER_1 = {"pmid": "28076709", "type": "BACKGROUND",
            "citation": "Strosberg J, El-Haddad G, Wolin E, et al. Phase 3 Trial of 177Lu-Dotatate for Midgut "
                        "Neuroendocrine Tumors. N Engl J Med. 2017 Jan 12;376(2):125-135."}

PRRT_TRIALS = [
    # day 2: brief title edited
    trial("NCT04711369", "177Lu-Edotreotide Versus Everolimus in GEP-NETs", sponsor=S.ITM, phases=("PHASE3",),
          status="ACTIVE_NOT_RECRUITING", subtype="gep", design="open", start="2017-02-14", primary="2025-12-31",
          completion="2027-03-31", enrollment=309, sites=(("US", "EU", "ASIA"), 35), last_update="2026-03-30",
          what="177Lu-Edotreotide (ITM-11) Compared to Everolimus",
          arms=[arm("177Lu-edotreotide", "EXPERIMENTAL", "Up to 4 cycles of 7.5 GBq 177Lu-edotreotide every 3 "
                    "months.", "lu_edotreotide"),
                arm("Everolimus", "ACTIVE_COMPARATOR", "Everolimus 10 mg orally once daily for 30 months or until "
                    "progression.", "everolimus")],
          inclusion=[SSTR_PET, "Progressive disease per RECIST 1.1"], exclusion=["Prior PRRT", "Prior mTOR inhibitor"]),
    # day 3: one site removed
    trial("NCT05420389", "First-line 177Lu-Edotreotide Versus Best Standard of Care in G2/G3 GEP-NETs",
          sponsor=S.ITM, phases=("PHASE3",), status="RECRUITING", subtype="gep", grade="G2G3", design="open",
          acronym="EDOT-FIRST",
          start="2022-09-29", primary="2027-12", completion="2029-12", enrollment=202, sites=(("US", "EU"), 30),
          last_update="2026-10-27",
          arms=[arm("177Lu-edotreotide", "EXPERIMENTAL", "7.5 GBq every 6 weeks for 4 cycles.", "lu_edotreotide"),
                arm("Best standard of care", "ACTIVE_COMPARATOR", "CAPTEM, everolimus or FOLFOX per investigator.",
                    "capecitabine", "temozolomide", "everolimus", "fluorouracil", "leucovorin", "oxaliplatin")],
          inclusion=[SSTR_PET, "No prior systemic therapy for advanced disease other than SSA"]),
    # day 2: lead sponsor changes (company acquired)
    trial("NCT05386917", "RYZ101 (225Ac-DOTATATE) Versus Standard of Care in SSTR+ GEP-NETs After 177Lu PRRT",
          sponsor=S.RAYZEBIO, phases=("PHASE1", "PHASE2"), status="RECRUITING", subtype="gep", design="open",
          start="2022-07-11", primary="2027-06", completion="2028-06", enrollment=288, sites=(("US", "EU"), 15),
          last_update="2026-07-22", what="RYZ101 (225Ac-DOTATATE)",
          arms=[arm("RYZ101", "EXPERIMENTAL", "RYZ101 120 kBq/kg IV every 8 weeks for 4 doses.", "ac_dotatate"),
                arm("Standard of care", "ACTIVE_COMPARATOR", "Everolimus, sunitinib or high-dose octreotide.",
                    "everolimus", "sunitinib", "octreotide_lar")],
          inclusion=[SSTR_PET, "Progression after prior 177Lu-labelled somatostatin analogue therapy"]),
    trial("NCT05049356", "212Pb-DOTAMTATE in PRRT-naive SSTR-positive Neuroendocrine Tumors", sponsor=S.ORANO,
          phases=("PHASE2",), status="ACTIVE_NOT_RECRUITING", subtype="any", start="2022-01-18", primary="2026-02-27",
          completion="2027-08", enrollment=36, sites=["ucla", "mdacc", "iowa", "ochsner", "utsw"],
          what="Targeted Alpha Therapy With 212Pb-DOTAMTATE",
          arms=[arm("212Pb-DOTAMTATE", "EXPERIMENTAL", "2.50 MBq/kg IV every 8 weeks for 4 cycles.", "pb_dotamtate")],
          inclusion=[SSTR_PET], exclusion=["Prior PRRT"]),
    trial("NCT03762394", "Dosimetry-based Personalised 177Lu-DOTATATE in Neuroendocrine Tumours",
          sponsor=S.CHU_QUEBEC, phases=("PHASE2",), status="RECRUITING", subtype="any", start="2019-02-04",
          primary="2027-02", completion="2028-02", enrollment=150, sites=["chu_quebec", "chum", "pmcc"],
          arms=[arm("Personalised PRRT", "EXPERIMENTAL", "177Lu-DOTATATE with activity adjusted to a 23 Gy renal "
                    "absorbed dose.", "lu_dotatate")],
          drug_descriptions={"lu_dotatate": "Activity individualised by renal dosimetry, 4 cycles."},
          inclusion=[SSTR_PET]),
    trial("NCT03418441", "177Lu-DOTATATE Plus Capecitabine Versus 177Lu-DOTATATE Alone in Midgut NETs",
          sponsor=S.AGITG, phases=("PHASE2",), status="COMPLETED", subtype="midgut", design="open",
          start="2017-11-27", primary="2022-05-31", completion="2023-05-31", enrollment=47,
          sites=["peter_mac", "rnsh"], collaborators=[S.PATIENT_FOUNDATION],
          arms=[arm("Lu-PRRT + capecitabine", "EXPERIMENTAL", "177Lu-DOTATATE 7.8 GBq with capecitabine 1650 mg/m2 "
                    "days 1-14.", "lu_dotatate", "capecitabine"),
                arm("Lu-PRRT", "ACTIVE_COMPARATOR", "177Lu-DOTATATE 7.8 GBq every 8 weeks.", "lu_dotatate")],
          drug_descriptions={"lu_dotatate": "7.8 GBq IV every 8 weeks for 4 cycles."}),
    # day 2: locations re-ordered (not a change event)
    trial("NCT04837261", "177Lu-DOTATATE Versus High-Dose Octreotide LAR First-line in G2/G3 GEP-NETs",
          sponsor=S.AAA, phases=("PHASE3",), status="ACTIVE_NOT_RECRUITING", subtype="gep", grade="G2G3",
          design="open", start="2020-01-29", primary="2025-08-15", completion="2028-06", enrollment=226,
          sites=(("US", "EU", "ASIA"), 45), collaborators=[S.NOVARTIS], acronym="LUMEN-1",
          references=[NETTER_1],
          arms=[arm("177Lu-DOTATATE + octreotide LAR 30 mg", "EXPERIMENTAL", "4 cycles of 7.4 GBq every 8 weeks plus "
                    "octreotide LAR 30 mg.", "lu_dotatate", "octreotide_lar"),
                arm("High-dose octreotide LAR", "ACTIVE_COMPARATOR", "Octreotide LAR 60 mg every 28 days.",
                    "octreotide_lar")],
          drug_descriptions={"lu_dotatate": "7.4 GBq IV every 8 weeks for 4 cycles."}),
    # day 3: RECRUITING -> TERMINATED (its site carries no status)
    trial("NCT06602715", "Hepatic Intra-arterial 177Lu-DOTATATE for Liver-dominant NET Metastases",
          sponsor=S.IOWA, phases=("PHASE1",), status="RECRUITING", subtype="liver", site_status="none",
          start="2025-02-03", primary="2027-06", completion="2028-06", enrollment=24, sites=["iowa"],
          last_update="2026-04-15",
          arms=[arm("Intra-arterial PRRT", "EXPERIMENTAL", "177Lu-DOTATATE infused into the hepatic artery, dose "
                    "escalation 5.55-7.4 GBq.", "lu_dotatate")],
          drug_descriptions={"lu_dotatate": "Given intra-arterially"}, inclusion=[SSTR_PET]),
]

CHEMOTHERAPY_TRIALS = [
    trial("NCT03089307", "Temozolomide With or Without Capecitabine in Advanced Pancreatic Neuroendocrine Tumors",
          sponsor=S.ECOG_ACRIN, phases=("PHASE2",), status="ACTIVE_NOT_RECRUITING", subtype="pnet", design="open",
          start="2013-04-29", primary="2018-03-31", completion="2027-03-31", enrollment=144, sites=(("US",), 30),
          collaborators=[S.NCI],
          arms=[arm("Arm A (temozolomide)", "ACTIVE_COMPARATOR", "Temozolomide PO QD on days 1-5.", "temozolomide"),
                arm("Arm B (capecitabine, temozolomide)", "EXPERIMENTAL", "Capecitabine PO BID on days 1-14 and "
                    "temozolomide PO QD on days 10-14.", "capecitabine", "temozolomide")]),
    # day 2: inclusion Ki-67 threshold widened from 20% to 55%
    trial("NCT05239572", "Capecitabine-Temozolomide Versus 177Lu-DOTATATE in Progressive Pancreatic NETs",
          sponsor=S.INT_MILANO, phases=("PHASE2",), status="RECRUITING", subtype="pnet", design="open",
          start="2022-05-16", primary="2027-05", completion="2028-05", enrollment=70,
          sites=["int_milano", "ieo", "bologna", "gemelli"], last_update="2026-05-20",
          arms=[arm("CAPTEM", "ACTIVE_COMPARATOR", "Capecitabine 750 mg/m2 BID days 1-14 and temozolomide 200 mg/m2 "
                    "days 10-14 every 28 days.", "capecitabine", "temozolomide"),
                arm("PRRT", "EXPERIMENTAL", "177Lu-DOTATATE 7.4 GBq every 8 weeks for 4 cycles.", "lu_dotatate")],
          inclusion=[SSTR_PET]),
    trial("NCT04325425", "FOLFIRINOX Versus Platinum-Etoposide in Advanced Neuroendocrine Carcinoma",
          sponsor=S.HOSPICES_LYON, phases=("PHASE2",), status="RECRUITING", subtype="nec", grade="NEC", design="open",
          acronym="NEC-FIRST",
          start="2020-09-14", primary="2026-12", completion="2027-12", enrollment=218,
          sites=["hcl", "clb", "gustave", "beaujon", "ipc", "iuct", "bergonie", "chu_lille"],
          arms=[arm("mFOLFIRINOX", "EXPERIMENTAL", "Oxaliplatin, irinotecan, leucovorin and 5-FU every 14 days.",
                    "oxaliplatin", "irinotecan", "leucovorin", "fluorouracil"),
                arm("Platinum-etoposide", "ACTIVE_COMPARATOR", "Cisplatin or carboplatin with etoposide every 21 days.",
                    "cisplatin", "carboplatin", "etoposide")],
          inclusion=["No prior systemic chemotherapy for advanced disease"]),
    trial("NCT03917628", "Second-line Temozolomide Versus FOLFIRI in Metastatic Neuroendocrine Carcinoma",
          sponsor=S.OSLO, phases=("PHASE2",), status="COMPLETED", subtype="nec", grade="NEC", design="open",
          start="2019-05-06", primary="2023-10-31", completion="2024-10-31", enrollment=92,
          sites=["oslo", "uppsala", "rigshospitalet"], collaborators=[S.NORDIC_GROUP],
          arms=[arm("Temozolomide", "EXPERIMENTAL", "Temozolomide with or without capecitabine.", "temozolomide",
                    "capecitabine"),
                arm("FOLFIRI", "ACTIVE_COMPARATOR", "Irinotecan, leucovorin and 5-FU every 14 days.", "irinotecan",
                    "leucovorin", "fluorouracil")],
          inclusion=["Progression on first-line platinum-etoposide"]),
    trial("NCT03568864", "FOLFOX Plus Bevacizumab in Advanced Pancreatic Neuroendocrine Tumors",
          sponsor=S.COLORADO, phases=("PHASE2",), status="TERMINATED", why_stopped="Slow accrual",
          subtype="pnet", start="2018-08-01", primary="2021-01-15", completion="2021-01-15", enrollment=9,
          sites=["ucolorado"],
          arms=[arm("FOLFOX + bevacizumab", "EXPERIMENTAL", "mFOLFOX6 with bevacizumab 5 mg/kg every 14 days.",
                    "oxaliplatin", "leucovorin", "fluorouracil", "bevacizumab")]),
    trial("NCT02114047", "Adjuvant Streptozocin Plus 5-FU After Resection of High-risk Pancreatic NETs",
          sponsor=S.MARBURG, phases=("PHASE2",), status="UNKNOWN", last_known_status="RECRUITING", subtype="pnet",
          measurable=False,
          design="open", start="2014-05", primary="2020", completion="2022", enrollment=120,
          sites=["marburg", "charite", "lmu", "heidelberg"], site_status="none", last_update="2019-03-14",
          verified="2019-03",
          arms=[arm("STZ-5FU", "EXPERIMENTAL", "Streptozocin plus 5-FU for 6 cycles after R0/R1 resection.",
                    "streptozocin", "fluorouracil"),
                arm("Observation", "NO_INTERVENTION", "Follow-up imaging every 6 months.")],
          inclusion=["R0 or R1 resection of a G2 pancreatic NET with lymph node metastases within 12 weeks"]),
]
