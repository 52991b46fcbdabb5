"""`/studies` parameters, the search areas they query, running a query, and opaque page tokens.

The Essie expressions themselves are parsed and evaluated in essie.py. `query.cond` searches what
the real ConditionSearch area does as far as a snapshot shows it: conditions, keywords, condition
MeSH terms and their ancestors, and the brief and official titles (and acronym). Not imitated: the
real area's synonym expansion (essie.py says why).
"""
from __future__ import annotations

import base64
import hashlib
import re
from array import array
from dataclasses import dataclass

import orjson

from .essie import NCT_PARAM_RE, ONLY_IDS_RE, EssieSyntaxError, Node, evaluate, parse_essie
from .snapshots import MISSING, SORT_FIELDS, STATUS_CODE, DayIndex

DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE = 10, 1000
# query param -> search components of the index (see snapshots.COMPONENTS).
QUERY_AREAS = {
    "query.cond": ("conditions", "titles"),
    "query.term": ("conditions", "titles", "interventions", "summary"),
    "query.titles": ("titles",),
    "query.intr": ("interventions", "intervention_mesh"),
    "query.spons": ("lead_sponsor", "collaborators"),
    "query.lead": ("lead_sponsor",),
    "query.id": ("ids",),
}
_OTHER_PARAMS = {
    "format", "markupFormat", "filter.overallStatus", "filter.ids", "postFilter.overallStatus",
    "postFilter.ids", "pageSize", "pageToken", "countTotal", "sort",
}
# In the spec but not served by the replay: named as such in the 400, not "unknown".
SPEC_ONLY_PARAMS = {
    "query.locn", "query.outc", "query.patient", "filter.geo", "filter.advanced", "filter.synonyms",
    "postFilter.geo", "postFilter.advanced", "postFilter.synonyms", "aggFilters", "geoDecay", "fields",
}
_SORT_RE = re.compile(r"^(@relevance|[a-zA-Z][a-zA-Z0-9\-. ]*)(?::(asc|desc))?$")


class BadRequest(Exception):
    """Answered as 400 with the message as text/plain, like the real API."""


def check_params(params: dict[str, list[str]], allowed: set[str]) -> dict[str, str]:
    """One value per parameter, every name known; empty values count as absent."""
    out: dict[str, str] = {}
    for name, values in params.items():
        if name not in allowed:
            if name in SPEC_ONLY_PARAMS:
                raise BadRequest(f"parameter {name} is not supported by the replay")
            raise BadRequest(f"unknown parameter: {name}")
        if len(values) > 1:
            raise BadRequest(f"parameter {name} is given more than once")
        if values[0].strip():
            out[name] = values[0].strip()
    return out


def check_format(p: dict[str, str]) -> None:
    fmt = p.get("format", "json")
    if fmt == "csv":
        raise BadRequest("csv format is not supported by the replay")
    if fmt != "json":
        raise BadRequest(f"format {fmt!r} is not supported by the replay (json only)")
    if p.get("markupFormat", "markdown") != "markdown":
        raise BadRequest(f"markupFormat {p['markupFormat']!r} is not supported by the replay (markdown only)")


def parse_nct(value: str) -> int:
    m = NCT_PARAM_RE.match(value.strip())
    if not m:
        raise BadRequest(f"malformed NCT ID: {value!r}")
    return int(m.group(1))


@dataclass(frozen=True)
class StudiesQuery:
    queries: tuple[tuple[str, str], ...]      # (param, Essie expression)
    statuses: frozenset[str] | None
    ids: frozenset[int] | None
    sort: tuple[tuple[str, bool], ...]        # (field, descending)
    page_size: int
    page_token: str | None
    count_total: bool

    def fingerprint(self, day: str) -> str:
        """Hash of what must not change between pages (not countTotal/pageSize/pageToken)."""
        key = [day, self.queries, sorted(self.statuses or []), sorted(self.ids or []), self.sort]
        return hashlib.sha256(orjson.dumps(key)).hexdigest()[:16]


def _split_list(value: str) -> list[str]:
    return [v.strip() for v in re.split(r"[,|]", value) if v.strip()]


