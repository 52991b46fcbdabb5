"""The subset of the Essie query syntax the replay understands, parsed and evaluated over a day index.

Supported: words, "quoted phrases", AND / OR / NOT (upper case), parentheses; juxtaposed terms are
ANDed. Precedence follows the Essie docs: NOT > AND > OR. Matching is case-insensitive on whole
words, and a word also matches its plural (s/es). A term matches within one field of its area,
never across two. Anything else in Essie (AREA[], RANGE[], EXPANSION[], ...) is refused rather
than guessed; synonym expansion (the real API also finds "carcinoid" studies for a related term
through its thesaurus) cannot be imitated without that thesaurus, so replay results can be
smaller than live ones.
"""
from __future__ import annotations

import re
from typing import Union

from .snapshots import DayIndex, normalise_text

NCT_PARAM_RE = re.compile(r"^[Nn][Cc][Tt]0*([1-9]\d{0,7})$")
ONLY_IDS_RE = re.compile(r"^\s*NCT\d+(?:[\s,]+NCT\d+)*\s*$", re.IGNORECASE)
_WORD_CHAR = rb"a-z0-9\x80-\xff"  # UTF-8 bytes of non-ASCII letters count as word characters


class EssieSyntaxError(ValueError):
    """The expression is outside the supported subset (the server answers 400 with the message)."""


def _nct_id(value: str) -> str:
    m = NCT_PARAM_RE.match(value.strip())
    if not m:
        raise EssieSyntaxError(f"malformed NCT ID: {value!r}")
    return f"NCT{int(m.group(1)):08d}"


Node = Union[tuple[str, "re.Pattern[bytes]"], tuple[str, list["Node"]], tuple[str, "Node"]]


def _term_pattern(text: str, param: str) -> re.Pattern[bytes]:
    words = normalise_text(text).split()
    if not words:
        raise EssieSyntaxError(f"invalid {param}: term {text!r} has no words")
    parts = []
    for i, word in enumerate(words):
        stem = word[-1:].isalpha()
        # Simple stemming: a word matches its plural, and a plural query word its singular.
        if stem and len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
        raw = word.encode()
        part = re.escape(raw)
        if i == 0:
            # The word-start check comes after the first literal, not before it: a pattern that
            # opens with a literal lets `re` skip ahead with its fast prefix search (~15x faster).
            part += rb"(?<![" + _WORD_CHAR + rb"]." + b"{%d})" % len(raw)
        parts.append(part + (rb"(?:e?s)?" if stem else b""))
    return re.compile(rb" ".join(parts) + rb"(?![" + _WORD_CHAR + rb"])", re.DOTALL)


def _tokens(expr: str, param: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(expr):
        ch = expr[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            out.append((ch, ch))
            i += 1
        elif ch == '"':
            j, buf = i + 1, []
            while j < len(expr) and expr[j] != '"':
                if expr[j] == "\\" and j + 1 < len(expr):
                    j += 1
                buf.append(expr[j])
                j += 1
            if j >= len(expr):
                raise EssieSyntaxError(f"invalid {param}: unterminated quote")
            out.append(("term", "".join(buf)))
            i = j + 1
        else:
            j = i
            while j < len(expr) and not expr[j].isspace() and expr[j] not in '()"':
                j += 1
            word = expr[i:j]
            i = j
            if word in ("AND", "OR", "NOT"):
                out.append((word, word))
            elif "[" in word or "]" in word:
                raise EssieSyntaxError(f"invalid {param}: Essie operator in {word!r} is not supported by the replay")
            else:
                out.append(("term", word[1:] if word.startswith("\\") else word))
    return out


def parse_essie(expr: str, param: str) -> Node:
    if ONLY_IDS_RE.match(expr):
        # A list of NCT IDs means any of them (commas included), as on the real API.
        ids = [_nct_id(i) for i in re.split(r"[\s,]+", expr.strip())]
        return ("or", [("term", _term_pattern(i, param)) for i in ids])
    toks = _tokens(expr, param)
    pos = 0

    def peek() -> str | None:
        return toks[pos][0] if pos < len(toks) else None

    def parse_or() -> Node:
        nonlocal pos
        items = [parse_and()]
        while peek() == "OR":
            pos += 1
            items.append(parse_and())
        return items[0] if len(items) == 1 else ("or", items)

    def parse_and() -> Node:
        nonlocal pos
        items = [parse_not()]
        while peek() in ("AND", "NOT", "term", "("):  # juxtaposition is AND
            if peek() == "AND":
                pos += 1
            items.append(parse_not())
        return items[0] if len(items) == 1 else ("and", items)

    def parse_not() -> Node:
        nonlocal pos
        kind = peek()
        if kind == "NOT":
            pos += 1
            return ("not", parse_not())
        if kind == "(":
            pos += 1
            inner = parse_or()
            if peek() != ")":
                raise EssieSyntaxError(f"invalid {param}: missing ')'")
            pos += 1
            return inner
        if kind == "term":
            pos += 1
            return ("term", _term_pattern(toks[pos - 1][1], param))
        raise EssieSyntaxError(f"invalid {param}: unexpected {toks[pos][1] if kind else 'end of query'!r}")

    node = parse_or()
    if pos != len(toks):
        raise EssieSyntaxError(f"invalid {param}: unexpected {toks[pos][1]!r}")
    return node


def evaluate(node: Node, index: DayIndex, components: tuple[str, ...], universe: set[int]) -> set[int]:
    kind, arg = node
    if kind == "term":
        rows: set[int] = set()
        for component in components:  # a term anywhere in the area, never across two fields
            rows |= index.texts[component].rows_matching(arg)  # type: ignore[arg-type]
        return rows
    if kind == "not":
        return universe - evaluate(arg, index, components, universe)  # type: ignore[arg-type]
    sets = [evaluate(child, index, components, universe) for child in arg]  # type: ignore[union-attr]
    return set.union(*sets) if kind == "or" else set.intersection(*sets)
