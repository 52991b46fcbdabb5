"""NET vocabulary: the words that make a trial a neuroendocrine-neoplasm trial, and the
subtype each points to. Curated by hand; bump NET_TERMS_VERSION on every change.

Two layers, on purpose:
- `NET_CANDIDATE_PATTERN` is a cheap, deliberately generous anchor list written in the
  common subset of Python `re` and RE2, so the normaliser can run it inside DuckDB and skip
  most studies without calling Python.
- The decision rules below are stricter Python regexes. Every rule only runs on a field
  in which a candidate anchor matched (net_profile enforces that), so a study the rules
  call NET is always a prefilter candidate, whatever the rules grow into.

Known traps these rules are written around (all seen in CT.gov records):
- "NEC" alone is "not elsewhere classified" or necrotising enterocolitis; "NETs" alone are
  often neutrophil extracellular traps; "PNET" in capitals is primitive neuroectodermal
  tumour. Bare abbreviations therefore never decide; qualified ones ("pNET", "GEP-NEN",
  "pancreatic NET", "NET G2") do.
- "small cell" is usually small-cell lung cancer (or "non-small cell"): only extrapulmonary
  small-cell carcinoma counts without explicit neuroendocrine wording.
- "neuroendocrine" also names physiology ("neuroendocrine response to stress"), so it
  needs a tumour word next to it.
- "PNET"/"pNET" is also primitive neuroectodermal tumour (Ewing family, CNS): in that context
  no NET abbreviation decides.
- "medullary carcinoma" alone may be of the breast: medullary thyroid carcinoma (a WHO
  neuroendocrine neoplasm, subtype `medullary_thyroid`) needs the thyroid named.
- Older wording: "(entero-)pancreatic endocrine tumour", "islet cell tumour", "APUDoma",
  "carcinoid". "Endocrine tumour" alone (adrenal, pituitary, thyroid) does not decide.
- A NET word after "excluding", "other than", "except", "non-" is not the population
  ("pancreatic adenocarcinoma, excluding neuroendocrine tumours").
- "Neuroendocrine differentiation" alone is a process (a marker studied in prostate
  adenocarcinoma); attached to a tumour ("prostate cancer with neuroendocrine differentiation")
  it is neuroendocrine prostate cancer. Entries ambiguous alone ("MTC", "AVPC") are read with the
  rest of the study in study_context_rules.py.
"""
from __future__ import annotations

import functools
import re

NET_TERMS_VERSION = "1.1.2"

_CANDIDATE_ANCHORS = (
    r"neuro[- ]?endo[ck]rin",
    r"carcinoid",
    r"islet[- ]?cell",
    r"insulinoma|gastrinoma|glucagonoma|vipoma|somatostatinoma|apudoma|ppoma|zollinger",
    r"pha?eochromocytom|paragangliom|chemodectom|\bppgls?\b|carotid body|glomus (?:jugulare|tympanicum|vagale)",
    r"merkel",
    r"small[- ]?cell",
    r"\b(?:p|pan|gep|si|gi)?-?ne[ntc]s?\b",
    r"minen|manec|lcnec|nepc|scnc|\bmtcs?\b|\bavpcs?\b|aggressive[- ]variant|anaplastic[- ]prostat",
    r"medullary|(?:pancrea|enteric|entero|intestin|digestive|duoden|differentiated)\w*[- ]+endocrine",
)
# One expression, valid in Python `re` and in DuckDB regexp_matches (RE2): no lookaround,
# no backreferences. The inline (?i) keeps it case-insensitive even without the 'i' option.
NET_CANDIDATE_PATTERN = "(?i)(?:" + "|".join(_CANDIDATE_ANCHORS) + ")"
# ASCII mode makes Python's \b and case folding no wider than RE2's, so Python never
# matches where DuckDB would not.
CANDIDATE_RE = re.compile(NET_CANDIDATE_PATTERN, re.ASCII)

