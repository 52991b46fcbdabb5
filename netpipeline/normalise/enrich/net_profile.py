"""The NET profile of one study version: is it a NET trial, why, which subtypes, and what
its eligibility says about grade, Ki-67, SSTR imaging, DLL3 and prior therapy.

The normaliser runs NET_CANDIDATE_PATTERN in SQL over conditions, keywords, titles and MeSH
terms and calls `net_profile` only for matching studies; the rest get `empty_profile()`.
`net_profile` checks the same pattern per field before any rule, so the prefilter can never
drop a study this function would call NET.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from . import net_terms
from .biomarker_rules import dll3_requirement, parse_krenning, sstr_requirement
from .eligibility_rules import (NEGATED, clause_around, parse_differentiation, parse_grades, parse_ki67,
                                sentences, split_eligibility)
from .net_terms import NET_CANDIDATE_PATTERN, decide_field, mentions_small_cell, subtypes_in
from .prior_therapy import parse_prior_therapy
from .study_context_rules import ContextMatch, read_in_study_context

__all__ = ["NET_CANDIDATE_PATTERN", "empty_profile", "net_profile", "profile_input_from_record"]

PROFILE_KEYS = (
    "is_net", "net_reason", "net_subtypes", "grades", "differentiation", "ki67_min", "ki67_max", "ki67_text",
    "requires_sstr_imaging", "sstr_imaging_text", "krenning_min", "requires_dll3", "dll3_text",
    "prior_ssa", "prior_prrt", "prior_everolimus", "prior_therapy_text",
)


def empty_profile() -> dict[str, Any]:
    """The profile of a study that is not NET (a fresh dict each call: callers may mutate)."""
    return {
        "is_net": False, "net_reason": "", "net_subtypes": [], "grades": [], "differentiation": None,
        "ki67_min": None, "ki67_max": None, "ki67_text": None,
        "requires_sstr_imaging": False, "sstr_imaging_text": None, "krenning_min": None,
        "requires_dll3": False, "dll3_text": None,
        "prior_ssa": None, "prior_prrt": None, "prior_everolimus": None, "prior_therapy_text": None,
    }


def _fields(study: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """(label, text, show whole text in evidence) in decision order. Direct MeSH terms only:
    ancestors file melanoma and SCLC under Neuroendocrine Tumors."""
    out = []
    for label, key in (("condition", "conditions"), ("mesh", "condition_mesh_terms"), ("keyword", "keywords")):
        out += [(label, str(v), True) for v in study.get(key) or () if v]
    for label, key in (("title", "brief_title"), ("official_title", "official_title")):
        if study.get(key):
            out.append((label, str(study[key]), False))
    return out


def net_profile(study: Mapping[str, Any]) -> dict[str, Any]:
    profile = empty_profile()
    fields = _fields(study)
    reason = rejection = None
    net_fields: list[tuple[str, str]] = []  # fields that talk about the NET (evidence sources)
    # entries that name a NET only with another field of the study ("MTC" + "RET Mutation")
    in_context, no_context = read_in_study_context([(label, text) for label, text, _ in fields])
    for label, text, whole in fields:
        phrase, why_not = decide_field(text)
        why_not = no_context.get((label, text), why_not)
        if phrase:
            if reason is None:  # the first deciding field, in the order above
                reason = f"{label}: {(text if whole else phrase)!r}"
            net_fields.append((label, text))
        elif why_not and rejection is None:
            rejection = f"not NET: {label}: {why_not}"
    if reason is None and in_context:
        reason = in_context[0].evidence
    net_fields += [(m.label, m.text) for m in in_context]
    if reason is not None:
        rejection = _not_the_population(study, fields, net_fields)
        if rejection:
            reason, net_fields = None, []
    if reason is None:
        ancestors = [a for a in study.get("condition_mesh_ancestors") or () if net_terms.CANDIDATE_RE.search(a)]
        if rejection is None and ancestors:
            rejection = f"not NET: NET term only among MeSH ancestors ({', '.join(map(repr, ancestors[:3]))})"
        profile["net_reason"] = rejection or ""
        return profile

    profile["is_net"], profile["net_reason"] = True, reason
    # Once NET, small-cell fields (e.g. SCLC next to "extrapulmonary NEC") describe the
    # population too.
    net_fields += [(label, text) for label, text, _ in fields
                   if (label, text) not in net_fields and mentions_small_cell(text)]
    inclusion, exclusion = split_eligibility(study.get("eligibility_criteria"))
    profile["net_subtypes"] = _subtypes(net_fields, in_context, inclusion)
    net_texts = [text for _, text in net_fields]
    profile["grades"] = parse_grades(net_texts, inclusion)
    profile["differentiation"] = parse_differentiation(net_texts, inclusion)
    # a Ki-67 range in a title or condition ("G3 NET (Ki-67 > 20%)") is an entry criterion too
    ki67_inclusion = "\n".join([*net_texts, inclusion])
    profile["ki67_min"], profile["ki67_max"], profile["ki67_text"] = parse_ki67(ki67_inclusion, exclusion)
    profile["requires_sstr_imaging"], profile["sstr_imaging_text"] = sstr_requirement(inclusion, exclusion)
    profile["krenning_min"] = parse_krenning(inclusion, exclusion)
    if profile["krenning_min"] is not None and not profile["requires_sstr_imaging"]:
        # a Krenning threshold is an SSTR-imaging requirement even when worded only as a score
        profile["requires_sstr_imaging"] = True
        profile["sstr_imaging_text"] = " | ".join(
            t for t in (f"required (Krenning score >= {profile['krenning_min']} stated)",
                        profile["sstr_imaging_text"]) if t)
    profile["requires_dll3"], profile["dll3_text"] = dll3_requirement(inclusion, exclusion)
    profile.update(parse_prior_therapy(inclusion, exclusion))
    return profile


# A trial about a surgical complication lists the operations' indications (pancreatic NET among
# them) as conditions; octreotide/lanreotide there prevents a fistula, it does not treat a NET.
_SURGICAL_COMPLICATION = re.compile(r"fistula|anastomotic leak|\bleak(?:age)?\b|post-?\s?operative pancreatitis|"
                                    r"pancreaticoduodenectomy|pancreatoduodenectomy|pancreatectomy|whipple", re.I)
# SSTR tracers and SSAs are also studied in these tumours: a NET word in keywords only does
# not make such a trial a NET trial.
_OTHER_PRIMARY = re.compile(r"breast|meningiom|glioma|glioblastom|melanoma|lymphoma|leuka?emia|myeloma|"
                            r"thyroid (?:cancer|carcinoma)(?! medullary)|hepatocellular|sarcoma", re.I)

# MeSH files melanoma and small-cell lung cancer under "Neuroendocrine Tumors".
_MESH_FILED_UNDER_NET = re.compile(r"melanoma|small[- ]cell lung|\bSCLC\b|lung small[- ]cell", re.I)


def _not_the_population(study: Mapping[str, Any], fields: list[tuple[str, str, bool]],
                        net_fields: list[tuple[str, str]]) -> str | None:
    """Why NET words found in the fields do not describe the trial's population, or None."""
    deciding = {label for label, _ in net_fields}
    titles = " | ".join(text for label, text, _ in fields if label in ("title", "official_title"))
    if _SURGICAL_COMPLICATION.search(titles) and not deciding & {"title", "official_title"}:
        return (f"not NET: NET term names an indication for surgery in a trial about "
                f"{_SURGICAL_COMPLICATION.search(titles).group(0)!r} (title: {titles[:150]!r})")
    if deciding <= {"mesh"}:
        named = [text for label, text, _ in fields if label == "condition" and _MESH_FILED_UNDER_NET.search(text)]
        if named:
            return f"not NET: MeSH files {named[0]!r} under a neuroendocrine heading; no NET word of its own"
    if deciding <= {"keyword"}:
        other = [text for label, text, _ in fields if label in ("condition", "title") and _OTHER_PRIMARY.search(text)]
        if other:
            return f"not NET: NET term only among keywords of a trial in {other[0]!r}"
    return None


