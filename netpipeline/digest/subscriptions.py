"""The subscriptions file: subscribers and their rules, loaded from YAML and validated up front.

The file is edited by hand by people who are not engineers, so every error names the file, the
subscriber (id, or position when the id itself is the problem), the field and what is wrong,
with a did-you-mean for misspelt keys and values (`subscription_errors.py`). A bad file must
fail the run loudly rather than silently mail somebody the wrong trials.

Each subscriber is validated by `subscriber_parser.py` into a `subscriber.Subscriber`; semantics
of each rule are documented in `netpipeline/digest/rules.py`.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from netpipeline.digest.subscriber import Subscriber
from netpipeline.digest.subscriber_parser import SubscriberParser
from netpipeline.digest.subscription_errors import SubscriptionsError, check_keys, type_name


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
    check_keys(doc, ("version", "subscribers"), lambda msg: f"{source}: {msg}")
    if doc.get("version") != 1:
        raise SubscriptionsError(f"{source}: field 'version': expected 1, got {doc.get('version')!r}")
    raw_subs = doc.get("subscribers")
    if not isinstance(raw_subs, list):
        raise SubscriptionsError(f"{source}: field 'subscribers': expected a list, got {type_name(raw_subs)}")
    subscribers: list[Subscriber] = []
    seen: dict[str, int] = {}
    for position, raw in enumerate(raw_subs, start=1):
        sub = SubscriberParser(source, position, raw).subscriber()
        if sub.id in seen:
            raise SubscriptionsError(f"{source}: subscriber '{sub.id}' (#{position}): field 'id': "
                                     f"duplicate id, already used by subscriber #{seen[sub.id]}")
        seen[sub.id] = position
        subscribers.append(sub)
    return subscribers
