"""A real HTTP server speaking the ClinicalTrials.gov API v2 over dated replay snapshots.

`/api/v2/...` serves the current day (default: the latest day in the folder, looked up per
request); `/replay/YYYY-MM-DD/api/v2/...` serves that day. `/_replay/...` are control endpoints
for out-of-process callers. Study lines are served verbatim inside pages, never re-serialised.
"""
from __future__ import annotations

import re
import socket
import sys
import threading
import time
import traceback
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson

from .faults import HTTP_STATUS, Fault, FaultBook, mutate_page, parse_faults
from .query import (BadRequest, check_format, check_params, decode_token, encode_token,
                    parse_nct, parse_studies_params, run_query)
from .snapshots import DAY_RE, SnapshotError, SnapshotStore

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"
_DAY_PATH = re.compile(r"^/replay/([^/]*)(/api/v2/.*)$")
_NOT_SERVED = {"metadata", "search-areas", "enums"}  # real endpoints the replay does not offer
_LOG_LIMIT = 100_000  # a long-running CLI server must not grow its log forever


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    status: int | None          # None: the connection was dropped without a response
    faults: tuple[str, ...]     # kinds of the faults applied to this request
    day: str | None
    elapsed_s: float


@dataclass
class _Page:
    studies: list[bytes]
    total: int | None
    token: str | None


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str = TEXT_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    page: _Page | None = None   # kept apart until sent, so page faults can alter it


def _text(status: int, message: str, **headers: str) -> _Response:
    return _Response(status, message.encode(), TEXT_TYPE, dict(headers))


def _json(obj: Any, status: int = 200) -> _Response:
    return _Response(status, orjson.dumps(obj), JSON_TYPE)


def encode_page(page: _Page) -> bytes:
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


