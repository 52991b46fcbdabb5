"""ClinicalTrials.gov API v2 client (httpx), following the official OpenAPI spec 2.0.5.

Pointed at the live API by default; the demo and the tests point it at the replay server.
It retries what is worth retrying (429, 5xx, timeouts, dropped connections, truncated bodies,
and 403: the site's firewall sometimes refuses a client for a while) with exponential backoff,
jitter and `Retry-After`; keeps to a request-rate budget; and keeps each study's bytes exactly as
served (see `page_parser`). A refusal that persists raises `CtgovRefusedError`, which names the
User-Agent (NETPIPELINE_USER_AGENT overrides it) and shows the start of the page that refused us.
"""
from __future__ import annotations

import email.utils
import random
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

import httpx
import orjson

from netpipeline.ingest.api_errors import (CtgovClientError, CtgovError, CtgovRefusedError, DataVersionChangedError,
                                           IncompletePullError, body_excerpt)
from netpipeline.ingest.page_parser import MalformedPageError, ServedStudy, parse_studies_page
from netpipeline.ingest.pull_tally import PullTally
from netpipeline.settings import DEFAULTS

__all__ = [  # the errors and the tally live in their own modules; importable from here as before
    "ApiVersion", "CtgovClient", "CtgovClientError", "CtgovError", "CtgovRefusedError", "DataVersionChangedError",
    "IncompletePullError", "Pull", "PullStats", "PullTally", "RateLimiter", "USER_AGENT", "body_excerpt",
    "current_data_url",
]

USER_AGENT = DEFAULTS["NETPIPELINE_USER_AGENT"]
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
REFUSED_STATUS = 403  # a firewall's block page, retried like 429 before giving up


def current_data_url(base_url: str) -> str:
    """The URL whose /version names the current data date.

    Live, that is `base_url`; for the replay's per-day template `.../replay/{date}/api/v2` it is
    the replay's own `.../api/v2`, which serves its current day.
    """
    return base_url.replace("/replay/{date}", "")


@dataclass(frozen=True)
class ApiVersion:
    api_version: str
    data_timestamp: datetime

    @property
    def data_date(self) -> date:
        return self.data_timestamp.date()

    @classmethod
    def from_json(cls, body: object, url: str) -> "ApiVersion":
        """The /version answer, or CtgovError naming what it lacks."""
        try:
            stamp = datetime.fromisoformat(body["dataTimestamp"])  # type: ignore[index]
        except (KeyError, TypeError, ValueError) as exc:
            raise CtgovError(f"{url}: no valid dataTimestamp in {body!r}") from exc
        return cls(api_version=str(body.get("apiVersion", "")), data_timestamp=stamp)  # type: ignore[union-attr]


@dataclass
class PullStats:
    pages: int = 0
    requests: int = 0
    retries: int = 0
    bytes: int = 0
    elapsed_s: float = 0.0


@dataclass
class Pull:
    """A complete pull: every study the query matched, each exactly once."""

    studies: list[ServedStudy]
    total_count: int
    query_params: dict[str, str]
    stats: PullStats = field(default_factory=PullStats)


