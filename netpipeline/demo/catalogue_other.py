"""Catalogue rows, part 4: registries and cohorts, procedures, imaging, the non-NET neighbours a NET
query still returns, the basket trial that leaves scope, an expanded-access programme, and the two
trials first posted during the demo days. NCT ids are fictitious.
"""
from __future__ import annotations

from typing import Any

from netpipeline.demo import sponsors as S
from netpipeline.demo.criteria import GE, LE, SSTR_PET
from netpipeline.demo.trial_builder import arm, trial

OBSERVATIONAL_TRIALS = [
    trial("NCT02705690", "Prospective Registry of Patients With Neuroendocrine Tumors", sponsor=S.OCHSNER,
          phases=None, status="RECRUITING", subtype="any", design="cohort", grade=None, start="2016-03-01",
          primary="2031-03", completion="2031-03", enrollment=5000, sites=["ochsner"], what="Long-term Outcomes",
          acronym="NETREG",
          patient_registry=True, target_duration="10 Years",
          arms=[arm("NET patients", None, "Adults with a neuroendocrine tumour of any site treated at the centre.")],
          drugs=["no_intervention"]),
    trial("NCT04166123", "German Registry of Neuroendocrine Neoplasms", sponsor=S.CHARITE, phases=None,
          status="RECRUITING", subtype="any", design="cohort", grade=None, start="2019-11-15", primary="2029-12",
          completion="2030-12", enrollment=8000, what="Treatment Patterns and Outcomes",
          sites=["charite", "bad_berka", "essen", "lmu", "uke", "heidelberg", "marburg"], patient_registry=True,
          target_duration="5 Years", arms=[], drugs=["no_intervention"]),
    trial("NCT03360734", "NETest Blood Test for Monitoring Gastroenteropancreatic NETs", sponsor=S.ROYAL_FREE,
          phases=None, status="COMPLETED", subtype="gep", design="cohort", grade=None, start="2017-09-04",
          primary="2020-08-31", completion="2021-02-28", enrollment=260, sites=["royal_free", "christie"],
          what="the NETest Multianalyte Blood Test",
          arms=[arm("GEP-NET cohort", None, "Patients with GEP-NET under surveillance or treatment.", "netest")],
          primary_outcomes=[("Accuracy of NETest for disease progression", "Up to 24 months")]),
    trial("NCT05318352", "Real-world Outcomes of 177Lu-DOTATATE in Japanese Patients With GEP-NETs",
          sponsor=S.PDRADIOPHARMA, phases=None, status="ACTIVE_NOT_RECRUITING", subtype="gep", design="cohort",
          grade=None, start="2021-12-01", primary="2026-06-30", completion="2027-06-30", enrollment=150,
          sites=["ncc_east", "ncc_tokyo"], what="177Lu-DOTATATE in Routine Practice",
          arms=[arm("177Lu-DOTATATE treated patients", None, "Patients prescribed 177Lu-DOTATATE.", "lu_dotatate")]),
    # day 3: NOT_YET_RECRUITING -> WITHDRAWN (no participants, enrolment 0 ACTUAL)
    trial("NCT06655018", "Quality of Life in Patients With Carcinoid Heart Disease", sponsor=S.MAYO, phases=None,
          status="NOT_YET_RECRUITING", subtype="heart", design="cohort", grade=None, start="2027-01-15",
          primary="2029-01", completion="2029-06", enrollment=120, last_update="2026-10-14",
          first_submitted="2026-09-30", what="Patient-reported Quality of Life",
          arms=[arm("Carcinoid heart disease", None, "Adults with echocardiographic carcinoid heart disease.", "qol")]),
    trial("NCT04925843", "Right Hemicolectomy Versus Appendectomy for Appendiceal NETs of 1-2 cm", sponsor=S.ERASMUS,
          phases=None, status="RECRUITING", subtype="appendix", design="retrospective", grade=None,
          start="2021-07-01", primary="2027-07", completion="2028-07", enrollment=600, sites=(("EU",), 8),
          what="Completion Right Hemicolectomy Versus Appendectomy Alone",
          arms=[arm("Appendectomy only", None, "Patients treated with appendectomy alone."),
                arm("Right hemicolectomy", None, "Patients who underwent completion right hemicolectomy.")],
          drugs=["no_intervention"], inclusion=["Appendiceal NET 1-2 cm diagnosed after appendectomy"]),
    trial("NCT03911297", "Outcomes of Veterans With Neuroendocrine Tumors", sponsor=S.VA, phases=None,
          status="ACTIVE_NOT_RECRUITING", subtype="any", design="retrospective", grade=None, start="2019-04-01",
          primary="2026-09-30", completion="2027-09-30", enrollment=4200, what="Treatment and Survival",
          arms=[], drugs=["no_intervention"]),
]

