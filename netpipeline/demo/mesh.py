"""MeSH vocabulary of the demo universe and the `derivedSection` browse modules built from it.

Descriptor ids (D…) and browse-leaf ids (M…) follow real MeSH / ClinicalTrials.gov where they
are known; supplementary-concept ids (C…) of recent drugs and some leaf ids are illustrative.
The tree placement is real where it matters to the pipeline: Melanoma and Small Cell Lung
Carcinoma sit under Neuroendocrine Tumors, exactly the over-inclusion trap the scope must avoid.
"""
from __future__ import annotations

from typing import Any

# term -> (MeSH id, browse-leaf id or None when the API does not list it as a leaf)
TERMS: dict[str, tuple[str, str | None]] = {
    "Neoplasms": ("D009369", None),
    "Neoplasms by Site": ("D009371", None),
    "Neoplasms by Histologic Type": ("D009370", "M12315"),
    "Neoplasms, Glandular and Epithelial": ("D009375", "M12320"),
    "Neoplasms, Germ Cell and Embryonal": ("D009373", "M12318"),
    "Neoplasms, Nerve Tissue": ("D009380", "M12325"),
    "Neuroectodermal Tumors": ("D017599", "M19755"),
    "Neuroendocrine Tumors": ("D018358", "M20490"),
    "Carcinoid Tumor": ("D002276", "M5533"),
    "Malignant Carcinoid Syndrome": ("D008303", "M11288"),
    "Carcinoma, Neuroendocrine": ("D018278", "M20415"),
    "Carcinoma, Small Cell": ("D018288", "M20425"),
    "Small Cell Lung Carcinoma": ("D055752", "M28231"),
    "Carcinoma, Merkel Cell": ("D015266", "M17958"),
    "Carcinoma": ("D002277", "M5534"),
    "Adenocarcinoma": ("D000230", "M3585"),
    "Melanoma": ("D008545", "M11527"),
    "Nevi and Melanomas": ("D018326", "M20461"),
    "Pheochromocytoma": ("D010673", "M13578"),
    "Paraganglioma": ("D010235", "M13148"),
    "Adrenal Gland Neoplasms": ("D000310", "M3661"),
    "Adrenal Gland Diseases": ("D000307", "M3658"),
    "Multiple Endocrine Neoplasia Type 1": ("D018761", "M20824"),
    "Multiple Endocrine Neoplasia": ("D009377", "M12322"),
    "Neoplastic Syndromes, Hereditary": ("D009386", "M12331"),
    "Genetic Diseases, Inborn": ("D030342", "M23686"),
    "Neoplasms, Multiple Primary": ("D009378", "M12323"),
    "Pancreatic Neoplasms": ("D010190", "M13105"),
    "Pancreatic Diseases": ("D010182", "M13097"),
    "Digestive System Neoplasms": ("D004067", "M7256"),
    "Digestive System Diseases": ("D004066", "M7255"),
    "Endocrine Gland Neoplasms": ("D004701", "M7863"),
    "Endocrine System Diseases": ("D004700", "M7862"),
    "Gastrointestinal Neoplasms": ("D005770", "M8886"),
    "Gastrointestinal Diseases": ("D005767", "M8883"),
    "Intestinal Neoplasms": ("D007414", "M10448"),
    "Intestinal Diseases": ("D007410", "M10444"),
    "Rectal Neoplasms": ("D012004", "M14846"),
    "Rectal Diseases": ("D012002", "M14844"),
    "Colorectal Neoplasms": ("D015179", "M17890"),
    "Colonic Neoplasms": ("D003110", "M6338"),
    "Colonic Diseases": ("D003108", "M6336"),
    "Appendiceal Neoplasms": ("D001063", "M4370"),
    "Cecal Neoplasms": ("D002429", "M5674"),
    "Cecal Diseases": ("D002428", "M5673"),
    "Stomach Neoplasms": ("D013274", "M16066"),
    "Stomach Diseases": ("D013272", "M16064"),
    "Lung Neoplasms": ("D008175", "M11172"),
    "Lung Diseases": ("D008171", "M11168"),
    "Bronchial Neoplasms": ("D001984", "M5248"),
    "Bronchial Diseases": ("D001982", "M5246"),
    "Carcinoma, Bronchogenic": ("D002283", "M5540"),
    "Respiratory Tract Neoplasms": ("D012142", "M14979"),
    "Respiratory Tract Diseases": ("D012140", "M14977"),
    "Thoracic Neoplasms": ("D013899", "M16657"),
    "Thymus Neoplasms": ("D013953", "M16711"),
    "Lymphatic Diseases": ("D008206", "M11203"),
    "Skin Neoplasms": ("D012878", "M15681"),
    "Skin Diseases": ("D012871", "M15674"),
    "Neoplasms, Unknown Primary": ("D009382", "M12327"),
    "Neoplasm Metastasis": ("D009362", "M12307"),
    "Neoplastic Processes": ("D009383", None),
    "Pathologic Processes": ("D010335", None),
    "Liver Neoplasms": ("D008113", "M11113"),
    "Liver Diseases": ("D008107", "M11107"),
    "Biliary Tract Neoplasms": ("D001661", "M4938"),
    "Sarcoma": ("D012509", "M15318"),
    "Neoplasms, Connective and Soft Tissue": ("D018204", "M20349"),
    "Heart Diseases": ("D006331", "M9418"),
    "Carcinoid Heart Disease": ("D002279", "M5536"),
    # drugs and drug classes
    "Everolimus": ("D000068338", "M255"),
    "Octreotide": ("D015282", "M17973"),
    "lanreotide": ("C051984", "M229424"),
    "Sunitinib": ("D000077210", "M2011"),
    "cabozantinib": ("C558660", "M279306"),
    "lenvatinib": ("C531958", "M271484"),
    "Temozolomide": ("D000077204", "M1999"),
    "Capecitabine": ("D000069287", "M1017"),
    "Fluorouracil": ("D005472", "M8625"),
    "Leucovorin": ("D002955", "M6201"),
    "Oxaliplatin": ("D000077150", "M1954"),
    "Cisplatin": ("D002945", "M6191"),
    "Carboplatin": ("D016190", "M18650"),
    "Etoposide": ("D005047", "M8210"),
    "Irinotecan": ("D000077146", "M1950"),
    "Streptozocin": ("D013311", "M16101"),
    "Nivolumab": ("D000077594", "M1854"),
    "Ipilimumab": ("D000074324", "M1349"),
    "Pembrolizumab": ("C000582435", "M349416"),
    "atezolizumab": ("C000594389", "M357346"),
    "durvalumab": ("C000613593", "M371389"),
    "Bevacizumab": ("D000068258", "M299"),
    "Interferon alpha-2": ("D000077190", "M1982"),
    "Interferon-alpha": ("D016898", "M19227"),
    "lutetium Lu 177 dotatate": ("C000609206", "M368208"),
    "sacituzumab govitecan": ("C000626854", "M381023"),
    "Antineoplastic Agents": ("D000970", "M4282"),
    "Antineoplastic Agents, Hormonal": ("D018931", "M20966"),
    "Antineoplastic Agents, Immunological": ("D000074322", "M1346"),
    "Antineoplastic Agents, Alkylating": ("D018906", "M20945"),
    "Alkylating Agents": ("D000477", "M3845"),
    "Antimetabolites, Antineoplastic": ("D000964", "M4277"),
    "Antimetabolites": ("D000963", "M4281"),
    "Immune Checkpoint Inhibitors": ("D000082082", "M2342"),
    "Protein Kinase Inhibitors": ("D047428", "M25820"),
    "Tyrosine Kinase Inhibitors": ("D000092004", "M2889"),
    "Angiogenesis Inhibitors": ("D020533", "M22341"),
    "Enzyme Inhibitors": ("D004791", "M7951"),
    "Immunosuppressive Agents": ("D007166", "M10212"),
    "Immunologic Factors": ("D007155", "M10201"),
    "Gastrointestinal Agents": ("D005765", "M8881"),
    "Hormones": ("D006728", "M9789"),
    "Topoisomerase Inhibitors": ("D059003", "M29348"),
    "Topoisomerase I Inhibitors": ("D059004", "M29349"),
    "Topoisomerase II Inhibitors": ("D059005", "M29350"),
    "Vitamin B Complex": ("D014803", "M17546"),
    "Antiviral Agents": ("D000998", "M4314"),
    "Radiopharmaceuticals": ("D019275", "M21239"),
    "Immunoconjugates": ("D018796", "M20847"),
}