class ReplayServer:
    def __init__(self, snapshots_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 current_day: str | None = None, faults: list[Fault] | None = None,
                 verbose: bool = False):
        self.store = SnapshotStore(Path(snapshots_dir))
        self.host, self.port, self.verbose = host, port, verbose
        if current_day is not None:
            self._check_day(current_day)
        self._current_day = current_day
        self._faults = FaultBook(faults)
        self.request_log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> "ReplayServer":
        if self._httpd is not None:
            raise RuntimeError("replay server already started")
        httpd = ThreadingHTTPServer((self.host, self.port), _Handler)
        httpd.daemon_threads = True
        httpd.replay = self  # type: ignore[attr-defined]
        self._stopping.clear()
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # wakes requests sleeping in a `slow` fault
        httpd.shutdown()
        httpd.server_close()
        # Keep-alive connections would otherwise still be answered by their handler threads.
        with self._lock:
            connections, self._connections = list(self._connections), set()
        for conn in connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "ReplayServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- addresses --------------------------------------------------------------------------
    @property
    def base(self) -> str:
        if self._httpd is None:
            raise RuntimeError("replay server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.base}/api/v2"

    @property
    def url_template(self) -> str:
        return f"{self.base}/replay/{{date}}/api/v2"

    def day_url(self, day: str) -> str:
        return self.url_template.format(date=day)

    # --- state ------------------------------------------------------------------------------
    @property
    def current_day(self) -> str | None:
        return self._current_day or self.store.latest()

    def set_current_day(self, day: str) -> None:
        self._check_day(day)
        self._current_day = day

    def _check_day(self, day: str) -> None:
        if not self.store.has_day(day):
            raise ValueError(f"no snapshot for day {day} in {self.store.root}")

    def add_faults(self, faults: list[Fault]) -> None:
        self._faults.add(faults)

    def clear_faults(self) -> None:
        self._faults.clear()

    @property
    def faults(self) -> list[dict[str, Any]]:
        """Armed faults with how many matching requests each has seen."""
        return self._faults.state()

    def warm(self, day: str | None = None) -> None:
        """Index a day now rather than on its first request (benchmarks time the pull, not this)."""
        day = day or self.current_day
        if day is None:
            raise ValueError(f"no snapshot days in {self.store.root}")
        self._check_day(day)
        self.store.get(day)

    def _log(self, record: RequestRecord) -> None:
        with self._lock:
            self.request_log.append(record)
            if len(self.request_log) > _LOG_LIMIT:
                del self.request_log[: len(self.request_log) - _LOG_LIMIT]

    # --- API --------------------------------------------------------------------------------
    def _respond(self, method: str, path: str, params: dict[str, list[str]]) -> tuple[str | None, _Response]:
        """(day served, response) for an API request; every failure becomes a text answer."""
        m = _DAY_PATH.match(path)
        if m:
            day, rest = m.group(1), m.group(2)
        elif path.startswith("/api/v2/"):
            day, rest = self.current_day, path
            if day is None:
                return None, _text(404, f"no snapshot days in {self.store.root}")
        else:
            return None, _text(404, f"unknown path: {path}")
        if not self.store.has_day(day):
            return day, _text(404, f"no snapshot for day {day}")
        try:
            return day, self._answer(method, day, rest[len("/api/v2"):], path, params)
        except BadRequest as exc:
            return day, _text(400, str(exc))
        except _MethodNotAllowed:
            return day, _text(405, f"method {method} not allowed on {path}", Allow="GET")
        except SnapshotError as exc:
            return day, _text(500, f"broken snapshot: {exc}")
        except Exception as exc:  # noqa: BLE001 - a server must answer, and say what went wrong
            traceback.print_exc(file=sys.stderr)
            return day, _text(500, f"replay internal error: {exc!r}")

    def _answer(self, method: str, day: str, rest: str, path: str, params: dict[str, list[str]]) -> _Response:
        if rest == "/version":
            self._only_get(method)
            check_params(params, set())
            return _json(self.store.version(day))
        if rest == "/studies":
            self._only_get(method)
            return self._studies(day, params)
        seg = rest[len("/studies/"):] if rest.startswith("/studies/") else ""
        if seg and "/" not in seg and seg not in _NOT_SERVED:
            self._only_get(method)
            return self._study(day, seg, path, params)
        return _text(404, f"unknown path: {path}")

    @staticmethod
    def _only_get(method: str) -> None:
        if method != "GET":
            raise _MethodNotAllowed()

    def _studies(self, day: str, params: dict[str, list[str]]) -> _Response:
        q = parse_studies_params(params)
        index = self.store.get(day)
        # The index signature is in the fingerprint: a token does not survive a replaced day file.
        fp = q.fingerprint(f"{day}:{index.signature}")
        offset = decode_token(q.page_token, fp) if q.page_token else 0
        rows = index.cached_rows(fp, lambda: run_query(index, q))
        if offset > len(rows):
            raise BadRequest("pageToken points past the end of the results")
        page_rows = rows[offset:offset + q.page_size]
        # A full page always carries a token, even the last one: the real API's quirk.
        token = encode_token(offset + len(page_rows), fp) if len(page_rows) == q.page_size else None
        total = len(rows) if q.count_total and q.page_token is None else None
        return _Response(200, content_type=JSON_TYPE,
                         page=_Page([index.study_bytes(r) for r in page_rows], total, token))

    def _study(self, day: str, seg: str, path: str, params: dict[str, list[str]]) -> _Response:
        check_format(check_params(params, {"format", "markupFormat"}))
        number = parse_nct(seg)
        index = self.store.get(day)
        row = index.by_nct.get(number)
        if row is not None:
            return _Response(200, index.study_bytes(row), JSON_TYPE)
        if number in index.aliases:  # spec: an alias answers 301 to the actual study
            target = path[: -len(seg)] + index.nct_id(index.aliases[number])
            return _text(301, f"moved to {target}", Location=target)
        return _text(404, f"study NCT{number:08d} not found in snapshot day {day}")

    # --- control endpoints --------------------------------------------------------------------
    def _control(self, method: str, path: str, body: bytes) -> _Response:
        if path == "/_replay/current-day" and method == "POST":
            day = body.decode("utf-8", "replace").strip().strip('"')
            if not DAY_RE.match(day):
                return _text(400, f"expected a day YYYY-MM-DD, got {day!r}")
            if not self.store.has_day(day):
                return _text(404, f"no snapshot for day {day}")
            self.set_current_day(day)
            return _json({"current_day": day})
        if path == "/_replay/faults" and method in ("POST", "DELETE", "GET"):
            if method == "POST":
                try:
                    self.add_faults(parse_faults(body))
                except (ValueError, TypeError) as exc:
                    return _text(400, f"invalid faults: {exc}")
            elif method == "DELETE":
                self.clear_faults()
            return _json({"faults": self.faults})
        if path == "/_replay/state" and method == "GET":
            return _json({"current_day": self.current_day, "days": self.store.days(), "faults": self.faults})
        return _text(404, f"unknown control endpoint: {method} {path}")


class _MethodNotAllowed(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    # Headers and body are separate writes; with Nagle on, keep-alive requests stall ~40 ms each.
    disable_nagle_algorithm = True
    server_version = "netpipeline-replay"

    def setup(self) -> None:
        super().setup()
        with self.server.replay._lock:  # type: ignore[attr-defined]
            self.server.replay._connections.add(self.connection)  # type: ignore[attr-defined]

    def finish(self) -> None:
        with self.server.replay._lock:  # type: ignore[attr-defined]
            self.server.replay._connections.discard(self.connection)  # type: ignore[attr-defined]
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.replay.verbose:  # type: ignore[attr-defined]
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        replay: ReplayServer = self.server.replay  # type: ignore[attr-defined]
        started = time.monotonic()
        split = urlsplit(self.path)
        path, params = split.path, parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        applied: list[str] = []
        day: str | None = None

        def log(status: int | None) -> None:
            # Logged before anything is written: once a client has its answer, the record is there.
            replay._log(RequestRecord(method, path, {k: v[-1] for k, v in params.items()}, status,
                                      tuple(applied), day, time.monotonic() - started))

        if path.startswith("/_replay/"):
            resp = replay._control(method, path, body)
            log(resp.status)
            self._send(resp)
            return
        plan = replay._faults.plan(path)
        if plan.delay_s:
            replay._stopping.wait(plan.delay_s)
            applied.append("slow")
        delivery = plan.delivery
        if delivery is not None and delivery.kind == "drop":
            applied.append("drop")
            log(None)
            self.close_connection = True  # the server closes the socket, nothing written
            return
        if delivery is not None and delivery.kind in HTTP_STATUS:
            applied.append(delivery.kind)
            retry_after = delivery.retry_after_header()
            headers = {} if retry_after is None else {"Retry-After": retry_after}
            resp = _text(HTTP_STATUS[delivery.kind], f"replay fault: {delivery.kind}", **headers)
        else:
            day, resp = replay._respond(method, path, params)
            if resp.page is not None and plan.page:
                resp.page.studies, resp.page.total = mutate_page(resp.page.studies, resp.page.total, plan.page)
                applied.extend(f.kind for f in plan.page)
            if resp.page is not None:
                resp.body = encode_page(resp.page)
        truncate = delivery is not None and delivery.kind == "truncate"
        if truncate:
            applied.append("truncate")
        log(resp.status)
        self._send(resp, truncate=truncate)

    def _send(self, resp: _Response, truncate: bool = False) -> None:
        try:
            self.send_response(resp.status)
            self.send_header("Content-Type", resp.content_type)
            self.send_header("Content-Length", str(len(resp.body)))
            for name, value in resp.headers.items():
                self.send_header(name, value)
            self.end_headers()
            # `truncate`: the full Content-Length was promised, half the body is sent, then close.
            self.wfile.write(resp.body[: len(resp.body) // 2] if truncate else resp.body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. timed out on a slow fault); nothing left to do
        if truncate:
            self.close_connection = True
