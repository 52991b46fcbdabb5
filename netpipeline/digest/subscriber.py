"""A subscriber and their validated rules, as the digest reads them.

Semantics of each rule are documented in `netpipeline/digest/rules.py`; the file that holds
them is read and validated by `subscriptions.py`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from netpipeline.changes.event_types import EVENT_TYPES
from netpipeline.digest.cadence import WEEKDAYS

DEFAULT_PHASES = frozenset({"PHASE2", "PHASE3", "PHASE4"})
DEFAULT_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})
DEFAULT_SPONSOR_CLASSES = frozenset({"INDUSTRY", "OTHER", "NIH", "FED", "OTHER_GOV", "NETWORK"})


@dataclass(frozen=True)
class Place:
    label: str
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Rules:
    """Validated rules; None means "no restriction" for that key."""
    phases: frozenset[str] | None = DEFAULT_PHASES
    statuses: frozenset[str] | None = DEFAULT_STATUSES
    sponsor_classes: frozenset[str] | None = DEFAULT_SPONSOR_CLASSES
    net_subtypes: frozenset[str] | None = None
    mechanism_classes: frozenset[str] | None = None
    drugs: tuple[str, ...] | None = None          # lower-cased
    sponsors: tuple[str, ...] | None = None       # lower-cased
    watchlist: frozenset[str] = frozenset()
    countries: frozenset[str] | None = None       # lower-cased, aliases resolved
    near: tuple[Place, ...] = ()
    event_types: frozenset[str] = frozenset(EVENT_TYPES)
    only_net: bool = True


@dataclass(frozen=True)
class Subscriber:
    id: str
    email: str
    name: str
    rules: Rules = field(default_factory=Rules)
    send_when_empty: bool = False
    weekly_on: int | None = None      # None: daily; else the weekday (0 = Monday) of a weekly digest

    @property
    def cadence(self) -> str:
        return "daily" if self.weekly_on is None else f"weekly on {WEEKDAYS[self.weekly_on].capitalize()}"