BRANCH_NAMES: dict[str, str] = {
    "BC04": "Neoplasms",
    "BC06": "Digestive System Diseases",
    "BC08": "Respiratory Tract (Lung and Bronchial) Diseases",
    "BC10": "Nervous System Diseases",
    "BC14": "Heart and Blood Diseases",
    "BC15": "Blood and Lymph Conditions",
    "BC16": "Diseases and Abnormalities at or Before Birth",
    "BC17": "Skin and Connective Tissue Diseases",
    "BC19": "Gland and Hormone Related Diseases",
    "BC23": "Symptoms and General Pathology",
    "Rare": "Rare Diseases",
    "ANeo": "Antineoplastic Agents",
    "Gast": "Gastrointestinal Agents",
    "Infe": "Anti-Infective Agents",
    "Vi": "Vitamins",
}

_NET_HISTOLOGY = ["Neuroendocrine Tumors", "Neuroectodermal Tumors", "Neoplasms, Germ Cell and Embryonal",
                  "Neoplasms by Histologic Type", "Neoplasms", "Neoplasms, Nerve Tissue"]
_CARCINOMA = ["Carcinoma", "Neoplasms, Glandular and Epithelial"]
_GUT = ["Gastrointestinal Neoplasms", "Digestive System Neoplasms", "Neoplasms by Site", "Neoplasms",
        "Digestive System Diseases", "Gastrointestinal Diseases"]

