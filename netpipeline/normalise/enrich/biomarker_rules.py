"""Eligibility requirements on SSTR imaging (incl. Krenning score) and DLL3 expression.

Both are read from the inclusion section ("SSTR-positive disease on 68Ga-DOTATATE PET") and
from the exclusion section when it excludes the negative case ("lesions without SSTR uptake",
"DLL3-negative tumour"), since protocols state the requirement either way.
"""
from __future__ import annotations

import re

from .eligibility_rules import clause_around, sentences

_I = re.IGNORECASE

# --- SSTR imaging -------------------------------------------------------------------------
_SSTR = re.compile(
    r"\bSSTR\w*|somatostatin[- ]receptors?|\bSS?RS\b|\bSRI\b|octreoscan|pentetreotide|"
    r"dota[- ]?(?:tate|toc|noc)|krenning|netspot|detectnet", _I)
# A bare SSTR mention may be about the drug ("somatostatin receptor agonist"); it counts as an
# imaging/positivity requirement only with one of these words in the same sentence.
# "dotatate" alone is not here: "lutetium Lu 177 dotatate" in a list of prior drugs is no scan.
_IMAGING = re.compile(r"imag|scan|\bPET\b|scintigra|SPECT|uptake|positiv|express|avid|krenning|octreoscan|"
                      r"\bSS?RS\b|\bSRI\b|detectnet|netspot|\b68\s*-?\s*Ga|\bGa\s*-?\s*68\b|gallium|"
                      r"\b64\s*-?\s*Cu|\bCu\s*-?\s*64\b", _I)
_SSTR_NEGATIVE = re.compile(r"(?:SSTR|somatostatin[- ]receptor)[- ]?negative|non[- ]?avid|"
                            r"\bnegative\s+(?:\w+\s+){0,2}(?:SSTR|somatostatin|octreoscan|DOTA)", _I)
_NO_UPTAKE = re.compile(r"(?:\bno|without|lack of|absen\w*|lacking|insufficient|inadequate)\s+(?:\w+\s+){0,3}"
                        r"(?:SSTR|somatostatin|uptake|avidity)", _I)
_NOT_REQUIRED = re.compile(r"not (?:be )?required|not necessary|regardless of|irrespective of|unselected|"
                           r"not needed|optional|any \w+ status", _I)
# "SSTR-positive or -negative disease", "DLL3 positive or negative tumours": either result enters
_EITHER_RESULT = re.compile(r"positiv\w*\s+or\s+(?:\S+[- ])?negativ|negativ\w*\s+or\s+(?:\S+[- ])?positiv", _I)
# "a 68Ga-DOTATATE PET may be used for staging if available": a scan the protocol allows, not one it demands
_OPTIONAL_SCAN = re.compile(r"\bmay (?:also )?be (?:used|performed|done|obtained|considered|accepted)\b|"
                            r"\bif (?:available|done|performed|clinically indicated)\b|\b(?:when|where) available\b|"
                            r"\bper (?:the )?standard of care\b|\bas clinically indicated\b|"
                            r"\bat the (?:investigator's )?discretion\b", _I)


# Lower-case substrings every match of the neighbouring patterns contains: a section without
# any of them skips the slower regexes (most criteria texts mention none of this).
_SSTR_KEYS = ("sstr", "somatostatin", "srs", "sri", "octreoscan", "pentetreotide", "dota", "krenning", "netspot",
              "detectnet")


def _has(text: str, keys: tuple[str, ...]) -> bool:
    lower = text.lower()
    return any(k in lower for k in keys)