class RateLimiter:
    """At most `max_requests` in any sliding window of `window_s` seconds."""

    def __init__(self, max_requests: int, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        if max_requests < 1:
            raise ValueError("requests per minute must be at least 1")
        self.max_requests, self.window_s = max_requests, window_s
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()

    def acquire(self) -> None:
        now = self._clock()
        while self._sent and now - self._sent[0] >= self.window_s:
            self._sent.popleft()
        if len(self._sent) >= self.max_requests:
            self._sleep(self.window_s - (now - self._sent[0]))
            self._sent.popleft()
            now = self._clock()
        self._sent.append(now)


class CtgovClient:
    def __init__(
        self,
        base_url: str,
        *,
        requests_per_minute: int = 50,
        timeout_s: float = 30.0,
        max_retries: int = 6,
        backoff_base_s: float = 1.0,
        backoff_max_s: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        user_agent: str = USER_AGENT,
    ):
        if not user_agent or not user_agent.strip() or any(c in user_agent for c in "\r\n"):
            raise ValueError(f"User-Agent must be a non-empty single line, got {user_agent!r}")
        self.base_url = base_url.rstrip("/")
        self.user_agent = user_agent.strip()
        self.max_retries = max_retries
        self.backoff_base_s, self.backoff_max_s = backoff_base_s, backoff_max_s
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._limiter = RateLimiter(requests_per_minute, sleep=sleep)
        self._http = httpx.Client(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": self.user_agent, "Accept": "application/json"},
            follow_redirects=True,
        )
        self.stats = PullStats()

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> CtgovClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- endpoints -------------------------------------------------------------------------

    def version(self) -> ApiVersion:
        return ApiVersion.from_json(self._get_json("/version", {}), f"{self.base_url}/version")

    def study(self, nct_id: str) -> ServedStudy:
        content = self._get(f"/studies/{nct_id}", {"format": "json"}).content
        try:
            return ServedStudy.from_bytes(content)
        except MalformedPageError as exc:
            raise CtgovError(f"{self.base_url}/studies/{nct_id}: {exc}") from exc

    def iter_pages(self, params: dict[str, str], page_size: int = 1000,
                   data_version: ApiVersion | None = None) -> Iterator[tuple[list[ServedStudy], int | None]]:
        """Yield (studies, totalCount-or-None) per page, following nextPageToken.

        The spec requires every page to repeat the first page's parameters; only pageToken
        changes (and countTotal, which only the first page needs). Given the `data_version` the
        pull started from, a later page refused with a 4xx is checked against /version: if the
        data was republished meanwhile, DataVersionChangedError says so.
        """
        token: str | None = None
        page_number = 0
        while True:
            page_number += 1
            query = dict(params, pageSize=str(page_size))
            if token is None:
                query["countTotal"] = "true"
            else:
                query["pageToken"] = token
            try:
                page = self._get_page(query, page_number)
            except CtgovClientError as exc:
                if token is not None and data_version is not None:
                    self._raise_if_republished(data_version, page_number, exc)
                raise
            self.stats.pages += 1
            yield page.studies, page.total_count
            token = page.next_page_token
            if not token:
                return

    def pull(self, params: dict[str, str], page_size: int = 1000) -> Pull:
        """Every study the query matches, or IncompletePullError: never a partial day.

        Holds the whole pull in memory; the raw layer streams pages instead (raw_store).
        """
        started = time.monotonic()
        studies: list[ServedStudy] = []
        tally = PullTally(self.base_url)
        for page_studies, page_total in self.iter_pages(params, page_size):
            tally.add_page(page_studies, page_total)
            studies.extend(page_studies)
        tally.verify()
        self.stats.elapsed_s = time.monotonic() - started
        return Pull(studies=studies, total_count=tally.total or 0, query_params=dict(params), stats=self.stats)

    def _raise_if_republished(self, data_version: ApiVersion, page_number: int, exc: CtgovClientError) -> None:
        try:
            current = self.version()
        except CtgovError:
            return  # the original error says more than a failed look-up would
        if current != data_version:
            raise DataVersionChangedError(
                f"{self.base_url}/studies page {page_number}: the API republished its data during the pull "
                f"(data version {data_version.data_timestamp.isoformat()} -> {current.data_timestamp.isoformat()}); "
                f"the old page token was refused: {exc}", data_version, current) from exc

    # -- transport -------------------------------------------------------------------------

    def _get_page(self, query: dict[str, str], page_number: int):
        # A truncated or garbled body is a transport fault like a dropped connection: retry it.
        def parse(response: httpx.Response):
            return parse_studies_page(response.content)

        try:
            return self._request("/studies", query, parse=parse)
        except MalformedPageError as exc:
            raise CtgovError(f"{self.base_url}/studies page {page_number}: {exc}") from exc

    def _get_json(self, path: str, query: dict[str, str]) -> dict:
        def parse(response: httpx.Response) -> dict:
            try:
                body = orjson.loads(response.content)
            except orjson.JSONDecodeError as exc:
                raise MalformedPageError(f"response is not valid JSON ({exc})") from exc
            if not isinstance(body, dict):
                raise MalformedPageError("response is not a JSON object")
            return body

        try:
            return self._request(path, query, parse=parse)
        except MalformedPageError as exc:
            raise CtgovError(f"{self.base_url}{path}: {exc}") from exc

    def _get(self, path: str, query: dict[str, str]) -> httpx.Response:
        return self._request(path, query, parse=lambda r: r)

    def _request(self, path: str, query: dict[str, str], parse):
        attempt = 0
        while True:
            self._limiter.acquire()
            self.stats.requests += 1
            retry_after: float | None = None
            try:
                response = self._http.get(path, params=query)
                self.stats.bytes += len(response.content)
                if response.status_code in RETRYABLE_STATUS or response.status_code == REFUSED_STATUS:
                    retry_after = _retry_after_seconds(response.headers.get("Retry-After"))
                    problem = f"HTTP {response.status_code}"
                    if response.status_code == REFUSED_STATUS and attempt >= self.max_retries:
                        raise CtgovRefusedError(
                            f"{self.base_url}{path}: the site refused the client (HTTP 403) {attempt + 1} times in a row; "
                            f"User-Agent {self.user_agent!r}; the answer starts: \"{body_excerpt(response)}\". "
                            "A firewall may be blocking this User-Agent or address: set NETPIPELINE_USER_AGENT "
                            "to an honest one that names you, or try again later.")
                elif 400 <= response.status_code < 500:
                    raise CtgovClientError(
                        f"{self.base_url}{path} answered HTTP {response.status_code}: {response.text.strip()[:500]!r}"
                        f" (parameters: {query})"
                    )
                elif response.status_code >= 300:
                    problem = f"HTTP {response.status_code}"
                else:
                    return parse(response)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            except MalformedPageError as exc:
                problem = f"malformed body: {exc}"
                if attempt >= self.max_retries:
                    raise
            if attempt >= self.max_retries:
                raise CtgovError(f"{self.base_url}{path}: gave up after {attempt + 1} attempts; last problem: {problem}")
            attempt += 1
            self.stats.retries += 1
            self._sleep(self._backoff(attempt, retry_after))

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        # Exponential backoff with "equal jitter"; the server's Retry-After is a floor.
        ceiling = min(self.backoff_max_s, self.backoff_base_s * 2 ** (attempt - 1))
        delay = ceiling / 2 + self._rng.uniform(0, ceiling / 2)
        if retry_after is not None:
            delay = max(delay, min(retry_after, self.backoff_max_s * 5))
        return delay


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