# condition profile -> meshes, ancestors, branches (the API lists ancestors once, after meshes)
CONDITION_PROFILES: dict[str, dict[str, list[str]]] = {
    "net": {"meshes": ["Neuroendocrine Tumors"], "ancestors": _NET_HISTOLOGY[1:], "branches": ["BC04"]},
    "carcinoid": {"meshes": ["Carcinoid Tumor"], "ancestors": ["Adenocarcinoma", *_CARCINOMA, *_NET_HISTOLOGY],
                  "branches": ["BC04"]},
    "carcinoid_syndrome": {"meshes": ["Malignant Carcinoid Syndrome"],
                           "ancestors": ["Carcinoid Tumor", "Adenocarcinoma", *_CARCINOMA, *_NET_HISTOLOGY],
                           "branches": ["BC04", "Rare"]},
    "nec": {"meshes": ["Carcinoma, Neuroendocrine"], "ancestors": [*_NET_HISTOLOGY, *_CARCINOMA],
            "branches": ["BC04"]},
    "pancreas": {"meshes": ["Pancreatic Neoplasms"],
                 "ancestors": ["Digestive System Neoplasms", "Neoplasms by Site", "Neoplasms",
                               "Endocrine Gland Neoplasms", "Digestive System Diseases", "Pancreatic Diseases",
                               "Endocrine System Diseases"],
                 "branches": ["BC04", "BC06", "BC19"]},
    "intestine": {"meshes": ["Intestinal Neoplasms"], "ancestors": [*_GUT, "Intestinal Diseases"],
                  "branches": ["BC04", "BC06"]},
    "rectum": {"meshes": ["Rectal Neoplasms"],
               "ancestors": ["Colorectal Neoplasms", "Intestinal Neoplasms", *_GUT, "Intestinal Diseases",
                             "Rectal Diseases"],
               "branches": ["BC04", "BC06"]},
    "stomach": {"meshes": ["Stomach Neoplasms"], "ancestors": [*_GUT, "Stomach Diseases"],
                "branches": ["BC04", "BC06"]},
    "appendix": {"meshes": ["Appendiceal Neoplasms"],
                 "ancestors": ["Cecal Neoplasms", "Colonic Neoplasms", "Colorectal Neoplasms", "Intestinal Neoplasms",
                               *_GUT, "Cecal Diseases", "Colonic Diseases", "Intestinal Diseases"],
                 "branches": ["BC04", "BC06"]},
    "lung": {"meshes": ["Lung Neoplasms"],
             "ancestors": ["Respiratory Tract Neoplasms", "Thoracic Neoplasms", "Neoplasms by Site", "Neoplasms",
                           "Lung Diseases", "Respiratory Tract Diseases"],
             "branches": ["BC04", "BC08"]},
    "thymus": {"meshes": ["Thymus Neoplasms"],
               "ancestors": ["Thoracic Neoplasms", "Neoplasms by Site", "Neoplasms", "Lymphatic Diseases"],
               "branches": ["BC04", "BC15"]},
    "unknown_primary": {"meshes": ["Neoplasms, Unknown Primary"],
                        "ancestors": ["Neoplasm Metastasis", "Neoplastic Processes", "Neoplasms",
                                      "Pathologic Processes"],
                        "branches": ["BC04", "BC23"]},
    "ppgl": {"meshes": ["Pheochromocytoma", "Paraganglioma"],
             "ancestors": ["Adrenal Gland Neoplasms", "Endocrine Gland Neoplasms", "Neoplasms by Site",
                           "Adrenal Gland Diseases", "Endocrine System Diseases", *_NET_HISTOLOGY],
             "branches": ["BC04", "BC19", "Rare"]},
    "merkel": {"meshes": ["Carcinoma, Merkel Cell"],
               "ancestors": ["Carcinoma, Neuroendocrine", *_NET_HISTOLOGY, *_CARCINOMA, "Skin Neoplasms",
                             "Neoplasms by Site", "Skin Diseases"],
               "branches": ["BC04", "BC17", "Rare"]},
    "sclc": {"meshes": ["Small Cell Lung Carcinoma"],
             "ancestors": ["Carcinoma, Bronchogenic", "Bronchial Neoplasms", "Lung Neoplasms",
                           "Respiratory Tract Neoplasms", "Thoracic Neoplasms", "Neoplasms by Site",
                           "Lung Diseases", "Respiratory Tract Diseases", "Bronchial Diseases",
                           "Carcinoma, Small Cell", "Carcinoma, Neuroendocrine", *_NET_HISTOLOGY, *_CARCINOMA],
             "branches": ["BC04", "BC08"]},
    "melanoma": {"meshes": ["Melanoma"], "ancestors": [*_NET_HISTOLOGY, "Nevi and Melanomas"],
                 "branches": ["BC04"]},
    "men1": {"meshes": ["Multiple Endocrine Neoplasia Type 1"],
             "ancestors": ["Multiple Endocrine Neoplasia", "Neoplastic Syndromes, Hereditary", "Neoplasms",
                           "Genetic Diseases, Inborn", "Endocrine Gland Neoplasms", "Neoplasms by Site",
                           "Endocrine System Diseases", "Neoplasms, Multiple Primary"],
             "branches": ["BC04", "BC16", "BC19", "Rare"]},
    "liver_mets": {"meshes": ["Liver Neoplasms", "Neoplasm Metastasis"],
                   "ancestors": ["Digestive System Neoplasms", "Neoplasms by Site", "Neoplasms",
                                 "Digestive System Diseases", "Liver Diseases", "Neoplastic Processes",
                                 "Pathologic Processes"],
                   "branches": ["BC04", "BC06"]},
    "biliary": {"meshes": ["Biliary Tract Neoplasms"],
                "ancestors": ["Digestive System Neoplasms", "Neoplasms by Site", "Neoplasms",
                              "Digestive System Diseases"],
                "branches": ["BC04", "BC06"]},
    "sarcoma": {"meshes": ["Sarcoma"],
                "ancestors": ["Neoplasms, Connective and Soft Tissue", "Neoplasms by Histologic Type", "Neoplasms"],
                "branches": ["BC04"]},
    "heart": {"meshes": ["Carcinoid Heart Disease"],
              "ancestors": ["Heart Diseases", "Carcinoid Tumor", *_NET_HISTOLOGY],
              "branches": ["BC14", "BC04"]},
}