_I = re.IGNORECASE
# not "differentiation": "neuroendocrine differentiation" alone is a process (a marker studied in
# prostate adenocarcinoma), a tumour only when attached to one ("cancer with neuroendocrine
# differentiation", "neuroendocrine-differentiated prostate cancer")
_TUMOUR_WORD = r"(?:tumou?r|tumeur|neoplas|carcinom|cancer|malignan|lesion|prostate)"
_NOT_A_GAP = r"(?:to|in|of|for|after|during|with|among|on|by|at|from|the|response|axis|function|hormones?|stress)\b"
_DECIDING = [
    # neuroendocrine + tumour word, at most two words apart ("neuroendocrine and adrenal tumours")
    re.compile(
        rf"(?<!non)(?<!non-)(?<!non )neuro[- ]?endo[ck]rin\w*"
        rf"(?:[\s,/-]+(?!{_NOT_A_GAP})\w+){{0,2}}?[\s,/-]+{_TUMOUR_WORD}\w*", _I),
    # tumour word ... neuroendocrine ("Carcinoma, Neuroendocrine", "cancer with neuroendocrine features")
    re.compile(
        r"(?:tumou?rs?|tumeurs?|neoplasms?|carcinomas?|cancers?|malignanc(?:y|ies)|\w*CRPC|features?|origin|"
        r"differentiation|components?)[\s,]+(?:(?:with|of|the|a|an|showing|having|and|or|"
        r"predominant|mixed|large|small|cell|type)[\s,]+){0,3}neuro[- ]?endo[ck]rin\w*", _I),
    re.compile(r"(?<!non-)(?<!non)carcinoid\w*(?:[\s-]+(?:tumou?rs?|syndrome|heart disease|crisis))?", _I),
    re.compile(r"islet[- ]?cell[\s-]+(?:tumou?r|carcinom|neoplas|adenom|cancer)\w*|"
               r"(?:adenoma|carcinoma|tumou?rs?),?\s+islet[- ]?cell", _I),
    re.compile(r"\w*(?:insulinoma|gastrinoma|glucagonoma|vipoma|somatostatinoma|apudoma)s?|\bppomas?\b|"
               r"zollinger[- ]ellison(?: syndrome)?", _I),
    re.compile(r"pha?eochromocytom\w*|paragangliom\w*|chemodectom\w*|\bPPGLs?\b|carotid body tumou?rs?|"
               r"glomus (?:jugulare|tympanicum|vagale)", _I),
    re.compile(r"merkel(?:'s)?[- ]cell(?![- ]polyoma)(?:[\s-]+(?:carcinoma|cancer|tumou?r)s?)?", _I),
    # qualified abbreviations: the NET/NEN/NEC part must be in capitals
    re.compile(r"\b(?:p|P-|[Pp]an-?|GEP[- ]?|[Gg]ep-|GE-|SI-?|si|GI-?)NE[NTC]s?\b"),
    re.compile(
        r"(?i:\b(?:pancreatic|pancreas|lung|pulmonary|bronchial|thymic|gastric|rectal|duodenal|ileal|jejunal|"
        r"appendiceal|small[- ](?:bowel|intestin(?:e|al))|midgut|intestinal|gastrointestinal|gastro-?entero-?pancreatic|"
        r"colonic|colorectal|well[- ]differentiated|poorly[- ]differentiated|(?:high|low|intermediate)[- ]grade|"
        r"grade\s*[123]|g[123]|extra-?pulmonary|functional|functioning|non-?function(?:al|ing)|metastatic|"
        r"advanced|unresectable|progressive|sstr[- ]positive|somatostatin receptor[- ]positive))[\s-]+NE[NTC]s?\b"),
    re.compile(r"\bNE[NTC]s?[\s-]*\(?\s*(?:G[123]|[Gg]rade\s*(?:[123]|I{1,3}))\b"),
    re.compile(r"\bNENs?\b|(?i:\b(?:minens?|manecs?|lcnecs?|t-?nepc|nepc|t-scnc)\b)"),
    # aggressive-variant (anaplastic) prostate cancer: the clinical umbrella of NEPC, treated as NEC;
    # "AVPC" in capitals beside a prostate word ("AVPC" alone: study context, below)
    re.compile(r"(?:aggressive[- ]variant[\s-]+(?:\w+[\s-]+){0,2}?|anaplastic[- ])prostat\w*(?:[\s-]+(?:cancer|carcinoma)s?)?|"
               r"(?-i:\bAVPCs?\b)(?=[^\n.;]{0,60}?(?:prostat|CRPC))|\w*(?:prostat|CRPC)[^\n.;]{0,60}?(?-i:\bAVPCs?\b)\)?", _I),
    # the abbreviation "MTC" (in capitals) only beside a word that says thyroid: "RET-mutant MTC"
    _MTC := re.compile(r"medullary[\s,-]+(?:thyroid|carcinoma of (?:the )?thyroid|cancer of (?:the )?thyroid)\w*|"
                       r"thyroid[\s,-]+(?:gland[\s,-]+)?(?:cancer|carcinoma|neoplasms?|tumou?rs?)?[\s,-]*medullary|"
                       r"(?:thyroid\w*|(?-i:\bRET\b)|calcitonin)[^\n.;]{0,40}?(?-i:\bMTCs?\b)|"
                       r"(?-i:\bMTCs?\b)[^\n.;]{0,40}?(?:thyroid\w*|(?-i:\bRET\b)|calcitonin)", _I),
    re.compile(r"(?:(?:gastro-?\s?)?entero-?\s?pancrea\w*|pancrea\w*|digestive|duoden\w*|intestinal|"
               r"(?:well|poorly)[- ]differentiated)[\s-]+endocrine[\s-]+(?:tumou?r|carcinom|neoplas|cancer)\w*", _I),
]
# Words that, just before a NET phrase, say the phrase is not the population.
_NEGATED_BEFORE = re.compile(
    r"(?:\bexclud\w*|\bexcept(?:ing)?|\bother than|\bnot including|(?<!or )\bwithout)[\s-]+(?:[\w/-]+[\s,]+){0,3}$", _I)
