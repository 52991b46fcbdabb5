"""Entries that name a NET only together with the rest of the study. Part of the NET vocabulary:
bump net_terms.NET_TERMS_VERSION on every change.

Registrants split one disease over several entries: conditions ["MTC", "RET Mutation"], or
["Castration-resistant Prostate Cancer", "Neuroendocrine Differentiation"]. Read alone, each
entry is ambiguous ("MTC" is also mitomycin C or a maximum tolerated concentration; "neuroendocrine
differentiation" alone is a process, a marker studied in prostate adenocarcinoma), so
`net_terms.decide_field` does not count them. Here such an entry counts when another NET-deciding
field of the same study (condition, direct MeSH term, keyword, title) names its context. The
entry must be the whole condition or keyword, never a word inside a title or an eligibility
sentence, and it must match the SQL prefilter itself (so the prefilter still lets the study in).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .net_terms import CANDIDATE_RE, decide_field

_I = re.IGNORECASE
_PROSTATE = re.compile(r"prostat\w*|(?-i:\b\w*CRPC\b)", _I)


@dataclass(frozen=True)
class StudyContextRule:
    subtype: str
    entry: re.Pattern[str]       # the whole entry (fullmatch)
    entry_fields: frozenset[str]  # where such an entry may stand
    context: re.Pattern[str]      # what another field of the study must name
    missing: str                  # why the entry did not count when no field names the context ("'MTC' <missing>")


@dataclass(frozen=True)
class ContextMatch:
    label: str
    text: str
    subtype: str
    context_label: str
    context_text: str

    @property
    def evidence(self) -> str:
        """Both fields, so the reason shows the entry and what it was read with."""
        return f"{self.label}: {self.text!r} + {self.context_label}: {self.context_text!r}"


_ENTRY_FIELDS = frozenset({"condition", "keyword"})
_STAGE = r"(?:(?:advanced|metastatic|progressive|recurrent|unresectable|locally advanced|hereditary|familial|sporadic|" \
         r"inherited)[\s,-]+)*"
RULES = (
    StudyContextRule(
        "medullary_thyroid", re.compile(rf"\s*{_STAGE}(?-i:MTCs?)\s*", _I), _ENTRY_FIELDS,
        re.compile(r"\bthyroid|(?-i:\bRET\b)|calcitonin|(?-i:\bMEN[\s-]?2[AB]?\b)|multiple endocrine neoplasia,? type "
                   r"(?:2|II)", _I),
        "alone (also mitomycin C or a maximum tolerated concentration), and no field of the study names the "
        "thyroid, RET or calcitonin"),
    StudyContextRule(
        "high_grade_nec", re.compile(rf"\s*{_STAGE}(?-i:AVPCs?)\s*", _I), _ENTRY_FIELDS, _PROSTATE,
        "alone, and no field of the study names the prostate"),
    # a condition, not a keyword: conditions list what the patients have, keywords index topics
    StudyContextRule(
        "high_grade_nec", re.compile(r"\s*(?:focal |extensive )?neuro[- ]?endo[ck]rine[- ](?:differentiation|features|"
                                     r"phenotype|trans-?differentiation)\s*", _I), frozenset({"condition"}), _PROSTATE,
        "alone (a process, not a tumour), and no field of the study names the prostate"),
)


def read_in_study_context(
        fields: Sequence[tuple[str, str]]) -> tuple[list[ContextMatch], dict[tuple[str, str], str]]:
    """Over (label, text) fields in decision order: the entries that count with the rest of the
    study, and why each entry that found no context did not count."""
    matches: list[ContextMatch] = []
    why_not: dict[tuple[str, str], str] = {}
    for label, text in fields:
        if not CANDIDATE_RE.search(text) or decide_field(text)[0]:
            continue  # not even a candidate, or a NET on its own
        for rule in RULES:
            if label not in rule.entry_fields or not rule.entry.fullmatch(text):
                continue
            context = next(((c_label, c_text) for c_label, c_text in fields
                            if (c_label, c_text) != (label, text) and rule.context.search(c_text)), None)
            if context:
                matches.append(ContextMatch(label, text, rule.subtype, *context))
            else:
                why_not.setdefault((label, text), f"{text!r} {rule.missing}")
    return matches, why_not
