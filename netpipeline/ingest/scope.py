"""The versioned query configuration that defines the NET trial universe (net_scope.yaml)."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml


class ScopeError(ValueError):
    """The scope file is missing or malformed."""


@dataclass(frozen=True)
class Scope:
    name: str
    version: str
    condition_terms: tuple[str, ...]
    page_size: int = 1000
    sort: str = "StudyFirstPostDate:asc"
    extra_params: dict[str, str] = field(default_factory=dict)

    def query_params(self) -> dict[str, str]:
        """The /studies parameters every page of the pull repeats (paging ones excluded)."""
        params: dict[str, str] = {"format": "json", "markupFormat": "markdown"}
        if self.condition_terms:
            params["query.cond"] = " OR ".join(_quote(t) for t in self.condition_terms)
        if self.sort:
            params["sort"] = self.sort
        params.update(self.extra_params)
        return params


def _quote(term: str) -> str:
    return f'"{term}"' if any(c.isspace() or c == "-" for c in term) else term


def load_scope(path: str | Path) -> Scope:
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ScopeError(f"scope file {path} does not exist") from exc
    except yaml.YAMLError as exc:
        raise ScopeError(f"scope file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScopeError(f"scope file {path}: expected a mapping at the top level")
    return _parse(raw, path)


def _parse(raw: dict[str, Any], path: Path) -> Scope:
    known = {"name", "version", "description", "condition_terms", "page_size", "sort", "extra_params"}
    unknown = set(raw) - known
    if unknown:
        raise ScopeError(f"scope file {path}: unknown key(s) {sorted(unknown)}; known: {sorted(known)}")
    for key in ("name", "version"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise ScopeError(f"scope file {path}: `{key}` must be a non-empty string")
    terms = raw.get("condition_terms", [])
    if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
        raise ScopeError(f"scope file {path}: `condition_terms` must be a list of non-empty strings")
    page_size = raw.get("page_size", 1000)
    if not isinstance(page_size, int) or not 1 <= page_size <= 1000:
        raise ScopeError(f"scope file {path}: `page_size` must be an integer from 1 to 1000 (the API's maximum)")
    extra = raw.get("extra_params", {}) or {}
    if not isinstance(extra, dict) or any(k in {"pageToken", "pageSize", "countTotal"} for k in extra):
        raise ScopeError(f"scope file {path}: `extra_params` must be a mapping without paging parameters")
    return Scope(
        name=raw["name"].strip(),
        version=raw["version"].strip(),
        condition_terms=tuple(t.strip() for t in terms),
        page_size=page_size,
        sort=str(raw.get("sort", "") or ""),
        extra_params={str(k): str(v) for k, v in extra.items()},
    )
