"""A real HTTP server speaking the ClinicalTrials.gov API v2 over dated replay snapshots.

`/api/v2/...` serves the current day; `/replay/YYYY-MM-DD/api/v2/...` serves that day.
`/_replay/...` are control endpoints for out-of-process callers (control.py). Study lines are
served verbatim inside pages, never re-serialised.

The current day is, by default, the latest day in the folder (looked up per request), or the day
set with `set_current_day`. With a clock (clock.py) the replay follows the real publication
calendar instead: the current day is the latest stored snapshot day on or before the calendar's
data date at the clock's time (a publication day without a stored snapshot looks like a day the
API did not refresh), and a per-day URL answers only while its day is current, as the real API
serves nothing but its current data date.

Each day has a data version: `refresh()` (or a `refresh` fault) republishes the current day, which
moves its dataTimestamp on by a minute and invalidates the page tokens handed out before (400).
"""
from __future__ import annotations

import re
import socket
import sys
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from .clock import ReplayClock
from .control import answer_control
from .faults import Fault, FaultBook, FaultPlan
from .handler import ReplayHandler
from .query import (BadRequest, check_format, check_params, decode_token, encode_token,
                    parse_nct, parse_studies_params, run_query)
from .responses import JSON_TYPE, Page, Response, json_response, text
from .snapshots import SnapshotError, SnapshotStore

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


