"""What the replay sends back: a status, a body, headers, and (for `/studies`) a page kept apart
until it is sent, so page faults can still alter it."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"

# Shaped like the block pages other API clients report from the site's firewall: HTML, not JSON.
FIREWALL_PAGE = """<!DOCTYPE html>
<html><head><title>Access Denied</title></head>
<body><h1>Access Denied</h1>
<p>You don't have permission to access "{path}" on this server.</p>
<p>Reference #18.replay.firewall</p>
</body></html>
"""


@dataclass
class Page:
    studies: list[bytes]
    total: int | None
    token: str | None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = TEXT_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    page: Page | None = None


def text(status: int, message: str, **headers: str) -> Response:
    return Response(status, message.encode(), TEXT_TYPE, dict(headers))


def json_response(obj: Any, status: int = 200) -> Response:
    return Response(status, orjson.dumps(obj), JSON_TYPE)


def firewall_page(path: str, **headers: str) -> Response:
    return Response(403, FIREWALL_PAGE.format(path=path).encode(), HTML_TYPE, dict(headers))


def encode_page(page: Page) -> bytes:
    """`{"totalCount", "studies", "nextPageToken"}` in that order, only the keys that apply; each
    study on its own line (as the spec describes the json format), its bytes untouched."""
    head = b"{" if page.total is None else b'{"totalCount":%d,' % page.total
    tail = b"]}" if page.token is None else b'],"nextPageToken":' + orjson.dumps(page.token) + b"}"
    if not page.studies:
        return head + b'"studies":[' + tail
    parts = [head + b'"studies":[\n']
    for study in page.studies:
        parts += (study, b",\n")
    parts[-1] = b"\n" + tail
    return b"".join(parts)  # one copy of a page that can reach tens of MB