def _leaf(term: str, relevance: str, as_found: str | None) -> dict[str, Any] | None:
    leaf_id = TERMS[term][1]
    if leaf_id is None:
        return None
    leaf: dict[str, Any] = {"id": leaf_id, "name": term}
    if as_found is not None:
        leaf["asFound"] = as_found
    leaf["relevance"] = relevance
    return leaf


def _best_match(term: str, texts: list[str]) -> str:
    """The study text the API would report as `asFound` for a term: the one sharing most words."""
    words = {w.strip(",").lower() for w in term.split()}
    scored = [(len(words & {w.strip(",").lower() for w in text.split()}), -i, text) for i, text in enumerate(texts)]
    return max(scored)[2]


def browse_module(meshes: list[str], ancestors: list[str], branches: list[str], found_in: list[str],
                  all_label: str) -> dict[str, Any]:
    """A conditionBrowseModule / interventionBrowseModule as the API builds it."""
    mesh_terms = list(dict.fromkeys(meshes))
    ancestor_terms = [t for t in dict.fromkeys(ancestors) if t not in mesh_terms]
    leaves = [_leaf(t, "HIGH", _best_match(t, found_in)) for t in mesh_terms]
    leaves += [_leaf(t, "LOW", None) for t in ancestor_terms]
    branch_keys = list(dict.fromkeys(branches))
    branch_keys.insert(min(1, len(branch_keys)), "All")
    module: dict[str, Any] = {"meshes": [{"id": TERMS[t][0], "term": t} for t in mesh_terms]}
    if ancestor_terms:
        module["ancestors"] = [{"id": TERMS[t][0], "term": t} for t in ancestor_terms]
    module["browseLeaves"] = [leaf for leaf in leaves if leaf is not None]
    module["browseBranches"] = [{"abbrev": k, "name": all_label if k == "All" else BRANCH_NAMES[k]}
                                for k in branch_keys]
    return module


def condition_browse(profile_keys: list[str], conditions: list[str]) -> dict[str, Any]:
    profiles = [CONDITION_PROFILES[k] for k in profile_keys]
    return browse_module([t for p in profiles for t in p["meshes"]],
                         [t for p in profiles for t in p["ancestors"]],
                         [b for p in profiles for b in p["branches"]], conditions, "All Conditions")