class ReplayServer:
    def __init__(self, snapshots_dir: Path, host: str = "127.0.0.1", port: int = 0,
                 current_day: str | None = None, faults: list[Fault] | None = None,
                 verbose: bool = False, clock: ReplayClock | None = None):
        self.store = SnapshotStore(Path(snapshots_dir))
        self.host, self.port, self.verbose = host, port, verbose
        if current_day is not None and clock is not None:
            raise ValueError("give a current day or a clock, not both: the clock decides the day")
        if current_day is not None:
            self._check_day(current_day)
        self._current_day = current_day
        self.clock = clock
        self._revisions: dict[str, int] = {}  # day -> times it was republished
        self._faults = FaultBook(faults)
        self.request_log: list[RequestRecord] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> "ReplayServer":
        if self._httpd is not None:
            raise RuntimeError("replay server already started")
        httpd = ThreadingHTTPServer((self.host, self.port), ReplayHandler)
        httpd.daemon_threads = True
        httpd.replay = self  # type: ignore[attr-defined]
        self.stopping.clear()
        self._httpd = httpd
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="replay-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()  # wakes requests sleeping in a `slow` fault
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

    def track_connection(self, conn: socket.socket, open_: bool) -> None:
        with self._lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

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
        if self.clock is not None:
            data_date = self.clock.data_date().isoformat()
            served = [d for d in self.store.days() if d <= data_date]
            return served[-1] if served else None
        return self._current_day or self.store.latest()

    def set_current_day(self, day: str) -> None:
        if self.clock is not None:
            raise ValueError("this replay follows its clock: move the clock instead of setting the day")
        self._check_day(day)
        self._current_day = day

    def set_clock(self, now: str | datetime) -> ReplayClock:
        """Set simulated time, switching the replay onto a clock if it had none."""
        if self.clock is None:
            self.clock = ReplayClock(now)
            self._current_day = None
        else:
            self.clock.set(now)
        return self.clock

    def clock_state(self) -> dict[str, Any]:
        state = self.clock.state() if self.clock is not None else {}
        return {**state, "current_day": self.current_day}

    def now(self) -> datetime:
        return self.clock.now() if self.clock is not None else datetime.now(timezone.utc)

    def refresh(self) -> dict[str, Any]:
        """Republish the current day: a new data version, and the old version's page tokens fail."""
        day = self.current_day
        if day is None:
            return {"current_day": None, "revision": 0}
        with self._lock:
            self._revisions[day] = self._revisions.get(day, 0) + 1
            return {"current_day": day, "revision": self._revisions[day]}

    def version(self, day: str) -> dict[str, Any]:
        version = self.store.version(day)
        revision = self._revisions.get(day, 0)
        if revision and isinstance(version.get("dataTimestamp"), str):
            try:
                stamp = datetime.fromisoformat(version["dataTimestamp"]) + timedelta(minutes=revision)
                version = {**version, "dataTimestamp": stamp.isoformat()}
            except ValueError:
                pass  # a malformed stamp is served as stored: the client must report it
        return version

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

    def fault_plan(self, path: str, user_agent: str) -> FaultPlan:
        return self._faults.plan(path, self.now(), user_agent)

    def warm(self, day: str | None = None) -> None:
        """Index a day now rather than on its first request (benchmarks time the pull, not this)."""
        day = day or self.current_day
        if day is None:
            raise ValueError(f"no snapshot days in {self.store.root}")
        self._check_day(day)
        self.store.get(day)

    def log_request(self, method: str, path: str, params: dict[str, list[str]], status: int | None,
                    faults: tuple[str, ...], day: str | None, elapsed_s: float) -> None:
        record = RequestRecord(method, path, {k: v[-1] for k, v in params.items()}, status, faults, day, elapsed_s)
        with self._lock:
            self.request_log.append(record)
            if len(self.request_log) > _LOG_LIMIT:
                del self.request_log[: len(self.request_log) - _LOG_LIMIT]

    def control(self, method: str, path: str, body: bytes) -> Response:
        return answer_control(self, method, path, body)

    # --- API --------------------------------------------------------------------------------
    def respond(self, method: str, path: str, params: dict[str, list[str]]) -> tuple[str | None, Response]:
        """(day served, response) for an API request; every failure becomes a text answer."""
        m = _DAY_PATH.match(path)
        current = self.current_day
        if m:
            day, rest = m.group(1), m.group(2)
            if self.clock is not None and day != current:
                return day, text(404, f"data date {day} is not served at {self.now().isoformat()}: the API serves "
                                      f"only its current data date ({current or 'none yet'})")
        elif path.startswith("/api/v2/"):
            day, rest = current, path
            if day is None:
                return None, text(404, f"no snapshot days in {self.store.root}"
                                       + (" on or before the clock's data date" if self.clock else ""))
        else:
            return None, text(404, f"unknown path: {path}")
        if not self.store.has_day(day):
            return day, text(404, f"no snapshot for day {day}")
        try:
            return day, self._answer(method, day, rest[len("/api/v2"):], path, params)
        except BadRequest as exc:
            return day, text(400, str(exc))
        except _MethodNotAllowed:
            return day, text(405, f"method {method} not allowed on {path}", Allow="GET")
        except SnapshotError as exc:
            return day, text(500, f"broken snapshot: {exc}")
        except Exception as exc:  # noqa: BLE001 - a server must answer, and say what went wrong
            traceback.print_exc(file=sys.stderr)
            return day, text(500, f"replay internal error: {exc!r}")

    def _answer(self, method: str, day: str, rest: str, path: str, params: dict[str, list[str]]) -> Response:
        seg = rest[len("/studies/"):] if rest.startswith("/studies/") else ""
        is_study = bool(seg) and "/" not in seg and seg not in _NOT_SERVED
        if rest not in ("/version", "/studies") and not is_study:
            return text(404, f"unknown path: {path}")
        if method != "GET":
            raise _MethodNotAllowed()
        if rest == "/version":
            check_params(params, set())
            return json_response(self.version(day))
        if rest == "/studies":
            return self._studies(day, params)
        return self._study(day, seg, path, params)

    def _studies(self, day: str, params: dict[str, list[str]]) -> Response:
        q = parse_studies_params(params)
        index = self.store.get(day)
        # The index signature and the data version are in the fingerprint: a token survives
        # neither a replaced day file nor a republished day.
        fp = q.fingerprint(f"{day}:{index.signature}:{self._revisions.get(day, 0)}")
        offset = decode_token(q.page_token, fp) if q.page_token else 0
        rows = index.cached_rows(fp, lambda: run_query(index, q))
        if offset > len(rows):
            raise BadRequest("pageToken points past the end of the results")
        page_rows = rows[offset:offset + q.page_size]
        # A full page always carries a token, even the last one: the real API's quirk.
        token = encode_token(offset + len(page_rows), fp) if len(page_rows) == q.page_size else None
        total = len(rows) if q.count_total and q.page_token is None else None
        return Response(200, content_type=JSON_TYPE,
                        page=Page([index.study_bytes(r) for r in page_rows], total, token))

    def _study(self, day: str, seg: str, path: str, params: dict[str, list[str]]) -> Response:
        check_format(check_params(params, {"format", "markupFormat"}))
        number = parse_nct(seg)
        index = self.store.get(day)
        row = index.by_nct.get(number)
        if row is not None:
            return Response(200, index.study_bytes(row), JSON_TYPE)
        if number in index.aliases:  # spec: an alias answers 301 to the actual study
            target = path[: -len(seg)] + index.nct_id(index.aliases[number])
            return text(301, f"moved to {target}", Location=target)
        return text(404, f"study NCT{number:08d} not found in snapshot day {day}")


class _MethodNotAllowed(Exception):
    pass
