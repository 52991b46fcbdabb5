"""One subscriber of the subscriptions file validated: keys, values and places, each error saying where.

Semantics of each rule are documented in `netpipeline/digest/rules.py`; the vocabularies come
from their owners (`rule_vocabularies.py`).
"""
from __future__ import annotations

import re
from typing import Any

from netpipeline.changes.event_types import EVENT_TYPES
from netpipeline.digest.cadence import WEEKDAYS
from netpipeline.digest.places import PlaceError, resolve_place
from netpipeline.digest.rule_vocabularies import (
    EVENT_GROUPS, NET_SUBTYPES, SPONSOR_CLASSES, STATUSES, mechanism_class_codes,
)
from netpipeline.digest.subscriber import Place, Rules, Subscriber
from netpipeline.digest.subscription_errors import SubscriptionsError, check_keys, did_you_mean, type_name

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


class SubscriberParser:
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
            raise self.fail(None, f"expected a mapping with id, email, name, got {type_name(raw)}")
        sid = raw.get("id")
        if not isinstance(sid, str) or not _ID_RE.match(sid):
            raise self.fail("id", f"expected a slug (lower-case letters, digits, '-', '_'), got {sid!r}")
        self.who = f"subscriber '{sid}' (#{self.position})"
        check_keys(raw, SUBSCRIBER_KEYS, lambda msg: str(self.fail(None, msg)))
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
            raise self.fail("rules", f"expected a mapping, got {type_name(rules_raw)}")
        check_keys(rules_raw, RULE_KEYS, lambda msg: str(self.fail("rules", msg)))
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
            raise self.fail("cadence", f"unknown weekday {value['weekly']!r}{did_you_mean(day, WEEKDAYS)}; "
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
            raise self.fail(f"rules.{key}", f"expected a list, got {type_name(value)}")
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
            raise self.fail(f"rules.{key}", f"expected a string, got {type_name(value)} {value!r}")
        norm = re.sub(r"[\s,-]+", "_", value.strip())
        norm = norm.upper() if upper else norm.lower()
        if norm not in allowed:
            raise self.fail(f"rules.{key}", f"unknown value {value!r}{did_you_mean(norm, allowed)}; "
                                            f"expected one of: {', '.join(allowed)}")
        return norm

    def phase(self, value: Any) -> frozenset[str]:
        """'Phase 2', '2', 'PHASE2', 2, '2/3', 'Phase 1/2', 'Early Phase 1', 'NA' -> API enums."""
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise self.fail("rules.phases", f"expected a phase like 'Phase 2' or '2/3', got {type_name(value)}")
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
            raise self.fail(key, f"expected true or false, got {type_name(value)} {value!r}")
        return value

    def place(self, index: int, value: Any) -> Place:
        """{place: "Lyon, France", radius_km: 50} (resolved offline, places.py) or {lat, lon, radius_km}."""
        key = f"rules.near[{index}]"
        if not isinstance(value, dict):
            raise self.fail(key, f"expected a mapping with place (or lat, lon) and radius_km, got {type_name(value)}")
        check_keys(value, PLACE_KEYS, lambda msg: str(self.fail(key, msg)))
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
                raise self.fail(f"{key}.{k}", f"expected a number, got {type_name(v)} {v!r}")
            nums[k] = float(v)
        if not -90 <= nums["lat"] <= 90:
            raise self.fail(f"{key}.lat", f"latitude {value['lat']} out of range -90..90")
        if not -180 <= nums["lon"] <= 180:
            raise self.fail(f"{key}.lon", f"longitude {value['lon']} out of range -180..180")
        if nums["radius_km"] <= 0:
            raise self.fail(f"{key}.radius_km", f"radius must be > 0 km, got {value['radius_km']}")
        return Place(label=(label or f"place {index}").strip(), **nums)
