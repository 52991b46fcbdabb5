"""A readable line-level diff of eligibility criteria, and which sections it touched.

Criteria are Markdown typed by people: blank lines, trailing spaces, indentation and runs of
spaces carry no meaning, so lines are compared (and shown) with whitespace collapsed and blank
lines dropped. Anything else that differs is a change.
"""
from __future__ import annotations

import difflib
import re

_SPACES = re.compile(r"\s+")
SEPARATOR = {"op": " ", "line": "…"}  # between two distant groups of changed lines


def _lines(text: str | None) -> list[str]:
    return [_SPACES.sub(" ", line).strip() for line in (text or "").splitlines() if line.strip()]


def same_text(a: str | None, b: str | None) -> bool:
    return _lines(a) == _lines(b)


def line_diff(old: str | None, new: str | None, context: int = 1) -> list[dict[str, str]]:
    """Changed lines with `context` unchanged lines around them: [{op: ' '|'-'|'+', line}].

    Groups of changes far apart are separated by a {op: ' ', line: '…'} line.
    """
    out: list[dict[str, str]] = []
    old_lines, new_lines = _lines(old), _lines(new)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if out:
            out.append(dict(SEPARATOR))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                out.extend({"op": " ", "line": line} for line in old_lines[i1:i2])
            if tag in ("replace", "delete"):
                out.extend({"op": "-", "line": line} for line in old_lines[i1:i2])
            if tag in ("replace", "insert"):
                out.extend({"op": "+", "line": line} for line in new_lines[j1:j2])
    return out


def sections_changed(old: dict, new: dict) -> list[str]:
    """['inclusion'], ['exclusion'], both, or ['criteria'] when the text has no such sections
    (or only its unsectioned part changed)."""
    sections = [name for name in ("inclusion", "exclusion")
                if not same_text(old.get(f"{name}_criteria"), new.get(f"{name}_criteria"))]
    return sections or ["criteria"]
