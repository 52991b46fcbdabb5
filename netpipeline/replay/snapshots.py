"""Dated replay snapshots: find the days in a folder and index one day lazily.

A day is `<root>/YYYY-MM-DD/` holding `version.json` and `studies.jsonl` (one compact study per
line, exactly the bytes the API serves). A real day is ~300,000 studies / ~5 GB, so the index keeps
per study only what paging, filtering, sorting and searching need — byte offset and length, NCT
number, status code, sort keys, and normalised search text packed into one bytes blob per search
component — and the study bytes themselves are sliced from an mmap of the file when served.
"""
from __future__ import annotations

import mmap
import re
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable

import orjson

DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The `Status` enum of the OpenAPI spec; an index into it is stored per study (-1: absent/other).
STATUSES = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)
STATUS_CODE = {s: i for i, s in enumerate(STATUSES)}
# Sortable fields served by the replay, with their kind (which sets the spec's default direction).
SORT_FIELDS = {
    "LastUpdatePostDate": "date", "StudyFirstPostDate": "date",
    "StartDate": "date", "EnrollmentCount": "number",
}
MISSING = -(1 << 62)  # sort-key sentinel for "study has no value"
# Search components; query areas (query.py) are unions of these.
COMPONENTS = (
    "conditions", "titles", "interventions", "intervention_mesh", "summary",
    "lead_sponsor", "collaborators", "ids",
)
_NON_WORD = re.compile(r"[\W_]+")
_NCT_RE = re.compile(r"^NCT(\d{8})$")


class SnapshotError(Exception):
    """The snapshot folder breaks its contract (bad JSON line, duplicate or missing nctId...)."""


def normalise_text(value: str) -> str:
    """Lowercase words separated by single spaces: the form both index and query terms take,
    so a phrase is a plain substring search and punctuation never blocks a match."""
    return _NON_WORD.sub(" ", value.lower()).strip()


def nct_number(nct_id: str) -> int:
    return int(nct_id[3:])


class TextColumn:
    """One search component for every study: texts joined by newlines, plus each row's start.
    Built by appending to one bytearray: no per-study objects survive the indexing."""

    def __init__(self) -> None:
        self.starts = array("q")
        self.blob = bytearray()

    def append(self, text: bytes) -> None:
        if self.starts:
            self.blob += b"\n"
        self.starts.append(len(self.blob))
        self.blob += text

    def rows_matching(self, rx: re.Pattern[bytes]) -> set[int]:
        # One regex scan over the blob; after a hit jump to the next row, so each row costs at
        # most one search however often the term occurs in it.
        rows: set[int] = set()
        blob, starts, pos = self.blob, self.starts, 0
        while (m := rx.search(blob, pos)) is not None:
            row = bisect_right(starts, m.start()) - 1
            rows.add(row)
            if row + 1 >= len(starts):
                break
            pos = starts[row + 1]
        return rows


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _date_key(value: Any) -> int:
    # Partial dates (yyyy, yyyy-MM) sort as the first day of their period.
    if not isinstance(value, str) or not re.match(r"^\d{4}(-\d{2}){0,2}$", value):
        return MISSING
    parts = [int(p) for p in value.split("-")] + [1, 1]
    return parts[0] * 10000 + parts[1] * 100 + parts[2]


def _join(values: list[Any]) -> bytes:
    # " | " between field values keeps a phrase from matching across two values.
    texts = [normalise_text(v) for v in values if isinstance(v, str)]
    return " | ".join(t for t in texts if t).encode()


def _terms(items: Any, key: str) -> list[Any]:
    return [i.get(key) for i in items if isinstance(i, dict)] if isinstance(items, list) else []


def _search_texts(study: dict[str, Any]) -> dict[str, bytes]:
    ps = study.get("protocolSection") or {}
    ident = ps.get("identificationModule") or {}
    cond = ps.get("conditionsModule") or {}
    cbm = _get(study, "derivedSection", "conditionBrowseModule") or {}
    ibm = _get(study, "derivedSection", "interventionBrowseModule") or {}
    interventions = _get(ps, "armsInterventionsModule", "interventions") or []
    spons = ps.get("sponsorCollaboratorsModule") or {}
    other_names = [n for i in interventions if isinstance(i, dict) for n in i.get("otherNames") or []]
    return {
        # MeSH ancestors are searched like the real ConditionSearch area does: this is why a
        # melanoma trial matches "neuroendocrine".
        "conditions": _join((cond.get("conditions") or []) + (cond.get("keywords") or [])
                            + _terms(cbm.get("meshes"), "term") + _terms(cbm.get("ancestors"), "term")),
        "titles": _join([ident.get("briefTitle"), ident.get("officialTitle"), ident.get("acronym")]),
        "interventions": _join(_terms(interventions, "name") + other_names),
        "intervention_mesh": _join(_terms(ibm.get("meshes"), "term") + _terms(ibm.get("ancestors"), "term")),
        "summary": _join([_get(ps, "descriptionModule", "briefSummary")]),
        "lead_sponsor": _join([_get(spons, "leadSponsor", "name")]),
        "collaborators": _join(_terms(spons.get("collaborators"), "name")),
        "ids": _join([ident.get("nctId"), _get(ident, "orgStudyIdInfo", "id")]
                     + _terms(ident.get("secondaryIdInfos"), "id") + (ident.get("nctIdAliases") or [])),
    }


