"""Facts read from CT.gov eligibility text: Ki-67 range, grades, differentiation, Krenning
score, SSTR imaging and DLL3 requirements, and prior SSA / PRRT / everolimus.

The text is Markdown with CT.gov's escapes already undone ("\\>" -> ">"); stray escapes
are tolerated anyway. Rules are sentence-level regexes, not a parser: they aim at the way
NET protocols phrase these criteria and say None rather than guess when the wording is
unusual. Which section a sentence sits in matters: "Ki-67 > 55%" under Exclusion Criteria
means Ki-67 <= 55% is eligible.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

_I = re.IGNORECASE
_HEADING = re.compile(
    r"(inclusion|exclusion)\s+criteri(?:a|on)\b(?:[ \t]*:|[ \t]*$|[^\n:.]{1,60}:)", _I | re.MULTILINE)
# "Key"/"Main" qualifiers belong to the heading, not to the end of the previous section. Looked
# up behind each heading rather than inside _HEADING: a leading optional group would make the
# regex try every position of long criteria texts.
_QUALIFIER = re.compile(r"\b(?:key|main|major|general|additional|other|specific|disease[- ]specific)\s+$", _I)


def split_eligibility(text: str | None) -> tuple[str, str]:
    """(inclusion text, exclusion text). Text before any heading counts as inclusion;
    several inclusion/exclusion sections (per cohort) are concatenated in order."""
    return _split(text or "")


@lru_cache(maxsize=256)
def _split(text: str) -> tuple[str, str]:
    text = _unescape(text)
    parts: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    section, start = "inclusion", 0
    for m in _HEADING.finditer(text):
        q = _QUALIFIER.search(text, max(start, m.start() - 30), m.start())
        parts[section].append(text[start:q.start() if q else m.start()])
        section, start = m.group(1).lower(), m.end()
    parts[section].append(text[start:])
    return "\n".join(parts["inclusion"]).strip(), "\n".join(parts["exclusion"]).strip()


def _unescape(text: str) -> str:
    return re.sub(r"\\([<>=*_\[\]()~#+.!-])", r"\1", text)


_SENTENCE_SPLIT = re.compile(r"\n+|;|(?<=[a-z0-9%)\]])\.\s+(?=[A-Z(*])")
_BULLET = re.compile(r"^\s*(?:[*\-•·]|\d{1,2}[.)]|[a-z][.)])\s+")


def sentences(text: str) -> tuple[str, ...]:
    """Bullets / sentences, without list markers. Cached: every rule walks the same
    sections of the same study one after the other."""
    return _sentences(text or "")


@lru_cache(maxsize=64)
def _sentences(text: str) -> tuple[str, ...]:
    out = []
    for piece in _SENTENCE_SPLIT.split(text):
        piece = _BULLET.sub("", piece).strip()
        if piece:
            out.append(piece)
    return tuple(out)


_CLAUSE_BREAK = re.compile(
    r"[()]|,\s*(?:and\s+|but\s+)?(?=(?:no|not|must|have|has|never|without|who|patients)\b)|\bbut\b|\bwhereas\b|"
    r"\band\s+(?=(?:no|not|must not|have not|has not|never|without)\b)", _I)


def clause_around(sentence: str, pos: int) -> str:
    """The clause of `sentence` that contains character `pos`."""
    start, end = 0, len(sentence)
    for m in _CLAUSE_BREAK.finditer(sentence):
        if m.end() <= pos:
            start = m.end()
        elif m.start() > pos:
            end = m.start()
            break
    return sentence[start:end].strip()


# --- Ki-67 -------------------------------------------------------------------------------
_NUM = r"(\d+(?:[.,]\d+)?)"
_PCT = r"\s*(?:%|％|per\s?cent)"
_OPS = {
    "le": r"<=|=<|≤|⩽|≦|\\u2264|less than or equal to|equal to or less than|no more than|not more than|"
          r"not exceeding|up to|at most|maximum(?: of)?|not? (?:greater|higher) than|not above|not over",
    "lt": r"<|less than|lower than|below|under",
    "ge": r">=|=>|≥|⩾|≧|\\u2265|greater than or equal to|equal to or greater than|more than or equal to|"
          r"at least|no less than|not less than|minimum(?: of)?|not? (?:lower|fewer) than|not below|not under",
    "gt": r">|greater than|more than|higher than|above|over|exceeding",
}
_OP = "|".join(f"(?P<{k}{{n}}>{v})" for k, v in _OPS.items())
_KI67 = re.compile(r"\b(?:ki[- ]?67|mib[- ]?1)\b", _I)
_RANGE = re.compile(rf"(?:between|from|of|:|=)?\s*{_NUM}\s*(?:%|％)?\s*(?:-|–|—|−|to|and)\s*{_NUM}{_PCT}", _I)
_BOUND = re.compile(
    rf"(?:{_OP.format(n=1)})\s*{_NUM}\s*(?:{_PCT})?(?:\s*(?:,|and|but|&)?\s*(?:{_OP.format(n=2)})\s*{_NUM}\s*(?:{_PCT})?)?",
    _I)


_DIRECT = re.compile(r"\s*(?:(?:proliferation |proliferative |labell?ing )?index|PI|score|value|level)?\s*[:=]?\s*$", _I)
_WINDOW_END = re.compile(r"[\n;]|\.\s")


def _bound_kind(m: re.Match, n: int) -> str | None:
    return next((k for k in _OPS if m.group(f"{k}{n}")), None)


def _num(text: str) -> float:
    return float(text.replace(",", "."))


# "20% or less", "55 % or higher": the operator after the number.
_POSTFIX = re.compile(rf"^\s*(?:(?:proliferation |proliferative |labell?ing )?index\s*)?(?:of\s+|:\s*|=\s*)?{_NUM}{_PCT}\s*or\s+(?P<le>less|lower|below|fewer|under)?"
                      rf"(?P<ge>more|higher|greater|above|over)?\b", _I)
_STRICT = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥"}
_UP_TO_AFTER = re.compile(rf"\s*(?:-|–|—|−|to)\s*{_NUM}{_PCT}", _I)


class _Interval(NamedTuple):
    low: float | None
    high: float | None
    end: int          # offset in the window where the constraint ends
    one_sided: bool
    rule: str         # how the bound reads, strictness kept: "< 20", "3–20", "≥ 10 and ≤ 55"


def _ki67_interval(window: str) -> _Interval | None:
    """The first Ki-67 constraint in window."""
    r, b, post = _RANGE.search(window), _BOUND.search(window), _POSTFIX.search(window)
    if post and (post.group("le") or post.group("ge")):
        value = _num(post.group(1))
        if post.group("le"):
            return _Interval(None, value, post.end(), True, f"≤ {_fmt(value)}")
        return _Interval(value, None, post.end(), True, f"≥ {_fmt(value)}")
    if r and (not b or r.start() <= b.start()):
        lo, hi = sorted((_num(r.group(1)), _num(r.group(2))))
        return _Interval(lo, hi, r.end(), False, f"{_fmt(lo)}–{_fmt(hi)}")
    if not b:
        return None
    # A bare number needs a % unless the operator follows the anchor directly ("Ki67 <20"):
    # "Ki-67 assessed over 6 months" is not a bound.
    if "%" not in b.group(0) and "percent" not in b.group(0).lower() and not _DIRECT.match(window[:b.start()]):
        return None
    lo = hi = None
    rules = []
    for n, value in ((1, b.group(5)), (2, b.group(10))):
        kind = _bound_kind(b, n)
        if kind is None or value is None:
            continue
        if kind in ("le", "lt"):
            hi = _num(value)
        else:
            lo = _num(value)
        rules.append(f"{_STRICT[kind]} {_fmt(_num(value))}")
    end, one_sided = b.end(), b.group(10) is None
    upto = _UP_TO_AFTER.match(window, end) if one_sided and lo is not None else None
    if upto:   # "> 20% to 55%": the top of the range is inclusive
        hi, end, one_sided = _num(upto.group(1)), upto.end(), False
        rules.append(f"≤ {_fmt(hi)}")
    return _Interval(lo, hi, end, one_sided, " and ".join(rules))


def _fmt(value: float) -> str:
    return f"{value:g}"


_FLIP = {"<": "≥", "≤": ">", ">": "≤", "≥": "<"}


def parse_ki67(inclusion: str, exclusion: str) -> tuple[float | None, float | None, str | None]:
    """(ki67_min, ki67_max, evidence). The union of all stated ranges: None means no bound
    stated. Bounds are numbers; whether each is strict ("< 20") or inclusive ("≤ 20") is kept
    in the evidence, one "text [section: bound]" per constraint, e.g.
    "Ki-67 > 55% [exclusion: eligible ≤ 55]"."""
    intervals, texts = [], []
    for section, text in (("inclusion", inclusion), ("exclusion", exclusion)):
        for anchor in _KI67.finditer(text):
            window = _WINDOW_END.split(text[anchor.end():anchor.end() + 100], maxsplit=1)[0]
            found = _ki67_interval(window)
            if found is None:
                continue
            lo, hi, rule = found.low, found.high, f"inclusion: {found.rule}"
            if section == "exclusion":
                if not found.one_sided or (lo is None) == (hi is None):
                    continue  # an excluded range leaves two eligible pieces: not representable
                lo, hi = (None, lo) if lo is not None else (hi, None)
                op, _, value = found.rule.partition(" ")
                rule = f"exclusion: eligible {_FLIP[op]} {value}"
            intervals.append((lo, hi))
            texts.append(f"{text[anchor.start():anchor.end() + found.end].strip()} [{rule}]")
    if not intervals:
        return None, None, None
    lows, highs = [i[0] for i in intervals], [i[1] for i in intervals]
    lo = None if any(v is None for v in lows) else min(lows)
    hi = None if any(v is None for v in highs) else max(highs)
    return lo, hi, " | ".join(dict.fromkeys(texts))


# --- grades and differentiation ----------------------------------------------------------
_GRADE = re.compile(
    r"\bG\s?([123])((?:\s*(?:-|–|/|,|or|and|to)\s*G?\s?[123]\b)*)|"
    r"\bgrades?\s*([123]|I{1,3})\b((?:\s*(?:-|–|/|,|or|and|to)\s*(?:grade\s*)?(?:[123]|I{1,3})\b)*)", _I)
_ROMAN = {"i": 1, "ii": 2, "iii": 3}
_NET_CONTEXT = re.compile(r"neuro[- ]?endo[ck]rin|\bNE[TNC]s?\b|carcinoid|ki[- ]?67|differentiat|\bWHO\b|"
                          r"tumou?r grade|histolog|pNET|small[- ]cell|large[- ]cell", _I)
_AE_CONTEXT = re.compile(r"adverse|toxicit|CTCAE|\bNCI\b|\bi?r?AEs?\b|event|NYHA|neuropath|hypertension|"
                         r"proteinuria|bleed|h(?:a)?emorrhag|diarrh|fistula|infection|pneumonitis|colitis|"
                         r"hepatitis|allerg|hypersensitiv|nausea|vomit|fatigue|mucositis|thrombo|embol|"
                         r"resolv|recover|sequela|heart failure|angina|QTc|edema|oedema|cataract|glioma", _I)
NEGATED = re.compile(r"not eligible|ineligible|\bexclud\w*|\bexcept\b|other than|not allowed|not permitted|"
                      r"must not|cannot|\bare not\b|\bis not\b|\bno\b", _I)


def _grade_numbers(m: re.Match) -> set[int]:
    first = m.group(1) or m.group(3)
    rest = m.group(2) if m.group(1) else m.group(4)
    values = [int(first) if first.isdigit() else _ROMAN[first.lower()]]
    for sep, tok in re.findall(r"(-|–|/|,|or|and|to)\s*(?:grade\s*)?G?\s?([123]|I{1,3})\b", rest or "", _I):
        v = int(tok) if tok.isdigit() else _ROMAN[tok.lower()]
        if sep in ("-", "–", "to"):
            values.extend(range(min(values[-1], v), max(values[-1], v) + 1))
        values.append(v)
    return set(values)


def parse_grades(net_texts: list[str], inclusion: str) -> list[str]:
    """Explicit WHO grades: from NET fields (conditions/keywords/titles) as they are, from
    inclusion sentences only when they talk about the tumour rather than adverse events."""
    grades: set[int] = set()
    for text in net_texts:
        for m in _GRADE.finditer(text):
            grades |= _grade_numbers(m)
    for sentence in sentences(inclusion) if _GRADE.search(inclusion) else ():
        matches = list(_GRADE.finditer(sentence))
        if not matches or not _NET_CONTEXT.search(sentence) or _AE_CONTEXT.search(sentence):
            continue
        for m in matches:
            if not NEGATED.search(clause_around(sentence, m.start())):
                grades |= _grade_numbers(m)
    return [f"G{g}" for g in sorted(grades)]


# "well- or moderately-differentiated": moderately differentiated NETs are the old name for
# what WHO now grades as well-differentiated G2.
_WELL = re.compile(r"\bwell[- ]?differentiated|\bwell-?\s*(?:or|and|/|to)\s*moderately|\bmoderately[- ]?differentiated", _I)
_POORLY = re.compile(r"\bpoorly[- ]?differentiated|\bundifferentiated", _I)


def parse_differentiation(net_texts: list[str], inclusion: str) -> str | None:
    found = set()
    for text in net_texts:
        found |= {k for k, p in (("well", _WELL), ("poorly", _POORLY)) if p.search(text)}
    for sentence in sentences(inclusion) if "differentiated" in inclusion.lower() else ():
        if "differentiated" not in sentence.lower() or not _NET_CONTEXT.search(sentence):
            continue
        for kind, pattern in (("well", _WELL), ("poorly", _POORLY)):
            for m in pattern.finditer(sentence):
                if not NEGATED.search(clause_around(sentence, m.start())):
                    found.add(kind)
    if len(found) == 2:
        return "both"
    return found.pop() if found else None