# Primitive neuroectodermal tumour context: "PNET" here is not a NET.
_NEUROECTODERMAL = re.compile(r"neuro-?\s?ectoderm|\bewing|medulloblastom|supratentorial|pineoblastom|"
                              r"\bCNS\b|\bbrain\b|sarcoma|\b[psc]PNETs?\b", _I)
_ABBREVIATED = re.compile(r"^\w{0,4}-?NE[NTC]s?$", _I)
_PNET_CAPITALS = re.compile(r"\bPNETs?\b")  # pancreatic only when the field says so
_PANCREAS = re.compile(r"pancrea", _I)
_SMALL_CELL = re.compile(r"(?<!non)(?<!non-)(?<!non )small[- ]?cell(?:[\s-]+(?:carcinoma|cancer|tumou?r)s?)?", _I)
_EXTRAPULMONARY = re.compile(
    r"extra-?\s?pulmonary|extra-?\s?thoracic|non-?\s?pulmonary|\b(?:cervix|cervical|uter(?:us|ine)|"
    r"endometri\w*|vulva\w*|vagina\w*|bladder|urothelial|urinary|prostat\w*|o?esophag\w*|gastric|stomach|"
    r"colon|colorectal|rect(?:al|um)|anal|pancrea\w*|gallbladder|biliary|ampulla\w*|head and neck|"
    r"sinonasal|laryn\w*|salivary|kidney|renal|unknown primary)\b", _I)
_PITUITARY = re.compile(r"pituitar|\bPitNETs?\b", _I)
_OTHER_NET_SITE = re.compile(r"pancrea|\blung|gastr|intestin|bowel|carcinoid|\bGEP|merkel|small[- ]cell", _I)
_LUNG = re.compile(r"\blungs?\b|\bpulmonary\b|\bbronch\w*|\bSCLC\b", _I)
_EXPLICITLY_EXTRAPULMONARY = re.compile(r"extra-?\s?pulmonary|extra-?\s?thoracic|non-?\s?pulmonary", _I)
_BARE_ABBREVIATION = re.compile(r"\bNE[TC]s?\b")
_NEURO_WORD = re.compile(r"neuro[- ]?endo[ck]rin", _I)


# Conditions, keywords and MeSH terms repeat across thousands of trials ("Neuroendocrine
# Tumors", "Carcinoid Tumor"): the decisions on a text are cached, bounded in size.
_TEXT_CACHE = 1 << 16