class DayIndex:
    """The index of one day's studies.jsonl; study bytes come from an mmap of the file."""

    def __init__(self, day: str, path: Path):
        self.day = day
        self.path = path
        self.signature = _signature(path)
        self.offsets, self.lengths = array("q"), array("q")
        self.nct_numbers, self.statuses = array("l"), array("b")
        self.sort_keys = {name: array("q") for name in SORT_FIELDS}
        self.by_nct: dict[int, int] = {}
        self.aliases: dict[int, int] = {}
        self.texts = {c: TextColumn() for c in COMPONENTS}
        with path.open("rb") as fh:
            offset = 0
            for lineno, raw in enumerate(fh, start=1):
                line = raw.rstrip(b"\r\n")
                start, offset = offset, offset + len(raw)
                if not line.strip():
                    continue
                self._add(lineno, start, line)
        with path.open("rb") as fh:
            # An empty file cannot be mmapped; an empty day still answers (with no studies).
            self._mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if self.offsets else None
        self._results: OrderedDict[str, array] = OrderedDict()
        self._results_lock = threading.Lock()

    def _add(self, lineno: int, start: int, line: bytes) -> None:
        try:
            study = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise SnapshotError(f"{self.path}:{lineno}: not valid JSON ({exc})") from None
        ident = _get(study, "protocolSection", "identificationModule") or {}
        nct = ident.get("nctId")
        if not isinstance(nct, str) or not _NCT_RE.match(nct):
            raise SnapshotError(f"{self.path}:{lineno}: missing or malformed nctId {nct!r}")
        number, row = nct_number(nct), len(self.offsets)
        if number in self.by_nct:
            raise SnapshotError(f"{self.path}:{lineno}: {nct} appears twice in the day")
        self.by_nct[number] = row
        for alias in ident.get("nctIdAliases") or []:
            if isinstance(alias, str) and _NCT_RE.match(alias):
                self.aliases[nct_number(alias)] = row
        self.offsets.append(start)
        self.lengths.append(len(line))
        self.nct_numbers.append(number)
        status = _get(study, "protocolSection", "statusModule", "overallStatus")
        self.statuses.append(STATUS_CODE.get(status, -1))
        sm = _get(study, "protocolSection", "statusModule") or {}
        self.sort_keys["LastUpdatePostDate"].append(_date_key(_get(sm, "lastUpdatePostDateStruct", "date")))
        self.sort_keys["StudyFirstPostDate"].append(_date_key(_get(sm, "studyFirstPostDateStruct", "date")))
        self.sort_keys["StartDate"].append(_date_key(_get(sm, "startDateStruct", "date")))
        count = _get(study, "protocolSection", "designModule", "enrollmentInfo", "count")
        ok = isinstance(count, int) and not isinstance(count, bool)
        self.sort_keys["EnrollmentCount"].append(count if ok else MISSING)
        for name, text in _search_texts(study).items():
            self.texts[name].append(text)

    def __len__(self) -> int:
        return len(self.offsets)

    def study_bytes(self, row: int) -> bytes:
        start = self.offsets[row]
        return self._mm[start:start + self.lengths[row]]

    def nct_id(self, row: int) -> str:
        return f"NCT{self.nct_numbers[row]:08d}"

    def cached_rows(self, key: str, compute: Callable[[], array]) -> array:
        """The ordered result rows of a query, cached: a pull pages through the same query."""
        with self._results_lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        rows = compute()
        with self._results_lock:
            self._results[key] = rows
            while len(self._results) > 32:
                self._results.popitem(last=False)
        return rows


def _signature(path: Path) -> tuple[int, int, int]:
    st = path.stat()
    return (st.st_ino, st.st_size, st.st_mtime_ns)


class SnapshotStore:
    """The days of a snapshot folder. Days are looked up on disk at each request (a generator may
    add days while the server runs) and an index is rebuilt when its file changes."""

    def __init__(self, root: Path, max_cached_days: int = 3):
        self.root = Path(root)
        self.max_cached_days = max_cached_days
        self._indexes: OrderedDict[str, DayIndex] = OrderedDict()
        self._lock = threading.Lock()

    def days(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if DAY_RE.match(p.name) and self.has_day(p.name))

    def latest(self) -> str | None:
        days = self.days()
        return days[-1] if days else None

    def has_day(self, day: str) -> bool:
        folder = self.root / day
        return bool(DAY_RE.match(day)) and (folder / "studies.jsonl").is_file() and (folder / "version.json").is_file()

    def version(self, day: str) -> dict[str, Any]:
        path = self.root / day / "version.json"
        try:
            version = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise SnapshotError(f"{path}: not valid JSON ({exc})") from None
        if not isinstance(version, dict) or not isinstance(version.get("apiVersion"), str):
            raise SnapshotError(f"{path}: must be an object with a string apiVersion")
        return version

    def get(self, day: str) -> DayIndex:
        """The day's index, built on first use (and again if studies.jsonl was replaced)."""
        path = self.root / day / "studies.jsonl"
        # Building under one lock: two first requests for a 5 GB day must not index it twice.
        with self._lock:
            index = self._indexes.get(day)
            if index is None or index.signature != _signature(path):
                index = DayIndex(day, path)
                self._indexes[day] = index
            self._indexes.move_to_end(day)
            while len(self._indexes) > self.max_cached_days:
                # Dropping the reference is enough: requests still holding the index keep its mmap.
                self._indexes.popitem(last=False)
            return index
