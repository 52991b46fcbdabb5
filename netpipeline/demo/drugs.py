"""Interventions of the demo universe: names, code names and MeSH placement as the API shows them.

`other_names` carries brand, code and alternative names (XL092, AMG 757, IMMU-132, Lutathera …)
because those are what the NET drug classifier has to recognise. Drugs too new for MeSH have no
`mesh`, as on ClinicalTrials.gov.
"""
from __future__ import annotations

from typing import NamedTuple


class Drug(NamedTuple):
    type: str  # InterventionType enum
    name: str
    description: str
    other_names: tuple[str, ...] = ()
    mesh: tuple[str, ...] = ()
    ancestors: tuple[str, ...] = ()
    branches: tuple[str, ...] = ()


TYPE_LABELS = {
    "DRUG": "Drug", "BIOLOGICAL": "Biological", "RADIATION": "Radiation", "PROCEDURE": "Procedure",
    "OTHER": "Other", "DIAGNOSTIC_TEST": "Diagnostic Test", "BEHAVIORAL": "Behavioral", "DEVICE": "Device",
    "DIETARY_SUPPLEMENT": "Dietary Supplement", "GENETIC": "Genetic", "COMBINATION_PRODUCT": "Combination Product",
}

_KINASE = ("Antineoplastic Agents", "Protein Kinase Inhibitors", "Enzyme Inhibitors")
_VEGF_TKI = ("Angiogenesis Inhibitors", *_KINASE, "Tyrosine Kinase Inhibitors")
_CHECKPOINT = ("Antineoplastic Agents, Immunological", "Antineoplastic Agents", "Immune Checkpoint Inhibitors")
_SSA = ("Antineoplastic Agents, Hormonal", "Antineoplastic Agents", "Gastrointestinal Agents", "Hormones")
_ALKYLATING = ("Antineoplastic Agents, Alkylating", "Alkylating Agents", "Antineoplastic Agents")
_ANTIMETABOLITE = ("Antimetabolites, Antineoplastic", "Antimetabolites", "Antineoplastic Agents")
_PLATINUM = ("Antineoplastic Agents",)
_TOPOISOMERASE = ("Topoisomerase Inhibitors", "Enzyme Inhibitors", "Antineoplastic Agents")