def _clip(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Inclusion demands an SSTR *result*: positivity, uptake, avidity, a Krenning score.
_SSTR_RESULT = re.compile(r"positiv|\bSSTR\w*\s*\+|avid|uptake|express|krenning|concordan|"
                          r"(?:greater|higher|more) than (?:\w+\s+){0,2}liver", _I)
_SCAN = re.compile(r"imag|scan|\bPET\b|scintigra|SPECT|octreoscan|\bSS?RS\b|\bSRI\b|detectnet|netspot", _I)
# "acceptable staging scans are CT, MRI or DOTATATE PET-CT": one option among several
_ALTERNATIVES = re.compile(r"\b(?:CT|MRI|FDG|bone scan|ultrasound|x-ray|computed tomography|magnetic resonance)\b"
                           r"[^.;]*\bor\b|\bor\b[^.;]*\b(?:CT|MRI|FDG|bone scan|computed tomography)\b", _I)
# "68Ga-DOTATOC PET will be performed at baseline": the scan is a study procedure
_STUDY_PROCEDURE = re.compile(r"\bwill (?:be )?(?:perform|undergo|receiv|obtain|acquir|done|conduct)\w*|"
                              r"\bto be (?:perform|done|acquir)\w*|\bwill have\b|as part of (?:the|this) study|"
                              r"study (?:procedure|intervention|scan)", _I)
# "indication: somatostatin receptor-positive NET" in a drug survey: no entry test
_INDICATION = re.compile(r"\bindicat\w*|\bprescri\w*|\blabel(?:led|ed)?\b|\bapproved\b|\breceiving\b|"
                         r"\btreated with\b|\bin routine (?:clinical )?practice", _I)
_TESTED = re.compile(r"\b(?:on|by|at|in|using|with)\b[^.;]{0,40}?(?:imag|scan|PET|scintigra|SPECT|octreoscan)|"
                     r"\b(?:confirm|document|demonstrat|determin|prove|show)\w*|krenning|uptake|avid", _I)
# "SRS" is stereotactic radiosurgery unless the sentence is about SSTR imaging.
_RADIOSURGERY = re.compile(r"radiosurg|stereotactic|\bbrain\b|cranial|gamma[- ]knife|cyberknife|radiotherap|"
                           r"radiation|\bGy\b|\bWBRT\b", _I)
_SRS_ONLY = re.compile(r"\bSS?RS\b", _I)


def _sstr_call(sentence: str) -> tuple[bool | None, str]:
    """(True: required / False: a mention that is not a requirement / None: not about
    SSTR imaging, the rule that decided) for one inclusion sentence."""
    m = _SSTR.search(sentence)
    if not m:
        return None, ""
    if (all(_SRS_ONLY.fullmatch(x.group(0)) for x in _SSTR.finditer(sentence))
            and (_RADIOSURGERY.search(sentence) or not _SSTR_RESULT.search(sentence))):
        return None, ""  # stereotactic radiosurgery
    if _NOT_REQUIRED.search(clause_around(sentence, m.start())):
        return False, "stated as not required"
    if _EITHER_RESULT.search(sentence):
        return False, "SSTR-positive and -negative eligible"
    result, scan = _SSTR_RESULT.search(sentence), _SCAN.search(sentence)
    if _INDICATION.search(sentence) and not _TESTED.search(sentence):
        return (False, "indication, no entry test") if result or scan else (None, "")
    if result:
        return True, "SSTR-positive result demanded"
    if not scan:
        return None, ""  # the drug ("somatostatin receptor agonist"), not a scan
    if _ALTERNATIVES.search(sentence):
        return False, "one imaging option among several"
    if _OPTIONAL_SCAN.search(sentence):
        return False, "an optional scan"
    if _STUDY_PROCEDURE.search(sentence):
        return False, "the scan is a study procedure"
    return True, "SSTR imaging demanded"


def _requirement(required: list[str], mentions: list[str]) -> tuple[bool, str | None]:
    """(required?, evidence): the sentences with the rule that made the call; the mentions
    (with why they are not requirements) when nothing is required."""
    if required:
        return True, " | ".join(_clip(h) for h in dict.fromkeys(required))
    if mentions:
        return False, " | ".join(_clip(h) for h in dict.fromkeys(mentions))
    return False, None


def sstr_requirement(inclusion: str, exclusion: str) -> tuple[bool, str | None]:
    required, mentions = [], []
    for sentence in sentences(inclusion) if _has(inclusion, _SSTR_KEYS + ("liver",)) else ():
        call, rule = _sstr_call(sentence)
        if call is True:
            required.append(f"required ({rule}): {sentence}")
        elif call is False:
            mentions.append(f"not required ({rule}): {sentence}")
        elif _uptake_vs_liver(sentence, excluded=False):
            required.append(f"required (uptake relative to liver): {sentence}")
    for sentence in sentences(exclusion) if _has(exclusion, ("sstr", "somatostatin", "uptake", "avid",
                                                              "krenning")) else ():
        # the exclusion of SSTR-negative disease is a positivity requirement stated backwards
        if (_SSTR_NEGATIVE.search(sentence) or (_NO_UPTAKE.search(sentence) and _IMAGING.search(sentence))
                or _KRENNING.search(sentence) or _uptake_vs_liver(sentence, excluded=True)):
            required.append(f"required (SSTR-negative disease excluded): {sentence}")
    return _requirement(required, mentions)


# --- Krenning -----------------------------------------------------------------------------
_KRENNING = re.compile(r"krenning", _I)
_WINDOW_END = re.compile(r"[\n;]|\.\s")
_K = r"(?:score\s*|grade\s*|scale\s*)?([0-4])\b"
_K_GE = re.compile(rf"(?:>=|=>|≥|⩾|greater than or equal to|equal to or greater than|at least|minimum(?: of)?)"
                   rf"\s*{_K}|"
                   rf"([0-4])\s*(?:or|and)\s*(?:higher|greater|above|more)\b|([0-4])\s*\+", _I)
_K_GT = re.compile(rf"(?:>|greater than|higher than|above|more than)\s*{_K}", _I)
_K_LT = re.compile(rf"(?:<|less than|lower than|below)\s*{_K}", _I)
_K_LE = re.compile(rf"(?:<=|=<|≤|⩽|less than or equal to|at most)\s*{_K}", _I)
# "Krenning score 3 or 4", "Krenning grade 2-4", "(Krenning 3)": a list right after the word.
_K_LIST = re.compile(r"^\W*(?:(?:score|grade|scale|uptake|of|is|must be)\W+){0,3}"
                     r"([0-4](?:\s*(?:-|–|to|or|,|/|and)\s*[0-4])*)\b", _I)
_LIVER = r"\s*(?:that (?:of|in)\s*)?(?:the\s*)?(?:normal\s*)?(?:background\s*)?liver"
# Krenning: 2 = uptake equal to liver, 3 = greater than liver, 4 = greater than spleen.
_LIVER_RULES = (
    (re.compile(r"(?:>=|≥|equal to or (?:greater|higher) than|greater than or equal to|"
                r"at least (?:equal to|as high as)|equal or (?:greater|higher|superior) to)" + _LIVER, _I), 2, False),
    (re.compile(r"(?:>|greater than|higher than|more intense than|exceed\w*|above|superior to)" + _LIVER, _I),
     3, False),
    (re.compile(r"(?:<=|≤|less than or equal to|equal to or (?:less|lower) than|not (?:greater|higher) than)"
                + _LIVER, _I), 3, True),
    (re.compile(r"(?:<|less than|lower than|below|inferior to)" + _LIVER, _I), 2, True),
)


def _uptake_vs_liver(sentence: str, excluded: bool) -> int | None:
    """Krenning value implied by "tumour uptake greater than normal liver" wording, if any."""
    if "liver" not in sentence.lower():   # every rule ends in "liver": skip the regexes
        return None
    for pattern, value, rule_excluded in _LIVER_RULES:
        if rule_excluded == excluded and pattern.search(sentence):
            return value
    return None


def _near_start(m: re.Match | None, limit: int = 25) -> bool:
    return m is not None and m.start() <= limit


def _krenning_min_in(window: str, excluded: bool) -> int | None:
    if not excluded:
        for pattern, step in ((_K_GE, 0), (_K_GT, 1)):
            m = pattern.search(window)
            if _near_start(m):
                return int(next(g for g in m.groups() if g)) + step
    else:  # "Krenning < 3" excluded -> 3 and above eligible
        for pattern, step in ((_K_LT, 0), (_K_LE, 1)):
            m = pattern.search(window)
            if _near_start(m):
                return int(m.group(1)) + step
    m = _K_LIST.search(window)
    if m:
        numbers = [int(n) for n in re.findall(r"[0-4]", m.group(1))]
        # "Krenning score 1 or 2" under exclusion -> 3 and above
        return max(numbers) + 1 if excluded else min(numbers)
    return None


def parse_krenning(inclusion: str, exclusion: str) -> int | None:
    """Lowest eligible Krenning score stated (explicitly, or as uptake relative to liver)."""
    values = []
    for text, excluded in ((inclusion, False), (exclusion, True)):
        for m in _KRENNING.finditer(text):
            after = _WINDOW_END.split(text[m.end():m.end() + 60], maxsplit=1)[0]
            value = _krenning_min_in(after, excluded)
            if value is None:  # "uptake score >= 3 (Krenning scale)": the number comes first
                before = _WINDOW_END.split(text[max(0, m.start() - 40):m.start()])[-1]
                value = _krenning_min_in(before[-25:], excluded)
            if value is not None and 1 <= value <= 4:
                values.append(value)
    if not values:  # no score stated: fall back on uptake relative to liver
        for text, excluded in ((inclusion, False), (exclusion, True)):
            for sentence in sentences(text) if "liver" in text.lower() else ():
                value = _uptake_vs_liver(sentence, excluded)
                if value is not None:
                    values.append(value)
    return min(values) if values else None


# --- DLL3 ---------------------------------------------------------------------------------
_DLL3 = re.compile(r"\bDLL-?3\b|delta[- ]like (?:ligand |protein )?3\b", _I)
_POSITIVE = re.compile(r"positiv|express|\+|\bhigh\b|≥|>|%|H-?score|staining", _I)
_PERMITTED = re.compile(r"\bmay\b|\bcan\b|\beligible\b|\ballowed\b|\bpermitted\b|\bcohort\b|\barm\b|"
                        r"\bregardless\b", _I)
# "tumours associated with DLL3 expression", "known to express DLL3": a tumour type, no test
_ASSOCIATED = re.compile(r"associated with|known to|typically|commonly|frequently|usually|tumou?r types?|"
                         r"such as|including", _I)
_TEST_RESULT = re.compile(r"DLL-?3[- ]?(?:positiv|\+|high)|≥|>|%|H-?score|immunohisto|\bIHC\b|confirm|"
                          r"document|central(?:ly)?|assay|tested|by (?:a )?(?:local|central)", _I)
_DLL3_NEGATIVE = re.compile(r"DLL-?3[- ]negative|(?:no|without|lack of|absent|absence of)\s+DLL-?3", _I)


def dll3_requirement(inclusion: str, exclusion: str) -> tuple[bool, str | None]:
    required, mentions = [], []
    for sentence in sentences(inclusion) if _has(inclusion, ("dll", "delta")) else ():
        if not _DLL3.search(sentence):
            continue
        if _NOT_REQUIRED.search(sentence):
            mentions.append(f"not required (stated as not required): {sentence}")
        elif _EITHER_RESULT.search(sentence):
            return False, f"not required (DLL3-positive and -negative eligible): {_clip(sentence)}"
        elif _DLL3_NEGATIVE.search(sentence) and _PERMITTED.search(sentence):
            # "DLL3-negative patients may enrol in cohort B": the trial as a whole takes both
            return False, f"not required (DLL3-negative patients eligible): {_clip(sentence)}"
        elif _ASSOCIATED.search(sentence) and not _TEST_RESULT.search(sentence):
            mentions.append(f"not required (tumour type, no test): {sentence}")
        elif _POSITIVE.search(sentence):
            required.append(f"required (DLL3-positive result demanded): {sentence}")
        else:
            # "tissue for DLL3 testing" asks for a test, not for DLL3-positive disease
            mentions.append(f"not required (no result demanded): {sentence}")
    for sentence in sentences(exclusion) if _has(exclusion, ("dll",)) else ():
        if _DLL3_NEGATIVE.search(sentence):
            required.append(f"required (DLL3-negative disease excluded): {sentence}")
    return _requirement(required, mentions)
