"""Study inputs for the NET profile's tests: a study as `net_profile` reads it, and eligibility
texts shaped like real registry entries (used by the rules' tests and the prefilter's)."""
from __future__ import annotations


def study(**fields):
    base = {"nct_id": "NCT00000000", "brief_title": "", "official_title": "", "conditions": [], "keywords": [],
            "condition_mesh_terms": [], "condition_mesh_ancestors": [], "eligibility_criteria": "",
            "interventions": []}
    base.update(fields)
    return base


def subtypes(profile):
    return [s["subtype"] for s in profile["net_subtypes"]]


NETTER_LIKE = """Inclusion Criteria:

* Histologically confirmed, well-differentiated, locally advanced or metastatic GEP-NET of pancreatic or midgut origin, G2 or G3 (Ki-67 index \u2265 10% and \u2264 55%)
* Somatostatin receptor positive disease on 68Ga-DOTATATE PET/CT, with Krenning score \u2265 3 in all target lesions
* Progression on prior somatostatin analogue therapy (octreotide LAR or lanreotide)
* Patients on SSA must be on a stable dose for at least 12 weeks
* Grade \u2264 1 residual toxicity from prior therapy

Exclusion Criteria:

* Prior PRRT
* Prior treatment with everolimus within 4 weeks of randomisation
* Any lesion without SSTR uptake on SSTR imaging
* Grade 3 or higher adverse events
"""


DLL3_NEC = """Key Inclusion Criteria:
1. Histologically or cytologically confirmed poorly differentiated extrapulmonary neuroendocrine carcinoma (small cell or large cell type), Ki-67 > 20%
2. DLL3-positive tumour by central immunohistochemistry
3. Progression after at least one line of platinum-based chemotherapy

Key Exclusion Criteria:
1. Prior DLL3-targeted therapy
2. Well-differentiated NET G3 are not eligible
"""
