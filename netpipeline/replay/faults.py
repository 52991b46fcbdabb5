"""Fault injection for the replay server.

A `Fault` fires on the (skip+1)-th .. (skip+times)-th request whose path ends with `path`
(times=-1: forever). Each armed fault counts matching requests on its own, so faults compose:
several can fire on one request. Then the delays of `slow` faults add up, the page mutations
(`wrong_total`, `missing_study`, `duplicate_study`) all apply, and the first firing fault that
decides the delivery (`http_*`, `drop`, `truncate`) wins.
"""
from __future__ import annotations

import json
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any

FAULT_KINDS = (
    "http_429", "http_500", "http_503", "slow", "drop", "truncate",
    "wrong_total", "missing_study", "duplicate_study",
)
DELIVERY_KINDS = {"http_429", "http_500", "http_503", "drop", "truncate"}
PAGE_KINDS = {"wrong_total", "missing_study", "duplicate_study"}
HTTP_STATUS = {"http_429": 429, "http_500": 500, "http_503": 503}


@dataclass(frozen=True)
class Fault:
    kind: str
    path: str = "/studies"
    times: int = 1
    skip: int = 0
    retry_after: int | float | str | None = None
    delay_s: float = 0.0
    amount: int = 0

    def __post_init__(self) -> None:
        # Reject faults that could never do anything: a test relying on them would pass vacuously.
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r} (known: {', '.join(FAULT_KINDS)})")
        if not isinstance(self.path, str) or not self.path.startswith("/"):
            raise ValueError(f"fault path must start with '/', got {self.path!r}")
        if not _is_int(self.times) or not (self.times == -1 or self.times >= 1):
            raise ValueError(f"fault times must be -1 (forever) or >= 1, got {self.times!r}")
        if not _is_int(self.skip) or self.skip < 0:
            raise ValueError(f"fault skip must be >= 0, got {self.skip!r}")
        if self.kind == "slow" and not (isinstance(self.delay_s, (int, float)) and self.delay_s > 0):
            raise ValueError("a slow fault needs delay_s > 0")
        if self.kind == "wrong_total" and (not _is_int(self.amount) or self.amount == 0):
            raise ValueError("a wrong_total fault needs a non-zero integer amount")
        if self.retry_after is not None and self.kind not in HTTP_STATUS:
            raise ValueError("retry_after only applies to http_* faults")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Fault":
        if not isinstance(data, dict):
            raise ValueError(f"a fault must be a JSON object, got {data!r}")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        return cls(**data)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def retry_after_header(self) -> str | None:
        if self.retry_after is None:
            return None
        if isinstance(self.retry_after, float) and self.retry_after.is_integer():
            return str(int(self.retry_after))
        return str(self.retry_after)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_faults(value: str | bytes | list[Any] | dict[str, Any]) -> list[Fault]:
    """Faults from JSON text or decoded JSON: a list of fault objects, or a single one."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"faults are not valid JSON: {exc}") from None
    items = value if isinstance(value, list) else [value]
    return [Fault.from_dict(item) for item in items]


@dataclass
class FaultPlan:
    """What the faults firing on one request do to it."""
    delay_s: float = 0.0
    delivery: Fault | None = None
    page: list[Fault] = field(default_factory=list)
    fired: list[Fault] = field(default_factory=list)


@dataclass
class _Armed:
    fault: Fault
    seen: int = 0

    def fires(self) -> bool:
        self.seen += 1
        n, f = self.seen, self.fault
        return n > f.skip and (f.times == -1 or n <= f.skip + f.times)


class FaultBook:
    """The armed faults of a server, with their request counters (thread-safe)."""

    def __init__(self, faults: list[Fault] | None = None):
        self._lock = threading.Lock()
        self._armed: list[_Armed] = []
        self.add(faults or [])

    def add(self, faults: list[Fault]) -> None:
        for f in faults:
            if not isinstance(f, Fault):
                raise TypeError(f"expected Fault, got {type(f).__name__}")
        with self._lock:
            self._armed.extend(_Armed(f) for f in faults)

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def state(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{**a.fault.to_dict(), "seen": a.seen} for a in self._armed]

    def plan(self, path: str) -> FaultPlan:
        plan = FaultPlan()
        with self._lock:
            for armed in self._armed:
                if not path.endswith(armed.fault.path) or not armed.fires():
                    continue
                f = armed.fault
                if f.kind == "slow":
                    plan.delay_s += f.delay_s
                elif f.kind in PAGE_KINDS:
                    plan.page.append(f)
                elif plan.delivery is not None:
                    continue  # counted, but a response can only be delivered one way
                else:
                    plan.delivery = f
                plan.fired.append(f)
        return plan


def mutate_page(studies: list[bytes], total: int | None, faults: list[Fault]) -> tuple[list[bytes], int | None]:
    """Apply page faults to a page's study bytes and totalCount (None when not on the page)."""
    studies = list(studies)
    for f in faults:
        if f.kind == "wrong_total" and total is not None:
            total += f.amount
        elif f.kind == "missing_study" and studies:
            studies.pop()  # the last one: the page still carries its nextPageToken
        elif f.kind == "duplicate_study" and studies:
            studies.append(studies[0])
    return studies, total