def parse_studies_params(params: dict[str, list[str]]) -> StudiesQuery:
    p = check_params(params, set(QUERY_AREAS) | _OTHER_PARAMS)
    check_format(p)
    queries = tuple((name, p[name]) for name in QUERY_AREAS if name in p)
    for name, expr in queries:
        _parse(expr, name)  # fail on syntax now, not on the first page that runs it
    statuses: set[str] | None = None
    for name in ("filter.overallStatus", "postFilter.overallStatus"):
        if name in p:
            values = set(_split_list(p[name]))
            bad = sorted(values - STATUS_CODE.keys())
            if bad:
                raise BadRequest(f"invalid value for {name}: {', '.join(bad)}")
            statuses = values if statuses is None else statuses & values
    ids: set[int] | None = None
    for name in ("filter.ids", "postFilter.ids"):
        if name in p:
            values = {parse_nct(v) for v in _split_list(p[name])}
            ids = values if ids is None else ids & values
    # Spec: "If any query parameter contains only NCT IDs ... filters are ignored."
    if any(ONLY_IDS_RE.match(expr) for _, expr in queries):
        statuses = ids = None
    return StudiesQuery(
        queries=queries,
        statuses=frozenset(statuses) if statuses is not None else None,
        ids=frozenset(ids) if ids is not None else None,
        sort=_parse_sort(p.get("sort", "")),
        page_size=_parse_page_size(p.get("pageSize")),
        page_token=p.get("pageToken"),
        count_total=_parse_bool("countTotal", p.get("countTotal", "false")),
    )


def _parse_sort(value: str) -> tuple[tuple[str, bool], ...]:
    items = _split_list(value)
    if len(items) > 2:
        raise BadRequest("sort accepts at most 2 items")
    out = []
    for item in items:
        m = _SORT_RE.match(item)
        if not m:
            raise BadRequest(f"invalid sort item: {item!r}")
        field, direction = m.group(1), m.group(2)
        if field != "@relevance" and field not in SORT_FIELDS:
            raise BadRequest(f"sort field {field} is not supported by the replay "
                             f"(supported: @relevance, {', '.join(SORT_FIELDS)})")
        # Spec defaults: date fields and @relevance descending, numeric fields ascending.
        default_desc = field == "@relevance" or SORT_FIELDS.get(field) == "date"
        out.append((field, default_desc if direction is None else direction == "desc"))
    return tuple(out)


def _parse_page_size(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE_SIZE
    if not re.match(r"^-?\d+$", value):
        raise BadRequest(f"pageSize must be an integer, got {value!r}")
    size = int(value)
    if size < 0:
        raise BadRequest(f"pageSize must be >= 0, got {size}")
    return DEFAULT_PAGE_SIZE if size == 0 else min(size, MAX_PAGE_SIZE)


def _parse_bool(name: str, value: str) -> bool:
    if value.lower() not in ("true", "false"):
        raise BadRequest(f"{name} must be true or false, got {value!r}")
    return value.lower() == "true"


# --- page tokens ---------------------------------------------------------------------------

def encode_token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{fingerprint}".encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
    except (ValueError, UnicodeDecodeError):
        raw = ""
    m = re.fullmatch(r"(\d{1,12}):([0-9a-f]{16})", raw)
    if not m:
        raise BadRequest(f"invalid pageToken: {token!r}")
    if m.group(2) != fingerprint:
        raise BadRequest("pageToken does not match the request: every page must repeat the first "
                         "page's parameters (all but countTotal, pageSize and pageToken)")
    return int(m.group(1))


def _parse(expr: str, param: str) -> Node:
    try:
        return parse_essie(expr, param)
    except EssieSyntaxError as exc:
        raise BadRequest(str(exc)) from None


def run_query(index: DayIndex, q: StudiesQuery) -> array:
    """Ordered rows of the day that answer the query (file order unless sorted)."""
    universe = set(range(len(index)))
    matched: set[int] | None = None
    for name, expr in q.queries:  # several query.* parameters combine with AND
        rows = evaluate(_parse(expr, name), index, QUERY_AREAS[name], universe)
        matched = rows if matched is None else matched & rows
    result = sorted(matched) if matched is not None else list(range(len(index)))
    if q.statuses is not None:
        codes = {STATUS_CODE[s] for s in q.statuses}
        result = [r for r in result if index.statuses[r] in codes]
    if q.ids is not None:
        wanted = {row for n in q.ids for row in (index.by_nct.get(n), index.aliases.get(n)) if row is not None}
        result = [r for r in result if r in wanted]
    fields = [(index.sort_keys[f], desc) for f, desc in q.sort if f != "@relevance"]
    if fields:
        # No relevance scores here: @relevance keeps file order. Missing values always last, in
        # either direction; the row number breaks ties so paging is deterministic.
        def key(row: int) -> tuple[int, ...]:
            parts: list[int] = []
            for column, desc in fields:
                v = column[row]
                parts += (1, 0) if v == MISSING else (0, -v if desc else v)
            parts.append(row)
            return tuple(parts)
        result.sort(key=key)
    return array("l", result)
