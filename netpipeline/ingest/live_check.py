"""`netpipeline-live-check`: can this machine read ClinicalTrials.gov the way the pipeline will?

Two requests, no retries: GET /version and one `pageSize=1&countTotal=true` page of the NET scope
query. Prints the data date, the scope's totalCount, the User-Agent and each round-trip time; exits
non-zero with a message naming what went wrong: 1 the site refused or failed (the HTTP status,
e.g. 403, and the start of its answer), 3 timeout or unreachable, 4 malformed answer. The whole
check ends within --timeout seconds. Honours NETPIPELINE_CTGOV_BASE_URL (a replay per-day
template is checked at its current-day URL), NETPIPELINE_USER_AGENT and NETPIPELINE_SCOPE.
"""
from __future__ import annotations

import argparse
import sys
import threading
import time
from dataclasses import dataclass

import httpx
import orjson

from netpipeline.ingest.client import ApiVersion, CtgovError, body_excerpt, current_data_url
from netpipeline.ingest.page_parser import MalformedPageError, parse_studies_page
from netpipeline.ingest.scope import ScopeError, load_scope
from netpipeline.settings import setting

EXIT_OK, EXIT_REFUSED, EXIT_UNREACHABLE, EXIT_MALFORMED = 0, 1, 3, 4


class CheckFailed(Exception):
    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class _Deadline:
    at: float

    def timeout(self) -> httpx.Timeout:
        left = self.at - time.monotonic()
        if left <= 0:
            raise CheckFailed(EXIT_UNREACHABLE, "timed out: the check's time budget is spent")
        return httpx.Timeout(left)


def _get(http: httpx.Client, url: str, params: dict[str, str], deadline: _Deadline) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    try:
        response = http.get(url, params=params, timeout=deadline.timeout())
    except httpx.TimeoutException as exc:
        raise CheckFailed(EXIT_UNREACHABLE, f"timed out after {time.monotonic() - started:.1f} s: GET {url} "
                                            f"({type(exc).__name__})") from None
    except httpx.TransportError as exc:
        raise CheckFailed(EXIT_UNREACHABLE, f"could not reach {url}: {type(exc).__name__}: {exc}") from None
    elapsed = time.monotonic() - started
    if response.status_code != 200:
        who = "the site refused the client" if response.status_code == 403 else "the API answered an error"
        raise CheckFailed(EXIT_REFUSED, f"{who}: HTTP {response.status_code} from GET {url} in {elapsed * 1000:.0f} ms; "
                                        f"the answer starts: \"{body_excerpt(response)}\"")
    return response, elapsed


def run_check(base_url: str, user_agent: str, scope_file: str, timeout_s: float, out) -> None:
    base = current_data_url(base_url).rstrip("/")
    scope = load_scope(scope_file)
    deadline = _Deadline(time.monotonic() + timeout_s)
    print(f"base URL:   {base}", file=out)
    print(f"User-Agent: {user_agent}", file=out)
    headers = {"User-Agent": user_agent, "Accept": "application/json"}
    with httpx.Client(headers=headers, follow_redirects=True) as http:
        response, version_s = _get(http, f"{base}/version", {}, deadline)
        try:
            version = ApiVersion.from_json(orjson.loads(response.content), f"{base}/version")
        except (orjson.JSONDecodeError, CtgovError) as exc:
            raise CheckFailed(EXIT_MALFORMED, f"malformed answer from {base}/version: {exc}; "
                                              f"it starts: \"{body_excerpt(response)}\"") from None
        print(f"/version:   data date {version.data_date} (dataTimestamp {version.data_timestamp.isoformat()}, "
              f"API {version.api_version or '?'}) in {version_s * 1000:.0f} ms", file=out)
        params = dict(scope.query_params(), pageSize="1", countTotal="true")
        response, page_s = _get(http, f"{base}/studies", params, deadline)
        try:
            page = parse_studies_page(response.content)
        except MalformedPageError as exc:
            raise CheckFailed(EXIT_MALFORMED, f"malformed answer from {base}/studies: {exc}") from None
        if page.total_count is None:
            raise CheckFailed(EXIT_MALFORMED, f"malformed answer from {base}/studies: no totalCount although "
                                              "countTotal=true was sent")
        print(f"/studies:   scope {scope.name} {scope.version}: totalCount {page.total_count} "
              f"(first page {len(page.studies)} study) in {page_s * 1000:.0f} ms", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="netpipeline-live-check", description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=30.0, help="time budget of the whole check, seconds (default 30)")
    args = parser.parse_args(argv)
    if args.timeout <= 0:
        parser.error("--timeout must be positive")
    outcome: list[BaseException | None] = []

    def check() -> None:
        try:
            run_check(setting("NETPIPELINE_CTGOV_BASE_URL"), setting("NETPIPELINE_USER_AGENT"),
                      setting("NETPIPELINE_SCOPE"), args.timeout, sys.stdout)
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            outcome.append(exc)

    # httpx bounds each network wait, not a server that trickles bytes: a watchdog bounds the whole.
    worker = threading.Thread(target=check, daemon=True)
    worker.start()
    worker.join(args.timeout + 0.5)
    try:
        if worker.is_alive():
            raise CheckFailed(EXIT_UNREACHABLE, f"timed out: no complete answer within {args.timeout:g} s")
        if outcome[0] is not None:
            raise outcome[0]
    except CheckFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        if exc.code == EXIT_REFUSED and "HTTP 403" in str(exc):
            print("The site's firewall may block this User-Agent or address: set NETPIPELINE_USER_AGENT to an "
                  "honest one that names you, or try again later.", file=sys.stderr)
        return exc.code
    except ScopeError as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 2
    print("OK", flush=True)
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
