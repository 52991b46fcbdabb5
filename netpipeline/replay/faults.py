"""Fault injection for the replay server.

A `Fault` fires on the (skip+1)-th .. (skip+times)-th request whose path ends with `path`
(`"/"`: every API request; times=-1: forever). `start`/`end` (ISO instants with an offset) narrow it to a window of the
server's clock (simulated when the replay runs on a simulated clock, else wall-clock UTC): only
requests inside the window count (from JSON, a window without `times` fires on every one of them;
in Python pass times=-1). `user_agent` (a regex searched in the User-Agent header) narrows it to matching
clients, like a firewall rule. Each armed fault counts matching requests on its own, so faults
compose: several can fire on one request. Then the delays of `slow` faults add up, the page
mutations (`wrong_total`, `missing_study`, `duplicate_study`) all apply, `refresh` republishes the
current data date first (a new data version: page tokens of the old one answer 400), and the first
firing fault that decides the delivery (`http_*`, `firewall`, `drop`, `truncate`) wins.
`firewall` answers 403 with an HTML page, as the site's firewall does; `malformed` answers 200 with a
complete body (right Content-Length) that is not valid JSON.
"""
from __future__ import annotations

import json
import re
import threading
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

from .clock import parse_instant

FAULT_KINDS = (
    "http_429", "http_500", "http_503", "slow", "drop", "truncate",
    "wrong_total", "missing_study", "duplicate_study", "firewall", "refresh", "malformed",
)
DELIVERY_KINDS = {"http_429", "http_500", "http_503", "firewall", "drop", "truncate", "malformed"}
PAGE_KINDS = {"wrong_total", "missing_study", "duplicate_study"}
HTTP_STATUS = {"http_429": 429, "http_500": 500, "http_503": 503, "firewall": 403}


@dataclass(frozen=True)
class Fault:
    kind: str
    path: str = "/studies"
    times: int = 1               # from JSON, a window without `times` means every request in it
    skip: int = 0
    retry_after: int | float | str | None = None
    delay_s: float = 0.0
    amount: int = 0
    start: str | None = None     # window on the server's clock, ISO with offset; start included
    end: str | None = None       # end excluded
    user_agent: str | None = None  # regex searched in the request's User-Agent

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
            raise ValueError("retry_after only applies to http_* and firewall faults")
        start, end = self.window()
        if start is not None and end is not None and end <= start:
            raise ValueError(f"fault window must end after it starts ({self.start} .. {self.end})")
        if self.user_agent is not None:
            try:
                re.compile(self.user_agent)
            except (re.error, TypeError) as exc:
                raise ValueError(f"fault user_agent must be a regular expression: {exc}") from None

    def window(self) -> tuple[datetime | None, datetime | None]:
        return (None if self.start is None else parse_instant(self.start, "fault start"),
                None if self.end is None else parse_instant(self.end, "fault end"))

    def applies(self, path: str, now: datetime, user_agent: str) -> bool:
        """Whether a request counts towards this fault (its path, the clock, the client)."""
        if self.path != "/" and not path.endswith(self.path):
            return False
        start, end = self.window()
        if (start is not None and now < start) or (end is not None and now >= end):
            return False
        return self.user_agent is None or re.search(self.user_agent, user_agent) is not None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Fault":
        if not isinstance(data, dict):
            raise ValueError(f"a fault must be a JSON object, got {data!r}")
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"unknown fault field(s): {', '.join(sorted(unknown))}")
        if "kind" not in data:
            raise ValueError("a fault needs a kind")
        if ("start" in data or "end" in data) and "times" not in data:
            data = {**data, "times": -1}  # a window means the whole window unless told otherwise
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
    refresh: bool = False
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

    def plan(self, path: str, now: datetime, user_agent: str = "") -> FaultPlan:
        plan = FaultPlan()
        with self._lock:
            for armed in self._armed:
                if not armed.fault.applies(path, now, user_agent) or not armed.fires():
                    continue
                f = armed.fault
                if f.kind == "slow":
                    plan.delay_s += f.delay_s
                elif f.kind == "refresh":
                    plan.refresh = True
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
