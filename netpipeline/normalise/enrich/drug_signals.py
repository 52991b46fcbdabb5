"""Classing what drug_taxonomy.yaml has not met, from the registry's own signals.

Read only when the taxonomy found nothing in an intervention's name and other names:
1. INN stems with a target word where the stem alone is not specific ("-mab" is any
   antibody: PD-1/PD-L1/CTLA-4 text makes it a checkpoint inhibitor, VEGF an anti-VEGF
   antibody, DLL3 a DLL3-targeted agent; "-limab" is the immunomodulating-antibody stem of
   the 2021 INN scheme, checkpoint antibodies in practice). The text searched is the
   intervention's name, other names and description, and the study's intervention MeSH terms.
2. The registry's intervention type for what is not a drug at all (procedure, radiation,
   diagnostic test, device, behavioural, dietary supplement); biospecimen collection and
   questionnaires by name whatever the type ("Biospecimen Collection" is often OTHER).
Everything else stays `unclassified`: an unknown drug.
"""
from __future__ import annotations

import re
from typing import NamedTuple

_I = re.IGNORECASE


class Signal(NamedTuple):
    mechanism_class: str
    rule: str          # the signal that decided, shown in matched_on
    matched_text: str  # the text it matched


_CHECKPOINT_TARGET = re.compile(r"\bPD-?L?1\b|programmed (?:cell )?death|\bCTLA-?4\b|\bLAG-?3\b|\bTIGIT\b|"
                                r"\bTIM-?3\b|checkpoint", _I)
_VEGF_TARGET = re.compile(r"\bVEGF(?:R-?\d?)?\b|angiogen|multi-?(?:kinase|targeted)", _I)
_DLL3_TARGET = re.compile(r"\bDLL-?3\b|delta-like (?:ligand )?3", _I)
_SSTR_TARGET = re.compile(r"somatostatin|\bSSTR", _I)
_CONJUGATE = re.compile(r"vedotin|deruxtecan|govitecan|tirumotecan|tesirine|emtansine|mafodotin|ozogamicin|"
                        r"soravtansine|-drug conjugate|\bADC\b", _I)

# (stem pattern on one word, target pattern or None, class, rule name)
_STEMS: tuple[tuple[re.Pattern[str], re.Pattern[str] | None, str, str], ...] = (
    (re.compile(r"\w+(?:mab|mig|bart)\b", _I), _DLL3_TARGET, "dll3_targeted", "antibody stem + DLL3"),
    (re.compile(r"\w+mab\b", _I), _CONJUGATE, "antibody_drug_conjugate", "antibody stem + conjugate payload"),
    (re.compile(r"\w+(?:mab|bart|mig)\b", _I), _CHECKPOINT_TARGET, "immune_checkpoint_inhibitor",
     "antibody stem + checkpoint target"),
    (re.compile(r"\w+limab\b", _I), None, "immune_checkpoint_inhibitor", "INN stem -limab"),
    (re.compile(r"\w+(?:mab|cept)\b", _I), _VEGF_TARGET, "anti_vegf_antibody", "antibody stem + VEGF"),
    (re.compile(r"\w+(?:anib|afenib)\b", _I), None, "vegfr_tki", "INN stem -anib (angiogenesis inhibitor)"),
    (re.compile(r"\w+tinib\b", _I), _VEGF_TARGET, "vegfr_tki", "INN stem -tinib + VEGFR"),
    (re.compile(r"\w+tinib\b", _I), None, "kinase_inhibitor", "INN stem -tinib"),
    (re.compile(r"\w+(?:rolimus|sirolimus|serti?b)\b", _I), None, "mtor_inhibitor", "INN stem -rolimus"),
    (re.compile(r"\w+reotide\b", _I), _SSTR_TARGET, "somatostatin_analogue", "stem -reotide + somatostatin"),
    (re.compile(r"\w+(?:platin|taxel|rubicin|tecan|citabine|mustine|fosfamide)\b", _I), None, "chemotherapy",
     "INN stem of a cytotoxic"),
    (re.compile(r"\w+parib\b", _I), None, "other", "INN stem -parib (PARP inhibitor)"),
)
# mTOR by stem needs the word: "-sertib" alone is any serine/threonine kinase inhibitor
_MTOR_TARGET = re.compile(r"\bmTOR", _I)

# "everolimus-eluting stent" is a device, whatever drug it names
DEVICE_NAME = re.compile(r"eluting|\bstents?\b|\bballoons?\b|drug[- ]coated", _I)
_BIOSPECIMEN = re.compile(r"biospecimen|specimen collection|blood (?:sample|draw|collection)|sample collection|"
                          r"tissue collection|biobank|liquid biopsy collection|blood sampling", _I)
_QUESTIONNAIRE = re.compile(r"questionnaire|survey|quality[- ]of[- ]life (?:assessment|instrument)|interview|"
                            r"patient[- ]reported", _I)
_IMAGING_PROCEDURE = re.compile(r"tomograph|\bCT\b|\bMRI\b|magnetic resonance|ultraso|\bPET\b|scintigra|"
                                r"\bscan\b|imaging|endoscop|biopsy", _I)
_BY_TYPE = {
    "PROCEDURE": "procedure", "RADIATION": "radiation_therapy", "DIAGNOSTIC_TEST": "diagnostic_test",
    "DEVICE": "device", "BEHAVIORAL": "behavioural", "DIETARY_SUPPLEMENT": "dietary_supplement",
}
_DRUG_TYPES = {"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", "GENETIC"}


def is_non_drug(name: str, intervention_type: str | None) -> bool:
    """A procedure, radiation, test, device, behavioural or supplement intervention, or a
    biospecimen collection / questionnaire by name."""
    kind = (intervention_type or "").upper()
    return (kind in _BY_TYPE or bool(_BIOSPECIMEN.search(name)) or bool(DEVICE_NAME.search(name))
            or (kind not in _DRUG_TYPES and bool(_QUESTIONNAIRE.search(name))))


def signal_class(name: str, other_names: tuple[str, ...], intervention_type: str | None,
                 description: str, mesh_terms: tuple[str, ...]) -> Signal | None:
    """The class the registry's signals give an intervention the taxonomy does not know."""
    names = [n for n in (name, *other_names) if n]
    if _BIOSPECIMEN.search(name):
        return Signal("biospecimen_collection", "name: biospecimen collection", name)
    if DEVICE_NAME.search(name):
        return Signal("device", "name: drug-eluting or other device", name)
    kind = (intervention_type or "").upper()
    if kind not in _DRUG_TYPES and _QUESTIONNAIRE.search(name):
        return Signal("behavioural", "name: questionnaire or survey", name)
    if kind in ("PROCEDURE", "OTHER", "DIAGNOSTIC_TEST") and _IMAGING_PROCEDURE.search(name):
        return Signal("diagnostic_test", f"name: imaging or diagnostic procedure ({kind or 'no type'})", name)
    if kind in _BY_TYPE:
        return Signal(_BY_TYPE[kind], f"intervention type {kind}", name)
    context = " | ".join([*names, description or "", *mesh_terms])
    for stem, target, code, rule in _STEMS:
        for text in names:
            m = stem.search(text)
            if not m or (target is not None and not target.search(context)):
                continue
            if code == "mtor_inhibitor" and not _MTOR_TARGET.search(context) and "rolimus" not in m.group(0).lower():
                continue
            return Signal(code, rule, text)
    return None
