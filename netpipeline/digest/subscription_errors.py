"""The error a bad subscriptions file raises, and the phrasing of what is wrong.

The file is edited by hand by people who are not engineers, so every message names the file,
the subscriber, the field and what is wrong, with a did-you-mean for misspelt keys and values.
"""
from __future__ import annotations

import difflib
from typing import Any


class SubscriptionsError(ValueError):
    """The subscriptions file is missing, unreadable or invalid; the message says where."""


def check_keys(mapping: dict, allowed: tuple[str, ...], wrap) -> None:
    for key in mapping:
        if key not in allowed:
            raise SubscriptionsError(wrap(f"unknown key {key!r}{did_you_mean(str(key), allowed)}; "
                                          f"allowed: {', '.join(allowed)}"))


def did_you_mean(word: str, options: tuple[str, ...]) -> str:
    lower = {o.lower(): o for o in options}
    close = difflib.get_close_matches(word.lower(), list(lower), n=1, cutoff=0.6)
    return f" (did you mean {lower[close[0]]!r}?)" if close else ""


def type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "nothing"}.get(type(value), type(value).__name__)