@functools.lru_cache(maxsize=_TEXT_CACHE)
def decide_field(text: str) -> tuple[str | None, str | None]:
    """(phrase that makes this text a NET mention, None) or (None, why a NET-like word did not count)."""
    if not text or not CANDIDATE_RE.search(text):
        return None, None
    negated = None
    for rule in _DECIDING:
        for m in rule.finditer(text):
            if _NEGATED_BEFORE.search(text[max(0, m.start() - 60):m.start()]):
                negated = negated or m.group(0).strip()
                continue
            if _ABBREVIATED.match(m.group(0).strip()) and _NEUROECTODERMAL.search(text):
                return None, f"{m.group(0).strip()!r} is a primitive neuroectodermal tumour in {text!r}"
            if _PITUITARY.search(text) and not _OTHER_NET_SITE.search(text):
                # WHO 2022 renamed pituitary adenomas "PitNET": acromegaly/Cushing trials, not NETs
                return None, f"pituitary neuroendocrine tumour (adenoma) is out of scope in {text!r}"
            return m.group(0).strip(), None
    if negated:
        return None, f"{negated!r} is excluded or negated, not the population, in {text!r}"
    if _PNET_CAPITALS.search(text) and _PANCREAS.search(text) and not _NEUROECTODERMAL.search(text):
        return _PNET_CAPITALS.search(text).group(0), None
    m = _SMALL_CELL.search(text)
    if m:
        # "Small Cell Lung Cancer With Renal Impairment" names a kidney but is still SCLC
        lung = _LUNG.search(text) and not _EXPLICITLY_EXTRAPULMONARY.search(text)
        if _EXTRAPULMONARY.search(text) and not lung:
            return m.group(0).strip(), None
        return None, f"small-cell without extrapulmonary or neuroendocrine wording in {text!r}"
    m = _BARE_ABBREVIATION.search(text)
    if m:
        return None, f"bare abbreviation {m.group(0)!r} is ambiguous in {text!r}"
    if _NEURO_WORD.search(text):
        return None, f"'neuroendocrine' not naming a tumour (no tumour word, or negated) in {text!r}"
    return None, None


@functools.lru_cache(maxsize=_TEXT_CACHE)
def mentions_small_cell(text: str) -> bool:
    """Small-cell wording (not "non-small cell"): once a study is NET, SCLC fields add subtypes."""
    return bool(text) and bool(_SMALL_CELL.search(text))


# --- subtypes ----------------------------------------------------------------------------
# Neuroendocrine prostate cancer in one text: "neuroendocrine(-differentiated) prostate cancer",
# "NE tumour of the prostate", "prostate adenocarcinoma / mCRPC with (focal) neuroendocrine
# differentiation|features", aggressive-variant (AVPC) or anaplastic prostate cancer. Not "prostate
# cancer and neuroendocrine tumours" (a basket: two populations).
_NE_PROSTATE = (r"neuro[- ]?endo[ck]rine(?:[- ](?:differentiated|like|variant|type))?[\s-]+prostat|"
                r"neuro[- ]?endo[ck]rine (?:carcinoma|cancer|tumou?r|neoplasm)s? of (?:the )?prostat|"
                r"(?:prostat\w*|\w*CRPC)(?:[\s-]+(?!and\b|or\b)\w+){0,3}?[\s,-]+(?:with|showing|having)[\s-]+"
                r"(?:(?!no\b|non\b)\w+[\s-]+){0,2}?"
                r"neuro[- ]?endo[ck]rin|aggressive[- ]variant[\s-]+(?:\w+[\s-]+){0,2}?prostat|anaplastic[- ]prostat|"
                r"(?-i:\bAVPCs?\b)")
