"""Subscribers and their rules, loaded from YAML and validated up front.

The file is edited by hand by people who are not engineers, so every error names the file, the
subscriber (id, or position when the id itself is the problem), the field and what is wrong,
with a did-you-mean for misspelt keys and values. A bad file must fail the run loudly rather
than silently mail somebody the wrong trials.

Semantics of each rule are documented in `netpipeline/digest/rules.py`.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netpipeline.changes.event_types import EVENT_TYPES
from netpipeline.digest.cadence import WEEKDAYS
from netpipeline.digest.places import PlaceError, resolve_place
from netpipeline.normalise.api_enums import API_ENUMS
from netpipeline.normalise.enrich.drugs import mechanism_classes
from netpipeline.normalise.enrich.net_terms import SUBTYPE_CODES

# The vocabularies belong to the stages that produce the values; the file is validated against
# them, so a subtype or mechanism class added there is accepted here at once.
PHASES = API_ENUMS["Phase"]
STATUSES = API_ENUMS["Status"]
SPONSOR_CLASSES = API_ENUMS["AgencyClass"]
NET_SUBTYPES = SUBTYPE_CODES


def mechanism_class_codes() -> tuple[str, ...]:
    """The mechanism classes of the drug taxonomy (drug_taxonomy.yaml), read when a file is validated."""
    return tuple(mechanism_classes())


# The digest's own vocabulary: how event types are grouped for `event_types` (every type of
# changes/event_types.py belongs to one group; a test checks it).
EVENT_GROUPS: dict[str, tuple[str, ...]] = {
    "new_trial": ("new_trial",),
    "status": ("status_changed", "left_scope"),
    "scope": ("entered_scope", "reclassified"),
    "sites": ("site_added", "site_removed", "site_status_changed"),
    "eligibility": ("eligibility_changed",),
    "dates": ("date_changed",),
    "results": ("results_posted",),
    "phase": ("phase_changed",),
    "enrollment": ("enrollment_changed",),
    "design": ("intervention_added", "intervention_removed", "arm_added", "arm_removed"),
    "sponsor": ("sponsor_changed",),
    "title": ("title_changed",),
}

DEFAULT_PHASES = frozenset({"PHASE2", "PHASE3", "PHASE4"})
DEFAULT_STATUSES = frozenset({"RECRUITING", "NOT_YET_RECRUITING", "ENROLLING_BY_INVITATION"})
DEFAULT_SPONSOR_CLASSES = frozenset({"INDUSTRY", "OTHER", "NIH", "FED", "OTHER_GOV", "NETWORK"})

# Short names people type for the countries ClinicalTrials.gov spells out.
COUNTRY_ALIASES = {"usa": "united states", "us": "united states", "u.s.": "united states",
                   "uk": "united kingdom", "korea": "korea, republic of", "south korea": "korea, republic of"}

SUBSCRIBER_KEYS = ("id", "email", "name", "rules", "send_when_empty", "cadence")
RULE_KEYS = ("phases", "statuses", "sponsor_classes", "net_subtypes", "mechanism_classes", "drugs",
             "sponsors", "watchlist", "countries", "near", "event_types", "only_net", "send_when_empty")
PLACE_KEYS = ("place", "label", "lat", "lon", "radius_km")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_NCT_RE = re.compile(r"^NCT\d{8}$")
# Deliberately simple: catches typos and header-injection attempts, not RFC 5322 in full.
_EMAIL_RE = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


class SubscriptionsError(ValueError):
    """The subscriptions file is missing, unreadable or invalid; the message says where."""


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


def load_subscriptions(path: str | Path) -> list[Subscriber]:
    """Read and validate the subscriptions file (the caller names it: NETPIPELINE_SUBSCRIPTIONS)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SubscriptionsError(f"{path}: subscriptions file not found (set NETPIPELINE_SUBSCRIPTIONS)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SubscriptionsError(f"{path}: cannot read subscriptions file: {exc}") from None
    return parse_subscriptions(text, source=str(path))


def parse_subscriptions(text: str, source: str = "<subscriptions>") -> list[Subscriber]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SubscriptionsError(f"{source}: invalid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise SubscriptionsError(f"{source}: expected a mapping with 'version: 1' and 'subscribers'")
    _check_keys(doc, ("version", "subscribers"), lambda msg: f"{source}: {msg}")
    if doc.get("version") != 1:
        raise SubscriptionsError(f"{source}: field 'version': expected 1, got {doc.get('version')!r}")
    raw_subs = doc.get("subscribers")
    if not isinstance(raw_subs, list):
        raise SubscriptionsError(f"{source}: field 'subscribers': expected a list, got {_tname(raw_subs)}")
    subscribers: list[Subscriber] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_subs, start=1):
        sub = _Parser(source, position, raw).subscriber()
        if sub.id in seen:
            raise SubscriptionsError(f"{source}: subscriber '{sub.id}' (#{position}): field 'id': "
                                     f"duplicate id, already used by subscriber #{seen[sub.id]}")
        seen[sub.id] = position
        subscribers.append(sub)
    return subscribers


class _Parser:
    """Validates one subscriber; knows where it is so every message can say so."""

    def __init__(self, source: str, position: int, raw: Any):
        self.source, self.position, self.raw = source, position, raw
        self.who = f"subscriber #{position}"

    def fail(self, fieldname: str | None, problem: str) -> SubscriptionsError:
        where = f"field '{fieldname}': " if fieldname else ""
        return SubscriptionsError(f"{self.source}: {self.who}: {where}{problem}")

    def subscriber(self) -> Subscriber:
        raw = self.raw
        if not isinstance(raw, dict):
            raise self.fail(None, f"expected a mapping with id, email, name, got {_tname(raw)}")
        sid = raw.get("id")
        if not isinstance(sid, str) or not _ID_RE.match(sid):
            raise self.fail("id", f"expected a slug (lower-case letters, digits, '-', '_'), got {sid!r}")
        self.who = f"subscriber '{sid}' (#{self.position})"
        _check_keys(raw, SUBSCRIBER_KEYS, lambda msg: str(self.fail(None, msg)))
        email = raw.get("email")
        if not isinstance(email, str) or not _EMAIL_RE.match(email):
            raise self.fail("email", f"not a valid e-mail address: {email!r}")
        name = raw.get("name", sid)
        if not isinstance(name, str) or not name.strip():
            raise self.fail("name", f"expected a non-empty string, got {name!r}")
        if any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise self.fail("name", "must not contain line breaks or control characters")
        rules_raw = raw.get("rules")
        rules_raw = {} if rules_raw is None else rules_raw
        if not isinstance(rules_raw, dict):
            raise self.fail("rules", f"expected a mapping, got {_tname(rules_raw)}")
        _check_keys(rules_raw, RULE_KEYS, lambda msg: str(self.fail("rules", msg)))
        # send_when_empty is a delivery choice, but the brief lists it among the rules; accept both.
        swe = [self.boolean(scope, d["send_when_empty"]) for scope, d in
               (("send_when_empty", raw), ("rules.send_when_empty", rules_raw)) if "send_when_empty" in d]
        if len(set(swe)) > 1:
            raise self.fail("send_when_empty", "given both at subscriber level and in rules with different values")
        return Subscriber(id=sid, email=email, name=name.strip(), rules=self.rules(rules_raw),
                          send_when_empty=swe[0] if swe else False, weekly_on=self.cadence(raw.get("cadence", "daily")))

    def cadence(self, value: Any) -> int | None:
        """'daily' (default) or {weekly: <weekday>} -> None or the weekday number."""
        if isinstance(value, str) and value.strip().lower() == "daily":
            return None
        if isinstance(value, dict) and list(value) == ["weekly"] and isinstance(value["weekly"], str):
            day = value["weekly"].strip().lower()
            if day in WEEKDAYS:
                return WEEKDAYS.index(day)
            raise self.fail("cadence", f"unknown weekday {value['weekly']!r}{_did_you_mean(day, WEEKDAYS)}; "
                                       f"expected one of: {', '.join(WEEKDAYS)}")
        raise self.fail("cadence", f"expected 'daily' or 'weekly: <weekday>' (e.g. weekly: monday), got {value!r}")

    def rules(self, r: dict) -> Rules:
        kw: dict[str, Any] = {}
        if "phases" in r:
            kw["phases"] = self.anyable("phases", r["phases"], self.phase)
        if "statuses" in r:
            kw["statuses"] = self.anyable("statuses", r["statuses"], lambda v: self.choice("statuses", v, STATUSES, upper=True))
        if "sponsor_classes" in r:
            kw["sponsor_classes"] = self.anyable("sponsor_classes", r["sponsor_classes"],
                                                 lambda v: self.choice("sponsor_classes", v, SPONSOR_CLASSES, upper=True))
        if "net_subtypes" in r:
            kw["net_subtypes"] = frozenset(self.choice("net_subtypes", v, NET_SUBTYPES) for v in self.items("net_subtypes", r["net_subtypes"]))
        if "mechanism_classes" in r:
            codes = mechanism_class_codes()
            kw["mechanism_classes"] = frozenset(self.choice("mechanism_classes", v, codes)
                                                for v in self.items("mechanism_classes", r["mechanism_classes"]))
        for key in ("drugs", "sponsors"):
            if key in r:
                kw[key] = tuple(self.text(key, v).lower() for v in self.items(key, r[key]))
        if "countries" in r:
            names = (self.text("countries", v).lower() for v in self.items("countries", r["countries"]))
            kw["countries"] = frozenset(COUNTRY_ALIASES.get(n, n) for n in names)
        if "watchlist" in r:
            kw["watchlist"] = frozenset(self.nct(v) for v in self.items("watchlist", r["watchlist"], allow_empty=True))
        if "near" in r:
            kw["near"] = tuple(self.place(i, v) for i, v in enumerate(self.items("near", r["near"], allow_empty=True), 1))
        if "event_types" in r:
            types: set[str] = set()
            for v in self.items("event_types", r["event_types"]):
                if isinstance(v, str) and v.strip().lower() in EVENT_TYPES:
                    types.add(v.strip().lower())  # single event types are accepted too
                else:
                    types.update(EVENT_GROUPS[self.choice("event_types", v, tuple(EVENT_GROUPS))])
            kw["event_types"] = frozenset(types)
        if "only_net" in r:
            kw["only_net"] = self.boolean("rules.only_net", r["only_net"])
        return Rules(**kw)

    # -- value parsers -------------------------------------------------------------------
    def items(self, key: str, value: Any, allow_empty: bool = False) -> list:
        if not isinstance(value, list):
            raise self.fail(f"rules.{key}", f"expected a list, got {_tname(value)}")
        if not value and not allow_empty:
            raise self.fail(f"rules.{key}", "empty list; leave the key out for no restriction")
        return value

    def anyable(self, key: str, value: Any, parse) -> frozenset[str] | None:
        if isinstance(value, str) and value.strip().lower() == "any":
            return None
        out: set[str] = set()
        for v in self.items(key, value):
            parsed = parse(v)
            out.update(parsed if isinstance(parsed, (set, frozenset)) else {parsed})
        return frozenset(out)

    def choice(self, key: str, value: Any, allowed: tuple[str, ...], upper: bool = False) -> str:
        if not isinstance(value, str):
            raise self.fail(f"rules.{key}", f"expected a string, got {_tname(value)} {value!r}")
        norm = re.sub(r"[\s,-]+", "_", value.strip())
        norm = norm.upper() if upper else norm.lower()
        if norm not in allowed:
            raise self.fail(f"rules.{key}", f"unknown value {value!r}{_did_you_mean(norm, allowed)}; "
                                            f"expected one of: {', '.join(allowed)}")
        return norm

    def phase(self, value: Any) -> frozenset[str]:
        """'Phase 2', '2', 'PHASE2', 2, '2/3', 'Phase 1/2', 'Early Phase 1', 'NA' -> API enums."""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail("rules.phases", f"expected a phase like 'Phase 2' or '2/3', got {_tname(value)}")
        s = str(value).strip().upper().replace("_", " ")
        if s in ("NA", "N/A", "NOT APPLICABLE", "OBSERVATIONAL"):
            return frozenset({"NA"})
        out = set()
        for part in s.split("/"):
            part = re.sub(r"\s+", "", part.replace("PHASE", ""))
            if part in ("1", "2", "3", "4"):
                out.add(f"PHASE{part}")
            elif part in ("EARLY1", "EARLY", "0"):
                out.add("EARLY_PHASE1")
            else:
                raise self.fail("rules.phases", f"unknown phase {value!r}; expected e.g. 'Phase 2', '2', "
                                                "'PHASE3', '2/3', 'Early Phase 1', 'NA' or 'any'")
        return frozenset(out)

    def text(self, key: str, value: Any) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"rules.{key}", f"expected a non-empty string, got {value!r}")
        return value.strip()

    def nct(self, value: Any) -> str:
        s = value.strip().upper() if isinstance(value, str) else value
        if not isinstance(s, str) or not _NCT_RE.match(s):
            raise self.fail("rules.watchlist", f"bad NCT ID {value!r}; expected 'NCT' followed by 8 digits")
        return s

    def boolean(self, key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise self.fail(key, f"expected true or false, got {_tname(value)} {value!r}")
        return value

    def place(self, index: int, value: Any) -> Place:
        """{place: "Lyon, France", radius_km: 50} (resolved offline, places.py) or {lat, lon, radius_km}."""
        key = f"rules.near[{index}]"
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping with place (or lat, lon) and radius_km, got {_tname(value)}")
        _check_keys(value, PLACE_KEYS, lambda msg: str(self.fail(key, msg)))
        if "place" in value and ("lat" in value or "lon" in value):
            raise self.fail(key, "give either place or lat/lon, not both")
        label = value.get("label")
        if label is not None and (not isinstance(label, str) or any(ord(c) < 32 for c in label)):
            raise self.fail(f"{key}.label", f"expected a one-line string, got {label!r}")
        nums = {}
        if "place" in value:
            name = value["place"]
            if not isinstance(name, str) or not name.strip():
                raise self.fail(f"{key}.place", f"expected a place name like 'Lyon, France', got {name!r}")
            try:
                found = resolve_place(name)
            except PlaceError as exc:
                raise self.fail(f"{key}.place", str(exc)) from None
            nums["lat"], nums["lon"] = found.lat, found.lon
            label = label or found.label
        for k in ("radius_km",) if "place" in value else ("lat", "lon", "radius_km"):
            v = value.get(k)
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise self.fail(f"{key}.{k}", f"expected a number, got {_tname(v)} {v!r}")
            nums[k] = float(v)
        if not -90 <= nums["lat"] <= 90:
            raise self.fail(f"{key}.lat", f"latitude {value['lat']} out of range -90..90")
        if not -180 <= nums["lon"] <= 180:
            raise self.fail(f"{key}.lon", f"longitude {value['lon']} out of range -180..180")
        if nums["radius_km"] <= 0:
            raise self.fail(f"{key}.radius_km", f"radius must be > 0 km, got {value['radius_km']}")
        return Place(label=(label or f"place {index}").strip(), **nums)


def _check_keys(mapping: dict, allowed: tuple[str, ...], wrap) -> None:
    for key in mapping:
        if key not in allowed:
            raise SubscriptionsError(wrap(f"unknown key {key!r}{_did_you_mean(str(key), allowed)}; "
                                          f"allowed: {', '.join(allowed)}"))


def _did_you_mean(word: str, options: tuple[str, ...]) -> str:
    lower = {o.lower(): o for o in options}
    close = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f" (did you mean {lower[close[0]]!r}?)" if close else ""


def _tname(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)
