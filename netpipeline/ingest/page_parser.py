"""Split an API v2 `/studies` page into studies while keeping each study's exact bytes.

Re-serialising a parsed study would change whitespace, escapes and number formatting; the raw
layer keeps each record exactly as served, so each study's span is cut out of the page.

Two paths, one result:
- Fast path (the API's own layout: the spec puts every study object on a line of its own, and
  the replay serves exactly that): each line is parsed alone with orjson, straight from the
  bytes. A line that parses alone as a JSON object *is* the study starting there (an object
  ends at its matching brace, so no other prefix of the page can be valid), the separators
  between lines are checked to be whitespace and commas, and the envelope without the array
  (`{"totalCount":..,"studies":[],..}`) is parsed to check the rest of the page. Anything
  unexpected (another layout, NaN, bad UTF-8...) makes it give up, not guess. orjson reads
  integers beyond 64 bits as floats where json keeps an int, so a study with a run of 19+
  digits (almost always inside a string) is parsed with json instead.
- Reference path: the page decoded once and walked with `json.JSONDecoder.raw_decode`, which
  accepts every layout and produces the error messages. The fast path never accepts a page
  this path rejects, and returns the same studies, bytes and records when both accept.
Each study is parsed once, and what the raw layer needs from the parsed record (the content
hash, versionHolder, lastUpdatePostDate) is taken from it right there; the record itself is then
dropped, so a page holds its bytes and a few strings, not ~50 MB of Python objects (`record`
re-parses the bytes when someone asks). The cyclic garbage collector is paused meanwhile: the
records are acyclic, and collections over them cost more than the parse.
"""
from __future__ import annotations

import gc
import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from netpipeline.ingest.content_hash import content_hash

_DECODER = json.JSONDecoder()
_WS = " \t\n\r"


class MalformedPageError(ValueError):
    """The body is not a well-formed API v2 page (truncated, not JSON, wrong shape)."""


