"""Prior SSA / PRRT / everolimus requirements from eligibility text.

Each value is 'required' (the trial needs prior exposure or progression on it), 'excluded'
(prior exposure makes the patient ineligible) or None (not stated, or merely allowed).
The section decides the default reading and negation flips it: "progression on SSA" under
inclusion is required, "prior PRRT" under exclusion is excluded, "no prior PRRT" under
inclusion is excluded. Washout rules ("SSA within 4 weeks of day 1") are not exclusions
of prior therapy and are ignored. If one class is both required and excluded somewhere
(e.g. different cohorts), 'required' wins: it is the stronger statement about who may enrol.
"""
from __future__ import annotations

import re

from .eligibility_rules import clause_around, sentences

_I = re.IGNORECASE
# PRRT first: "radiolabelled somatostatin analogue" is PRRT, and its span is blanked before
# the SSA pattern runs.
# (key, pattern, gate): the gate lists lower-case substrings that every match of the pattern
# contains, so a section without any of them skips the (much slower) regex.
_CLASSES = (
    ("prior_prrt", re.compile(
        r"\bPRRT\b|peptide receptor radio\w*|radio-?ligand|radionuclide therap\w*|\b177\s*-?\s*Lu\b|\bLu\s*-?\s*177\b|"
        r"lutetium|lutathera|radio-?label+ed (?:somatostatin|SSA|peptide)\w*(?: analog\w*)?|\b90-?Y\b|\bY-?90\b|"
        r"yttrium|\bP?RLT\b|dotatate therap\w*", _I),
     ("prrt", "radio", "177", "lutetium", "lutathera", "90y", "90-y", "y90", "y-90", "yttrium", "rlt", "dotatate")),
    ("prior_ssa", re.compile(
        r"somatostatin (?:receptor )?(?:analog\w*|agonists?|ligands?)|\bSSAs?\b|\bSSRLs?\b|\bSRLs?\b|octreotide|"
        r"lanreotide|pasireotide|paltusotine|sandostatin|somatuline", _I),
     ("somatostatin", "ssa", "srl", "octreotide", "lanreotide", "pasireotide", "paltusotine", "sandostatin",
      "somatuline")),
    ("prior_everolimus", re.compile(r"everolimus|afinitor|\bmTOR(?:[- ]inhibitors?)?\b|rapalog\w*|\bRAD001\b", _I),
     ("everolimus", "afinitor", "mtor", "rapalog", "rad001")),
)


_GATES = {keys: re.compile("|".join(map(re.escape, keys))) for _, _, keys in _CLASSES}


def _gate(lower_text: str, keys: tuple[str, ...]) -> bool:
    # One C-level scan for all substrings (a Python loop of `in` tests cost ~10% of the rules).
    return _GATES[keys].search(lower_text) is not None


_PRIOR = re.compile(r"prior|previous|progress\w*|received|receiving|treated|pre-?treated|refractory|failure|"
                    r"failed|intoleran\w*|resistan\w*|after|following|history of|exposure|exposed|relapsed|"
                    r"despite|\bon (?:a )?stable|naive|naïve", _I)
# "other than SSA", "(e.g. everolimus, sunitinib, PRRT)": exempted or listed as options, not required
_NEUTRAL = re.compile(r"with or without|regardless|irrespective|other than|except|excluding|besides|"
                      r"apart from|e\.g\.|such as|for example", _I)
_NEGATION = re.compile(r"\bno\b|\bnot\b|\bnever\b|naive|naïve|without|free of|\bnone\b|\bnor\b", _I)
# "patients on SSA must stay on a stable dose" is a condition, not a requirement
_ALLOWED = re.compile(r"\ballowed|permitted|\bmay\b|\bcan\b|acceptable|optional|\bif\b|\bwhen\b|"
                      r"(?:patients|participants|subjects|those)\s+(?:who are\s+|currently\s+)?(?:on|receiving|taking)\b", _I)
# the trial's own treatment, not prior exposure: "eligible for PRRT"
_PLANNED = re.compile(r"eligible for|candidates? for|suitable for|scheduled|planned|to receive|will receive|undergo", _I)
_NOT_RECEIVED = re.compile(r"(?:have|has) not (?:been )?(?:received|treated|had)|never (?:received|been treated)|"
                           r"\bno prior|without prior|naive|naïve", _I)
_WASHOUT = re.compile(r"within (?:the )?(?:last |past |previous )?\d+|washout|wash-out|\d+\s*(?:days?|weeks?|months?)\s*"
                      r"(?:before|prior to|of)\s*(?:the )?(?:first|start|randomi|enrol|registration|day 1|study)", _I)


def _reading(clause: str, sentence: str, section: str) -> str | None:
    """Negation and permission are read in the clause around the drug word, the
    prior-exposure wording in the whole sentence ("progression (RECIST) on octreotide")."""
    if _NEUTRAL.search(clause) or _PLANNED.search(clause):
        return None
    if section == "inclusion":
        if _NEGATION.search(clause):
            return "excluded"
        if _ALLOWED.search(clause) or not _PRIOR.search(sentence):
            return None
        return "required"
    if _WASHOUT.search(clause):
        return None
    if _NOT_RECEIVED.search(clause):  # "patients who have not received an SSA" under exclusion
        return "required"
    if _NEGATION.search(clause):
        return None  # e.g. "not eligible for PRRT": says nothing about prior exposure
    return "excluded" if _PRIOR.search(sentence) else None


def parse_prior_therapy(inclusion: str, exclusion: str) -> dict[str, str | None]:
    """{'prior_ssa', 'prior_prrt', 'prior_everolimus', 'prior_therapy_text'}."""
    readings: dict[str, set[str]] = {key: set() for key, _, _ in _CLASSES}
    texts: list[str] = []
    for section, text in (("inclusion", inclusion), ("exclusion", exclusion)):
        lower = text.lower()
        classes = [(key, pattern, keys) for key, pattern, keys in _CLASSES if _gate(lower, keys)]
        if not classes:
            continue  # most sections name none of these drugs: skip the per-sentence work
        for sentence in sentences(text):
            blanked, lower_sentence = sentence, sentence.lower()
            for key, pattern, keys in classes:
                if not _gate(lower_sentence, keys):
                    continue
                hits = list(pattern.finditer(blanked))
                for m in hits:
                    clause = clause_around(sentence, m.start())
                    value = _reading(clause, sentence, section)
                    if value is not None:
                        readings[key].add(value)
                        texts.append(f"{section}: {clause}")
                if hits:  # same-length blanking keeps offsets valid for clause_around
                    blanked = pattern.sub(lambda x: " " * len(x.group(0)), blanked)
    out: dict[str, str | None] = {}
    for key, values in readings.items():
        out[key] = "required" if "required" in values else ("excluded" if "excluded" in values else None)
    out["prior_therapy_text"] = " | ".join(dict.fromkeys(texts)) or None
    return out