PROCEDURE_AND_IMAGING_TRIALS = [
    trial("NCT04481269", "Endoscopic Submucosal Dissection Versus Modified EMR for Small Rectal NETs",
          sponsor=S.SAMSUNG, phases=("NA",), status="RECRUITING", subtype="rectal", design="open", grade=None,
          measurable=False,
          start="2020-11-02", primary="2026-12", completion="2027-06", enrollment=220,
          sites=["samsung", "asan", "snuh"],
          arms=[arm("ESD", "EXPERIMENTAL", "Endoscopic submucosal dissection.", "esd"),
                arm("mEMR", "ACTIVE_COMPARATOR", "Modified endoscopic mucosal resection.", "emr")],
          inclusion=[f"Rectal NET {LE} 10 mm without lymphovascular invasion on endoscopic ultrasound"],
          primary_outcomes=[("Histologically complete resection rate", "4 weeks")]),
    trial("NCT02984176", "64Cu-DOTATATE PET Versus 68Ga-DOTATOC PET in Neuroendocrine Tumours",
          sponsor=S.RIGSHOSPITALET, phases=("PHASE2",), status="COMPLETED", subtype="any", design="diagnostic",
          grade=None, start="2016-11-01", primary="2018-09-30", completion="2018-12-31", enrollment=59,
          sites=["rigshospitalet"], arms=[arm("Dual PET", "EXPERIMENTAL", "Each patient has both PET scans within "
                                              "14 days.", "cu_dotatate_pet", "ga_dotatate_pet")],
          primary_outcomes=[("Number of lesions detected by each tracer", "14 days")]),
    trial("NCT05578846", "Dual FDG and 68Ga-DOTATATE PET to Guide Treatment of Neuroendocrine Tumours",
          sponsor=S.PETER_MAC, phases=("NA",), status="RECRUITING", subtype="any", design="diagnostic", grade=None,
          start="2022-11-21", primary="2027-11", completion="2028-11", enrollment=200, sites=["peter_mac", "rnsh"],
          arms=[arm("Dual-tracer PET", "EXPERIMENTAL", "FDG and SSTR PET at baseline.", "fdg_pet", "ga_dotatate_pet")],
          primary_outcomes=[("Change in management after dual-tracer PET", "3 months")]),
    trial("NCT06374927", "64Cu-DOTATATE PET in Children and Young Adults With Neuroendocrine Tumours",
          sponsor=S.IOWA, phases=("EARLY_PHASE1",), status="RECRUITING", subtype="any", design="diagnostic",
          grade=None, start="2024-08-05", primary="2026-12", completion="2027-06", enrollment=30, sites=["iowa"],
          min_age="6 Years", max_age="30 Years",
          arms=[arm("64Cu-DOTATATE PET", "EXPERIMENTAL", "Single 64Cu-DOTATATE PET/CT.", "cu_dotatate_pet")]),
    trial("NCT02643706", "Primary Tumour Resection in Asymptomatic Small Intestinal NETs With Unresectable Liver "
          "Metastases", sponsor=S.APHP, phases=("NA",), status="SUSPENDED", measurable=False,
          why_stopped="Temporary halt pending "
          "protocol amendment", subtype="midgut", design="open", start="2016-05-10", primary="2027-05",
          completion="2029-05", enrollment=230, sites=["beaujon", "hegp", "hcl", "ipc"], site_status="none",
          arms=[arm("Primary tumour resection", "EXPERIMENTAL", "Resection followed by SSA.", "resection",
                    "lanreotide"),
                arm("No resection", "ACTIVE_COMPARATOR", "SSA alone.", "lanreotide")],
          primary_outcomes=[("Overall survival", "Up to 5 years")]),
    trial("NCT03783637", "Chemoembolization Versus Bland Embolization for Neuroendocrine Liver Metastases",
          sponsor=S.PENN, phases=("PHASE2",), status="TERMINATED", why_stopped="Slow accrual", subtype="liver",
          design="open", start="2019-01-14", primary="2023-03-31", completion="2023-03-31", enrollment=37,
          sites=["penn", "ochsner", "mayo_mn"],
          arms=[arm("TACE", "EXPERIMENTAL", "Transarterial chemoembolization.", "tace"),
                arm("TAE", "ACTIVE_COMPARATOR", "Bland embolization.", "tae")]),
    trial("NCT05964283", "Ketogenic Diet in Patients With Well-differentiated Neuroendocrine Tumours",
          sponsor=S.INDIVIDUAL, phases=("NA",), status="RECRUITING", subtype="any", start="2023-09-01",
          measurable=False,
          primary="2026-12", completion="2027-03", enrollment=40, sites=["gemelli"],
          responsible={"type": "SPONSOR_INVESTIGATOR", "investigatorFullName": "Elena Marchetti",
                       "investigatorTitle": "Consultant Endocrinologist",
                       "investigatorAffiliation": "Fondazione Policlinico Universitario Agostino Gemelli IRCCS"},
          arms=[arm("Ketogenic diet", "EXPERIMENTAL", "Dietitian-supervised ketogenic diet.", "ketogenic_diet")],
          primary_outcomes=[("Adherence to the ketogenic diet", "12 weeks")]),
    trial("NCT04790032", "Molecular Classifier-guided Therapy for Neuroendocrine Tumours of Unknown Primary",
          sponsor=S.MSKCC, phases=("PHASE2",), status="RECRUITING", subtype="unknown_primary", start="2021-04-12",
          primary="2027-04", completion="2028-04", enrollment=50, sites=["mskcc"],
          arms=[arm("Classifier-directed therapy", "EXPERIMENTAL", "Site-of-origin prediction guides choice of "
                    "everolimus (lung/midgut) or CAPTEM (pancreas).", "gene_classifier", "everolimus",
                    "capecitabine", "temozolomide")]),
]