@dataclass(frozen=True)
class ServedStudy:
    nct_id: str
    raw: bytes                         # the study's JSON exactly as served
    content_hash: str                  # content_hash() of the parsed record (volatile fields ignored)
    version_holder: str | None         # derivedSection.miscInfoModule.versionHolder
    last_update_post_date: str | None  # protocolSection.statusModule.lastUpdatePostDateStruct.date

    @classmethod
    def from_bytes(cls, raw: bytes) -> ServedStudy:
        try:
            record = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise MalformedPageError(f"study is not valid JSON: {exc}") from exc
        return _served(_nct_id(record, 0), raw, record)

    @property
    def record(self) -> dict[str, Any]:
        """The parsed study (parsed again from `raw` on each access, with the reference decoder)."""
        return json.loads(self.raw)

    @property
    def served_sha256(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


def _served(nct_id: str, raw: bytes, record: dict[str, Any]) -> ServedStudy:
    status = record.get("protocolSection", {}).get("statusModule", {}) or {}
    misc = (record.get("derivedSection") or {}).get("miscInfoModule") or {}
    return ServedStudy(nct_id=nct_id, raw=raw, content_hash=content_hash(record),
                       version_holder=misc.get("versionHolder"),
                       last_update_post_date=(status.get("lastUpdatePostDateStruct") or {}).get("date"))


@dataclass(frozen=True)
class StudiesPage:
    studies: list[ServedStudy]
    total_count: int | None
    next_page_token: str | None


def parse_studies_page(body: bytes) -> StudiesPage:
    with gc_paused():
        page = _parse_fast(body)
        if page is not None:
            return page
        return _parse_reference(body)


def _parse_reference(body: bytes) -> StudiesPage:
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


_GC_LOCK = threading.Lock()
_GC_PAUSES = 0
_GC_WAS_ENABLED = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic GC (re-entrant, thread-safe); it is re-enabled when the last pause ends."""
    global _GC_PAUSES, _GC_WAS_ENABLED
    with _GC_LOCK:
        if _GC_PAUSES == 0:
            _GC_WAS_ENABLED = gc.isenabled()
            gc.disable()
        _GC_PAUSES += 1
    try:
        yield
    finally:
        with _GC_LOCK:
            _GC_PAUSES -= 1
            if _GC_PAUSES == 0 and _GC_WAS_ENABLED:
                gc.enable()


# orjson reads integers beyond 64 bits as floats where json keeps an int: a study with a run of
# 19+ digits (almost always inside a string) is parsed with the reference decoder instead.
_DIGITS_TO_ZERO = bytes(0x30 if 0x30 <= i <= 0x39 else 0x20 for i in range(256))
_LONG_DIGIT_RUN = b"0" * 19
_WS_BYTES = b" \t\n\r"
_LINE_END = b" \t\r"


def _skip_ws_bytes(body: bytes, pos: int) -> int:
    n = len(body)
    while pos < n and body[pos] in _WS_BYTES:
        pos += 1
    return pos


def _parse_fast(body: bytes) -> StudiesPage | None:
    """The page if it has the one-study-per-line layout, else None (see the module docstring)."""
    key = body.find(b'"studies"')
    if key < 0:
        return None
    pos = _skip_ws_bytes(body, key + 9)
    if body[pos:pos + 1] != b":":
        return None
    pos = _skip_ws_bytes(body, pos + 1)
    if body[pos:pos + 1] != b"[":
        return None
    array_start = pos + 1
    pos = _skip_ws_bytes(body, array_start)
    out: list[ServedStudy] = []
    loads, find, n = orjson.loads, body.find, len(body)
    digits = body.translate(_DIGITS_TO_ZERO)
    long_run = digits.find(_LONG_DIGIT_RUN, pos)
    while pos < n and body[pos] != 0x5D:  # "]"
        end = find(b"\n", pos)
        if end < 0:
            end = n
        while end > pos and body[end - 1] in _LINE_END:
            end -= 1
        if end > pos and body[end - 1] == 0x2C:  # a "," ends the line: it is a separator
            end -= 1
            while end > pos and body[end - 1] in _WS_BYTES:
                end -= 1
        raw = body[pos:end]
        try:
            if pos <= long_run < end:
                record = json.loads(raw)
            else:
                record = loads(raw)
        except (orjson.JSONDecodeError, ValueError, UnicodeDecodeError):
            return None
        while 0 <= long_run < end:
            long_run = digits.find(_LONG_DIGIT_RUN, long_run + 1)
        nct_id = _nct_id_or_none(record)
        if nct_id is None:
            return None  # not an object, or no valid nctId: the reference path says what is wrong
        out.append(_served(nct_id, raw, record))
        record = None
        pos = _skip_ws_bytes(body, end)
        if body[pos:pos + 1] == b",":
            pos = _skip_ws_bytes(body, pos + 1)
            if body[pos:pos + 1] == b"]":
                return None  # trailing comma: let the reference path reject it
        elif body[pos:pos + 1] != b"]":
            return None
    if pos >= n:
        return None
    try:
        envelope = loads(body[:array_start] + body[pos:])
    except orjson.JSONDecodeError:
        return None
    # The emptied array must be the top-level `studies`, and nothing else may hold an array.
    if not isinstance(envelope, dict) or envelope.get("studies") != [] or any(
            isinstance(v, (dict, list)) for k, v in envelope.items() if k != "studies"):
        return None
    total, token = envelope.get("totalCount"), envelope.get("nextPageToken")
    if total is not None and (not isinstance(total, int) or isinstance(total, bool) or total < 0):
        return None
    if token is not None and not isinstance(token, str):
        return None
    return StudiesPage(studies=out, total_count=total, next_page_token=token or None)


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
        out.append(_served(_nct_id(record, len(out)), text[pos:end].encode("utf-8"), record))
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


def _nct_id_or_none(record: Any) -> str | None:
    try:
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
    except (KeyError, TypeError, IndexError):
        return None
    return nct_id if isinstance(nct_id, str) and nct_id and isinstance(record, dict) else None


def _skip_ws(text: str, pos: int) -> int:
    n = len(text)
    while pos < n and text[pos] in _WS:
        pos += 1
    if pos >= n:
        raise MalformedPageError("page ends early (truncated body)")
    return pos
