"""What can go wrong talking to ClinicalTrials.gov, and how a refusal's body is shown in a message."""
from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from netpipeline.ingest.client import ApiVersion

_TAG = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


class CtgovError(RuntimeError):
    """The API could not give us what we asked for; the message says what and why."""


class CtgovClientError(CtgovError):
    """A 4xx answer: our request is wrong, retrying will not help."""


class CtgovRefusedError(CtgovError):
    """The site kept answering 403: its firewall refuses this client (often by User-Agent)."""


class IncompletePullError(CtgovError):
    """The pull does not add up to the API's totalCount, or repeats a study."""


class DataVersionChangedError(CtgovError):
    """The API republished its data during a pull: the old version's page tokens no longer work.

    The pull must start again from page 1 against `new` (ingest.day_pull does, a bounded number of
    times, when the data date is unchanged)."""

    def __init__(self, message: str, old: "ApiVersion", new: "ApiVersion"):
        super().__init__(message)
        self.old, self.new = old, new


def body_excerpt(response: httpx.Response, limit: int = 200) -> str:
    """The start of a body as one line of text: HTML tags (and scripts/styles) collapsed to spaces."""
    text = response.content[: 64 * 1024].decode("utf-8", "replace")
    text = html.unescape(_TAG.sub(" ", text)) if "<" in text else text
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