DRUGS: dict[str, Drug] = {
    "zanzalintinib": Drug("DRUG", "Zanzalintinib", "Tablets taken orally once daily.", ("XL092",)),
    "everolimus": Drug("DRUG", "Everolimus", "Tablets taken orally once daily.",
                       ("Afinitor", "RAD001", "SDZ RAD"), ("Everolimus",),
                       ("Antineoplastic Agents", "Immunosuppressive Agents", "Immunologic Factors", *_KINASE[1:]),
                       ("ANeo",)),
    "alxn2420": Drug("DRUG", "ALXN2420", "Oral complement factor D inhibitor, administered twice daily.",
                     ("ALXN-2420",)),
    "ssa": Drug("DRUG", "Somatostatin analogue", "Octreotide LAR or lanreotide at the dose the participant "
                "received before study entry.", ("Octreotide LAR", "Lanreotide", "Sandostatin LAR", "Somatuline Depot"),
                ("Octreotide", "lanreotide"), _SSA, ("ANeo", "Gast")),
    "octreotide_lar": Drug("DRUG", "Octreotide LAR", "Octreotide long-acting release 30 mg intramuscularly every "
                           "28 days.", ("Sandostatin LAR Depot", "SMS 201-995", "octreotide acetate"),
                           ("Octreotide",), _SSA, ("ANeo", "Gast")),
    "octreotide": Drug("DRUG", "Octreotide Acetate", "Given IM or SC", ("Sandostatin", "SMS 201-995"),
                       ("Octreotide",), _SSA, ("ANeo", "Gast")),
    "lanreotide": Drug("DRUG", "Lanreotide", "Lanreotide autogel 120 mg deep subcutaneous injection.",
                       ("Somatuline Autogel", "Somatuline Depot", "lanreotide acetate"), ("lanreotide",), _SSA,
                       ("ANeo", "Gast")),
    "paltusotine": Drug("DRUG", "Paltusotine", "Oral nonpeptide somatostatin receptor type 2 agonist, once daily.",
                        ("CRN00808",)),
    "placebo": Drug("DRUG", "Placebo", "Matching placebo."),
    "tarlatamab": Drug("BIOLOGICAL", "Tarlatamab", "Given IV", ("AMG 757", "AMG-757", "Imdelltra")),
    "lu_dotatate": Drug("DRUG", "Lutetium Lu 177 Dotatate", "Given IV",
                        ("177Lu-DOTATATE", "177Lu-DOTA0-Tyr3-Octreotate", "Lutathera", "Lutetium Lu-177 DOTA-TATE"),
                        ("lutetium Lu 177 dotatate", "Octreotide"), ("Radiopharmaceuticals", *_SSA), ("ANeo", "Gast")),
    "lu_edotreotide": Drug("DRUG", "177Lu-edotreotide", "Peptide receptor radionuclide therapy, 7.5 GBq IV every "
                           "6 weeks for up to 4 cycles.", ("ITM-11", "n.c.a. 177Lu-DOTATOC", "177Lu-DOTATOC")),
    "ac_dotatate": Drug("DRUG", "RYZ101", "Actinium-225 labelled DOTATATE, given IV every 8 weeks.",
                        ("225Ac-DOTATATE", "Actinium-225 DOTATATE", "BMS-986449")),
    "pb_dotamtate": Drug("DRUG", "212Pb-DOTAMTATE", "Targeted alpha therapy, 2.50 MBq/kg IV every 8 weeks for "
                         "4 cycles.", ("AlphaMedix", "Pb-212 DOTAMTATE")),
    "lenvatinib": Drug("DRUG", "Lenvatinib", "Given PO", ("E7080", "Lenvima", "lenvatinib mesylate"),
                       ("lenvatinib",), _VEGF_TKI, ("ANeo",)),
    "pembrolizumab": Drug("BIOLOGICAL", "Pembrolizumab", "Given IV", ("MK-3475", "Keytruda", "SCH 900475"),
                          ("Pembrolizumab",), _CHECKPOINT, ("ANeo",)),
    "sacituzumab": Drug("BIOLOGICAL", "Sacituzumab Govitecan", "Given IV",
                        ("IMMU-132", "Trodelvy", "hRS7-SN-38 antibody drug conjugate", "sacituzumab govitecan-hziy"),
                        ("sacituzumab govitecan",),
                        ("Immunoconjugates", "Antineoplastic Agents, Immunological", "Antineoplastic Agents",
                         "Topoisomerase I Inhibitors", "Topoisomerase Inhibitors", "Enzyme Inhibitors"), ("ANeo",)),
    "atezolizumab": Drug("BIOLOGICAL", "Atezolizumab", "Given IV", ("MPDL3280A", "Tecentriq", "RG7446"),
                         ("atezolizumab",), _CHECKPOINT, ("ANeo",)),
    "interferon": Drug("BIOLOGICAL", "Recombinant Interferon Alfa-2b", "Given SC",
                       ("Intron A", "interferon alfa-2b", "IFN alpha-2b"), ("Interferon alpha-2", "Interferon-alpha"),
                       ("Antiviral Agents", "Immunologic Factors", "Antineoplastic Agents"), ("ANeo", "Infe")),
    "bevacizumab": Drug("BIOLOGICAL", "Bevacizumab", "Given IV",
                        ("Avastin", "anti-VEGF monoclonal antibody", "rhuMAb VEGF"),
                        ("Bevacizumab",), ("Angiogenesis Inhibitors", *_CHECKPOINT[:2]), ("ANeo",)),
    "sunitinib": Drug("DRUG", "Sunitinib Malate", "Given PO", ("Sutent", "SU11248", "sunitinib"), ("Sunitinib",),
                      _VEGF_TKI, ("ANeo",)),
    "cabozantinib": Drug("DRUG", "Cabozantinib S-malate", "Given PO",
                         ("Cabometyx", "XL184", "Cometriq", "cabozantinib"),
                         ("cabozantinib",), _VEGF_TKI, ("ANeo",)),
    "surufatinib": Drug("DRUG", "Surufatinib", "300 mg orally once daily in continuous 28-day cycles.",
                        ("HMPL-012", "sulfatinib")),
    "toripalimab": Drug("BIOLOGICAL", "Toripalimab", "240 mg IV every 3 weeks.", ("JS001", "Loqtorzi")),
    "capecitabine": Drug("DRUG", "Capecitabine", "Given PO", ("Xeloda", "Ro 09-1978"), ("Capecitabine",),
                         _ANTIMETABOLITE, ("ANeo",)),
    "temozolomide": Drug("DRUG", "Temozolomide", "Given PO", ("Temodar", "Temodal", "SCH 52365"), ("Temozolomide",),
                         _ALKYLATING, ("ANeo",)),
    "cisplatin": Drug("DRUG", "Cisplatin", "Given IV", ("CDDP", "Platinol"), ("Cisplatin",), _PLATINUM, ("ANeo",)),
    "carboplatin": Drug("DRUG", "Carboplatin", "Given IV", ("Paraplatin", "CBDCA"), ("Carboplatin",), _PLATINUM,
                        ("ANeo",)),
    "etoposide": Drug("DRUG", "Etoposide", "Given IV", ("VP-16", "Vepesid", "Toposar"), ("Etoposide",),
                      ("Topoisomerase II Inhibitors", *_TOPOISOMERASE),
                      ("ANeo",)),
    "fluorouracil": Drug("DRUG", "Fluorouracil", "Given IV", ("5-FU", "5-fluorouracil", "Adrucil"), ("Fluorouracil",),
                         _ANTIMETABOLITE, ("ANeo",)),
    "leucovorin": Drug("DRUG", "Leucovorin Calcium", "Given IV", ("folinic acid", "Wellcovorin"), ("Leucovorin",),
                       ("Vitamin B Complex",), ("Vi",)),
    "oxaliplatin": Drug("DRUG", "Oxaliplatin", "Given IV", ("Eloxatin", "L-OHP"), ("Oxaliplatin",), _PLATINUM,
                        ("ANeo",)),
    "irinotecan": Drug("DRUG", "Irinotecan Hydrochloride", "Given IV", ("Camptosar", "CPT-11"), ("Irinotecan",),
                       ("Topoisomerase I Inhibitors", *_TOPOISOMERASE),
                       ("ANeo",)),
    "streptozocin": Drug("DRUG", "Streptozocin", "500 mg/m2 IV on days 1-5 of a 6-week cycle.", ("Zanosar", "STZ"),
                         ("Streptozocin",), _ALKYLATING, ("ANeo",)),
    "nivolumab": Drug("BIOLOGICAL", "Nivolumab", "Given IV", ("Opdivo", "BMS-936558", "ONO-4538"), ("Nivolumab",),
                      _CHECKPOINT, ("ANeo",)),
    "ipilimumab": Drug("BIOLOGICAL", "Ipilimumab", "Given IV", ("Yervoy", "MDX-010", "BMS-734016"), ("Ipilimumab",),
                       _CHECKPOINT, ("ANeo",)),
    "durvalumab": Drug("BIOLOGICAL", "Durvalumab", "1500 mg IV every 4 weeks.", ("MEDI4736", "Imfinzi"),
                       ("durvalumab",), _CHECKPOINT, ("ANeo",)),
    "tremelimumab": Drug("BIOLOGICAL", "Tremelimumab", "75 mg IV every 4 weeks for 4 doses.", ("CP-675,206", "Imjudo")),
    "relatlimab": Drug("BIOLOGICAL", "Nivolumab and relatlimab-rmbw", "Fixed-dose combination given IV every 4 weeks.",
                       ("Opdualag", "BMS-986213")),
    "obrixtamig": Drug("BIOLOGICAL", "Obrixtamig", "DLL3/CD3 T-cell engager given as an IV infusion.",
                       ("BI 764532", "BI-764532")),
    "ezabenlimab": Drug("BIOLOGICAL", "Ezabenlimab", "Anti-PD-1 antibody given IV every 3 weeks.", ("BI 754091",)),
    "telotristat": Drug("DRUG", "Telotristat ethyl", "250 mg or 500 mg orally three times daily.",
                        ("LX1606", "Xermelo", "telotristat etiprate")),
    "belzutifan": Drug("DRUG", "Belzutifan", "120 mg orally once daily.", ("MK-6482", "Welireg", "PT2977")),
    "netazepide": Drug("DRUG", "Netazepide", "25 mg orally once daily.", ("YF476",)),
    "futibatinib": Drug("DRUG", "Futibatinib", "20 mg orally once daily.", ("TAS-120", "Lytgobi")),
    "nx4417": Drug("DRUG", "NX-4417", "Investigational agent, oral capsules once daily in 21-day cycles."),
    "ga_dotatate_pet": Drug("DIAGNOSTIC_TEST", "68Ga-DOTATATE PET/CT", "Somatostatin receptor PET/CT.",
                            ("Netspot", "gallium Ga 68 dotatate PET")),
    "cu_dotatate_pet": Drug("DRUG", "Copper Cu 64 Dotatate", "Single IV injection of 200 MBq followed by PET/CT.",
                            ("64Cu-DOTATATE", "Detectnet")),
    "fdg_pet": Drug("DIAGNOSTIC_TEST", "18F-FDG PET/CT", "Fluorodeoxyglucose PET/CT performed within 4 weeks of the "
                    "SSTR PET.", ("FDG PET", "fludeoxyglucose F-18 PET")),
    "netest": Drug("DIAGNOSTIC_TEST", "NETest", "Blood-based multianalyte neuroendocrine gene transcript assay.",
                   ("NET gene transcript analysis",)),
    "gene_classifier": Drug("DIAGNOSTIC_TEST", "92-gene molecular classifier", "Tumour tissue tested with a gene "
                            "expression classifier to predict the site of origin.", ("CancerTYPE ID",)),
    "resection": Drug("PROCEDURE", "Primary tumour resection", "Surgical resection of the primary small intestinal "
                      "tumour and regional lymph nodes."),
    "esd": Drug("PROCEDURE", "Endoscopic submucosal dissection", "En bloc endoscopic resection of the rectal tumour.",
                ("ESD",)),
    "emr": Drug("PROCEDURE", "Modified endoscopic mucosal resection", "Cap-assisted or band ligation EMR.",
                ("EMR-C", "EMR-L")),
    "tace": Drug("PROCEDURE", "Transarterial chemoembolization", "Hepatic arterial infusion of doxorubicin emulsion "
                 "followed by embolisation.", ("TACE",)),
    "tae": Drug("PROCEDURE", "Bland transarterial embolization", "Hepatic arterial embolisation with particles "
                "alone.", ("TAE",)),
    "ketogenic_diet": Drug("BEHAVIORAL", "Ketogenic diet", "Dietitian-supervised ketogenic diet for 12 weeks."),
    "observation": Drug("OTHER", "Observation", "Clinical follow-up with imaging every 12 weeks."),
    "best_supportive_care": Drug("OTHER", "Best Supportive Care", "Best supportive care as judged by the investigator.",
                                 ("BSC",)),
    "no_intervention": Drug("OTHER", "No intervention", "Standard care as decided by the treating physician; data "
                            "collected from medical records."),
    "qol": Drug("OTHER", "Quality-of-Life Assessment", "Ancillary studies", ("Quality of Life Assessment",)),
    "biospecimen": Drug("PROCEDURE", "Biospecimen Collection", "Undergo collection of blood samples",
                        ("Biological Sample Collection", "Specimen Collection")),
    "ct_scan": Drug("PROCEDURE", "Computed Tomography", "Undergo CT", ("CAT scan", "CT", "tomography")),
    "mri": Drug("PROCEDURE", "Magnetic Resonance Imaging", "Undergo MRI", ("MRI", "Magnetic Resonance")),
    "pet": Drug("PROCEDURE", "Positron Emission Tomography", "Undergo 68Ga-DOTATATE or 64Cu-DOTATATE PET",
                ("PET", "PET Scan")),
}


def intervention_label(drug_key: str) -> str:
    """The `interventionNames` form of an intervention, e.g. "Drug: Everolimus"."""
    drug = DRUGS[drug_key]
    return f"{TYPE_LABELS[drug.type]}: {drug.name}"