def _subtypes(net_fields: list[tuple[str, str]], in_context: list[ContextMatch],
              inclusion: str) -> list[dict[str, str]]:
    evidence: dict[str, str] = {}
    read_in_context = {(m.label, m.text) for m in in_context}
    for label, text in net_fields:
        for code in subtypes_in(text) if (label, text) not in read_in_context else ():
            evidence.setdefault(code, f"{label}: {text!r}")
    for match in in_context:  # after the fields that name the subtype on their own
        evidence.setdefault(match.subtype, match.evidence)
    # Inclusion sentences that name the tumour ("well-differentiated NET of pancreatic, lung or
    # midgut origin"); a clause that excludes ("NEC are not eligible") adds nothing.
    for sentence in sentences(inclusion) if net_terms.CANDIDATE_RE.search(inclusion) else ():
        phrase, _ = decide_field(sentence)
        if not phrase and not mentions_small_cell(sentence):
            continue
        for code, pos in subtypes_in(sentence).items():
            if code not in evidence and not NEGATED.search(clause_around(sentence, pos)):
                evidence[code] = f"eligibility: {sentence[:200]!r}"
    return [{"subtype": code, "evidence": evidence[code]} for code in net_terms.SUBTYPE_CODES if code in evidence]


def profile_input_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The `net_profile` input built from one raw API v2 study record (for tests, tools and
    callers that hold the JSON rather than normalised rows)."""
    protocol = record.get("protocolSection") or {}
    ident = protocol.get("identificationModule") or {}
    cond = protocol.get("conditionsModule") or {}
    browse = (record.get("derivedSection") or {}).get("conditionBrowseModule") or {}
    arms = protocol.get("armsInterventionsModule") or {}
    return {
        "nct_id": ident.get("nctId"),
        "brief_title": ident.get("briefTitle") or "",
        "official_title": ident.get("officialTitle") or "",
        "conditions": list(cond.get("conditions") or []),
        "keywords": list(cond.get("keywords") or []),
        "condition_mesh_terms": [m.get("term", "") for m in browse.get("meshes") or []],
        "condition_mesh_ancestors": [m.get("term", "") for m in browse.get("ancestors") or []],
        "eligibility_criteria": (protocol.get("eligibilityModule") or {}).get("eligibilityCriteria") or "",
        "interventions": [
            {"name": i.get("name", ""), "type": i.get("type"), "other_names": list(i.get("otherNames") or [])}
            for i in arms.get("interventions") or []
        ],
    }
