"""Split an API v2 `/studies` page into studies while keeping each study's exact bytes.

Re-serialising a parsed study would change whitespace, escapes and number formatting; the raw
layer keeps each record exactly as served, so each study's span is cut out of the page text
with the decoder's own end positions.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


class MalformedPageError(ValueError):
    """The body is not a well-formed API v2 page (truncated, not JSON, wrong shape)."""


@dataclass(frozen=True)
class ServedStudy:
    nct_id: str
    raw: bytes            # the study's JSON exactly as served
    record: dict[str, Any]

    @classmethod
    def from_bytes(cls, raw: bytes) -> ServedStudy:
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedPageError(f"study is not valid JSON: {exc}") from exc
        return cls(nct_id=_nct_id(record, 0), raw=raw, record=record)

    @property
    def served_sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True)
class StudiesPage:
    studies: list[ServedStudy]
    total_count: int | None
    next_page_token: str | None


def parse_studies_page(body: bytes) -> StudiesPage:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPageError(f"page is not UTF-8: {exc}") from exc
    try:
        return _parse(text)
    except (ValueError, IndexError) as exc:
        if isinstance(exc, MalformedPageError):
            raise
        raise MalformedPageError(f"page is not valid JSON (truncated?): {exc}") from exc


def _parse(text: str) -> StudiesPage:
    pos = _skip_ws(text, 0)
    if text[pos] != "{":
        raise MalformedPageError("page is not a JSON object")
    pos = _skip_ws(text, pos + 1)
    studies: list[ServedStudy] | None = None
    other: dict[str, Any] = {}
    while text[pos] != "}":
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if text[pos] != ":":
            raise MalformedPageError(f"expected ':' at offset {pos}")
        pos = _skip_ws(text, pos + 1)
        if key == "studies":
            studies, pos = _parse_studies(text, pos)
        else:
            other[key], pos = _DECODER.raw_decode(text, pos)
        pos = _skip_ws(text, pos)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif text[pos] != "}":
            raise MalformedPageError(f"expected ',' or '}}' at offset {pos}")
    if text[pos + 1:].strip(_WS):
        raise MalformedPageError("trailing data after the page object")
    if studies is None:
        raise MalformedPageError("page has no `studies` array")
    total = other.get("totalCount")
    if total is not None and (not isinstance(total, int) or total < 0):
        raise MalformedPageError(f"totalCount is not a non-negative integer: {total!r}")
    token = other.get("nextPageToken")
    if token is not None and not isinstance(token, str):
        raise MalformedPageError("nextPageToken is not a string")
    return StudiesPage(studies=studies, total_count=total, next_page_token=token or None)


def _parse_studies(text: str, pos: int) -> tuple[list[ServedStudy], int]:
    if text[pos] != "[":
        raise MalformedPageError("`studies` is not an array")
    out: list[ServedStudy] = []
    pos = _skip_ws(text, pos + 1)
    while text[pos] != "]":
        record, end = _DECODER.raw_decode(text, pos)
        if not isinstance(record, dict):
            raise MalformedPageError(f"studies[{len(out)}] is not an object")
        out.append(ServedStudy(nct_id=_nct_id(record, len(out)), raw=text[pos:end].encode("utf-8"), record=record))
        pos = _skip_ws(text, end)
        if text[pos] == ",":
            pos = _skip_ws(text, pos + 1)
        elif text[pos] != "]":
            raise MalformedPageError(f"expected ',' or ']' at offset {pos}")
    return out, pos + 1


def _nct_id(record: dict[str, Any], index: int) -> str:
    try:
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError):
        raise MalformedPageError(f"studies[{index}] has no protocolSection.identificationModule.nctId") from None
    if not isinstance(nct_id, str) or not nct_id:
        raise MalformedPageError(f"studies[{index}] has an invalid nctId {nct_id!r}")
    return nct_id


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    if pos >= n:
        raise MalformedPageError("page ends early (truncated body)")
    return pos