NEIGHBOUR_TRIALS = [
    # melanoma: MeSH files Melanoma under Neuroendocrine Tumors, so a MeSH-ancestor query returns it
    trial("NCT06112379", "Nivolumab and Relatlimab Versus Nivolumab in Previously Untreated Advanced Melanoma",
          sponsor=S.BMS, phases=("PHASE3",), status="RECRUITING", subtype="melanoma", grade=None, design="blind",
          start="2024-02-05", primary="2028-06", completion="2030-06", enrollment=700, sites=(("US", "EU", "ASIA"), 25),
          arms=[arm("Nivolumab + relatlimab", "EXPERIMENTAL", "Fixed-dose combination every 4 weeks.", "relatlimab"),
                arm("Nivolumab", "ACTIVE_COMPARATOR", "Nivolumab 480 mg every 4 weeks.", "nivolumab")],
          inclusion=["Previously untreated unresectable stage III or stage IV melanoma"]),
    # small-cell lung cancer: filed under Carcinoma, Neuroendocrine in MeSH
    trial("NCT06211036", "Tarlatamab Plus Durvalumab as First-line Maintenance in Extensive-stage Small Cell Lung "
          "Cancer", sponsor=S.AMGEN, phases=("PHASE3",), status="RECRUITING", subtype="sclc", grade=None,
          design="open", start="2024-05-20", primary="2028-01", completion="2029-12", enrollment=550,
          sites=(("US", "EU", "ASIA"), 30),
          arms=[arm("Tarlatamab + durvalumab", "EXPERIMENTAL", "Tarlatamab IV every 2 weeks plus durvalumab.",
                    "tarlatamab", "durvalumab"),
                arm("Durvalumab", "ACTIVE_COMPARATOR", "Durvalumab 1500 mg IV every 4 weeks.", "durvalumab")],
          drug_descriptions={"tarlatamab": "10 mg IV every 2 weeks after step-up dosing"},
          inclusion=["Extensive-stage SCLC without progression after 4-6 cycles of platinum-etoposide plus PD-L1 "
                     "inhibitor"]),
    # a drug no classifier knows: must end up "unclassified"
    trial("NCT06820417", "NX-4417 in Patients With Advanced Neuroendocrine Tumors", sponsor=S.NORTHWIND,
          phases=("PHASE1",), status="RECRUITING", subtype="any", grade="ANY", design="sequential",
          start="2025-10-20", primary="2027-10", completion="2028-04", enrollment=36,
          sites=["nyu", "mdacc", "huntsman"], last_update="2026-10-30",
          arms=[arm("NX-4417 dose escalation", "EXPERIMENTAL", "NX-4417 capsules once daily in 21-day cycles, "
                    "accelerated titration then 3+3.", "nx4417")]),
    # day 2: leaves the NET universe (NET cohort dropped, so the NET query no longer returns it)
    trial("NCT05519787", "Futibatinib in Advanced Solid Tumours With FGFR Alterations, Including Neuroendocrine "
          "Tumours", sponsor=S.TAIHO, phases=("PHASE2",), status="RECRUITING", subtype="basket", grade=None,
          start="2022-11-07", primary="2027-03", completion="2027-12", enrollment=160, sites=(("US", "ASIA"), 10),
          conditions=["Advanced Solid Tumor", "Neuroendocrine Tumors", "Biliary Tract Cancer", "FGFR Gene Alteration"],
          condition_mesh=["net", "biliary"], what="Futibatinib",
          arms=[arm("Futibatinib", "EXPERIMENTAL", "Futibatinib 20 mg orally once daily.", "futibatinib")],
          inclusion=["FGFR1-4 fusion, rearrangement or activating mutation by local or central testing"]),
]


