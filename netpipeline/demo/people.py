"""Fictitious people and contact details for the demo records.

Names are drawn from seeded generators so the same trial always gets the same investigators;
phone numbers use the 555-01xx fiction range in North America and emails use example domains,
so no record points at a real person.
"""
from __future__ import annotations

import random
import re

FIRST_NAMES = (
    "Anna", "David", "Maria", "James", "Sofia", "Thomas", "Elena", "Michael", "Laura", "Daniel", "Claire",
    "Marco", "Hannah", "Lucas", "Yuki", "Min-Jun", "Wei", "Priya", "Ahmed", "Ingrid", "Pierre", "Katarina",
    "Jonas", "Isabel", "Rafael", "Mei", "Olivia", "Samuel", "Nadia", "Erik", "Giulia", "Hiroshi", "Ji-woo",
    "Lars", "Fatima", "Carlos", "Rebecca", "Arjun", "Helena", "Martin",
)
LAST_NAMES = (
    "Albers", "Brennan", "Castellano", "Dufresne", "Eriksen", "Fontaine", "Galloway", "Hartmann", "Ishikawa",
    "Jansen", "Kowalczyk", "Lindqvist", "Moreau", "Nakamura", "Okafor", "Petrov", "Quintero", "Rasmussen",
    "Schreiber", "Tanaka", "Underwood", "Vasquez", "Whitfield", "Xu", "Yilmaz", "Zimmermann", "Abernathy",
    "Bianchi", "Chen", "Delgado", "Engel", "Fischer", "Greco", "Haddad", "Iversen", "Kim", "Lam", "Mendes",
    "Novak", "Oliveira", "Park", "Rossi", "Sato", "Thornton", "Van Dijk", "Wagner", "Zhang", "Laurent",
)
DEGREES = ("MD", "MD", "MD, PhD", "MD", "MD, MSc", "PhD")

COUNTRY_CALLING_CODES = {
    "France": "33", "Germany": "49", "United Kingdom": "44", "Italy": "39", "Spain": "34", "Netherlands": "31",
    "Belgium": "32", "Sweden": "46", "Denmark": "45", "Norway": "47", "Austria": "43", "Switzerland": "41",
    "Ireland": "353", "Japan": "81", "Korea, Republic of": "82", "China": "86", "Singapore": "65", "Taiwan": "886",
    "Hong Kong": "852", "Australia": "61", "India": "91", "Mexico": "52",
}
_NANP_AREAS = ("212", "617", "713", "415", "310", "507", "813", "215", "410", "615", "614", "734", "919", "404", "303")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def with_degree(rng: random.Random, name: str) -> str:
    return f"{name}, {rng.choice(DEGREES)}"


def phone(rng: random.Random, country: str) -> str:
    if country in ("United States", "Canada"):
        return f"{rng.choice(_NANP_AREAS)}-555-01{rng.randint(0, 99):02d}"
    code = COUNTRY_CALLING_CODES.get(country, "33")
    return f"+{code} {rng.randint(10, 99)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")


def email_for(name: str, organisation: str) -> str:
    local = ".".join(part.lower() for part in re.sub(r"[^A-Za-z -]", "", name).split()[:2])
    return f"{local}@{slug(organisation)}.example.org"