# Applied in order; spans of a pattern with blank=True are removed before later patterns,
# so "gastroenteropancreatic" is not also "pancreatic", "small intestine" is not also
# generic "intestinal", and "extrapulmonary" is not "pulmonary".
SUBTYPE_CODES = (
    "pancreatic", "small_bowel", "rectal", "gastric", "appendiceal", "gastrointestinal", "lung",
    "thymic", "unknown_primary", "high_grade_nec", "pheochromocytoma_paraganglioma", "merkel_cell",
    "medullary_thyroid",
)
_SUBTYPE_RULES: list[tuple[str | None, re.Pattern[str], bool]] = [
    ("high_grade_nec", re.compile(
        r"(?<!well-differentiated )(?<!well differentiated )neuro[- ]?endo[ck]rine (?:cell )?carcinom\w*|"
        r"carcinomas?,? neuroendocrine|(?-i:\bNECs?\b)|high[- ]grade neuro[- ]?endo[ck]rin\w*|"
        r"poorly[- ]differentiated (?:neuro[- ]?endo[ck]rin\w*|NE[CNT]s?|carcinoma)|"
        r"(?<!non)(?<!non-)(?<!non )small[- ]?cell|large[- ]cell neuro[- ]?endo[ck]rin\w*|\bLCNECs?\b|"
        r"\bMiNENs?\b|\bMANECs?\b|\bt?-?NEPC\b|\bt-SCNC\b|adenoneuroendocrine|" + _NE_PROSTATE, _I), False),
    ("gastrointestinal", re.compile(r"gastro-?\s?entero-?\s?pancrea\w*|\bGEP\b", _I), True),
    (None, re.compile(r"extra-?\s?pulmonary|non-?\s?pulmonary|extra-?\s?thoracic|non-?\s?lung|"
                      r"non-?\s?small[- ]cell|(?:extra|non)-?\s?pancrea\w*", _I), True),
    ("small_bowel", re.compile(r"small[- ]?(?:bowel|intestin\w*)|\bSI-?NE[NT]s?|\bsiNETs?|\bmidgut\b|"
                               r"\bile(?:al|um|o\w*)\b|\bjejun\w*|\bduoden\w*", _I), True),
    ("pancreatic", re.compile(r"\bpancrea\w*|\bp-?NETs?\b|\bP-NE[NTC]s?\b|\bpan-?NE[NTC]s?|islet[- ]?cell|insulinoma|"
                              r"gastrinoma|glucagonoma|vipoma|somatostatinoma|zollinger|\bPPomas?\b", _I), False),
    ("rectal", re.compile(r"\brect(?:al|um)\b", _I), False),
    ("gastric", re.compile(r"\bgastric\b|\bstomach\b", _I), False),
    ("appendiceal", re.compile(r"\bappend(?:ix|iceal|ical)\b|goblet[- ]cell", _I), False),
    ("lung", re.compile(r"\blungs?\b|\bpulmonary\b|\bbronch\w*|\b(?:a?typical) carcinoid|\bLCNECs?\b|"
                        r"large[- ]cell neuro[- ]?endo[ck]rin", _I), False),
    ("thymic", re.compile(r"\bthym(?:ic|us)\b", _I), False),
    ("unknown_primary", re.compile(r"unknown primary|primary (?:site )?unknown|unknown (?:primary )?(?:origin|site)|"
                                   r"occult primary|\bCUP\b", _I), False),
    ("gastrointestinal", re.compile(r"gastro-?\s?intestinal|gastro-?\s?enteric|(?-i:\bGI\b)|\bdigestive\b|"
                                    r"\bcol(?:on|onic|orectal)\b|"
                                    r"\bc(?:a|ae)?ec(?:um|al)\b|\bo?esophag\w*|\bforegut\b|\bhindgut\b|"
                                    r"\bintestin\w*|\benteric\b|\bbowel\b", _I), False),
    ("pheochromocytoma_paraganglioma", re.compile(
        r"pha?eochromocytom\w*|paragangliom\w*|\bPPGLs?\b|chemodectom\w*|carotid body|"
        r"glomus (?:jugulare|tympanicum|vagale)", _I), False),
    ("merkel_cell", re.compile(r"merkel", _I), False),
    ("medullary_thyroid", _MTC, False),
]


def subtypes_in(text: str) -> dict[str, int]:
    """Subtype codes named in one piece of NET text -> offset of the first mention,
    in SUBTYPE_CODES order."""
    return dict(_subtypes_in(text))


@functools.lru_cache(maxsize=_TEXT_CACHE)
def _subtypes_in(text: str) -> tuple[tuple[str, int], ...]:
    found: dict[str, int] = {}
    for code, pattern, blank in _SUBTYPE_RULES:
        m = pattern.search(text)
        if m:
            if code and code not in found:
                found[code] = m.start()
            if blank:  # same-length blanking keeps offsets valid
                text = pattern.sub(lambda x: " " * len(x.group(0)), text)
    return tuple((code, found[code]) for code in SUBTYPE_CODES if code in found)