def _expanded_access() -> dict[str, Any]:
    spec = trial("NCT04398615", "Expanded Access to 177Lu-Edotreotide for Patients With SSTR-positive NETs",
                 sponsor=S.ITM, phases=None, status="AVAILABLE", subtype="gep", grade=None, start="2020-06",
                 enrollment=0, arms=[], drugs=["lu_edotreotide"], inclusion=[SSTR_PET, "Not eligible for an ongoing "
                 "177Lu-edotreotide trial"], last_update="2025-12-02")
    for key in ("start", "primary_completion", "completion", "enrollment", "primary_outcomes", "secondary_outcomes",
                "design_info", "phases", "patient_registry", "study_population", "sampling_method"):
        spec.pop(key, None)
    spec.update(study_type="EXPANDED_ACCESS", expanded_access_types={"treatment": True},
                official_title="Expanded Access Programme of 177Lu-Edotreotide (ITM-11) in Patients With "
                               "Somatostatin Receptor-positive Neuroendocrine Tumours",
                summary="Provides 177Lu-edotreotide to patients with SSTR-positive NETs who cannot enrol in a "
                        "clinical trial.", central_contact="sponsor")
    return spec


EXPANDED_ACCESS = [_expanded_access()]

# first posted on day 2 and day 3
NEW_ON_DAY_2 = trial(
    "NCT07251136", "Cabozantinib Plus Lanreotide in Progressive Midgut Neuroendocrine Tumours",
    sponsor=S.GUSTAVE_ROUSSY, phases=("PHASE2",), status="NOT_YET_RECRUITING", subtype="midgut", start="2027-01",
    primary="2029-01", completion="2030-01", enrollment=84, sites=["gustave", "clb", "beaujon"],
    first_submitted="2026-11-10", first_posted="2026-11-19", last_update="2026-11-19", verified="2026-11",
    arms=[arm("Cabozantinib + lanreotide", "EXPERIMENTAL", "Cabozantinib 40 mg daily plus lanreotide 120 mg every 28 "
              "days.", "cabozantinib", "lanreotide")],
    inclusion=["Progression on lanreotide 120 mg every 28 days within 12 months"])

NEW_ON_DAY_3 = trial(
    "NCT07258310", "Tarlatamab Versus Investigator's Choice in Relapsed Extrapulmonary Neuroendocrine Carcinoma",
    sponsor=S.AMGEN, phases=("PHASE3",), status="NOT_YET_RECRUITING", subtype="nec", grade="NEC", design="open",
    start="2027-02", primary="2029-06", completion="2031-06", enrollment=300,
    sites=["mskcc", "mdacc", "charite", "ncc_east", "clb"],
    first_submitted="2026-11-06", first_posted="2026-11-20", last_update="2026-11-20", verified="2026-11",
    arms=[arm("Tarlatamab", "EXPERIMENTAL", "Tarlatamab 10 mg IV every 2 weeks after step-up dosing.", "tarlatamab"),
          arm("Investigator's choice", "ACTIVE_COMPARATOR", "FOLFIRI, CAPTEM or topotecan per investigator.",
              "irinotecan", "leucovorin", "fluorouracil", "capecitabine", "temozolomide")],
    drug_descriptions={"tarlatamab": "10 mg IV every 2 weeks after step-up dosing"},
    inclusion=[f"DLL3 expression in {GE} 1% of tumour cells", "Progression after platinum-based chemotherapy"])
