"""The HTTP side of the replay: one handler per connection, which applies the armed faults
around the answer the `ReplayServer` gives and logs every request."""
from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from .faults import HTTP_STATUS, mutate_page
from .responses import JSON_TYPE, Response, encode_page, firewall_page, text

if TYPE_CHECKING:
    from .server import ReplayServer


class ReplayHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as clients pool connections
    # Headers and body are separate writes; with Nagle on, keep-alive requests stall ~40 ms each.
    disable_nagle_algorithm = True
    server_version = "netpipeline-replay"

    @property
    def replay(self) -> "ReplayServer":
        return self.server.replay  # type: ignore[attr-defined]

    def setup(self) -> None:
        super().setup()
        self.replay.track_connection(self.connection, open_=True)

    def finish(self) -> None:
        self.replay.track_connection(self.connection, open_=False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        if self.replay.verbose:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        replay = self.replay
        started = time.monotonic()
        split = urlsplit(self.path)
        path, params = split.path, parse_qs(split.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        applied: list[str] = []
        day: str | None = None

        def log(status: int | None) -> None:
            # Logged before anything is written: once a client has its answer, the record is there.
            replay.log_request(method, path, params, status, tuple(applied), day, time.monotonic() - started)

        if path.startswith("/_replay/"):
            resp = replay.control(method, path, body)
            log(resp.status)
            self._send(resp)
            return
        plan = replay.fault_plan(path, self.headers.get("User-Agent", ""))
        if plan.delay_s:
            replay.stopping.wait(plan.delay_s)
            applied.append("slow")
        if plan.refresh:
            replay.refresh()
            applied.append("refresh")
        delivery = plan.delivery
        if delivery is not None and delivery.kind == "drop":
            applied.append("drop")
            log(None)
            self.close_connection = True  # the server closes the socket, nothing written
            return
        if delivery is not None and delivery.kind == "malformed":
            applied.append("malformed")
            resp = Response(200, b'{"totalCount":1,"studies":[{"protocolSection":', JSON_TYPE)
        elif delivery is not None and delivery.kind in HTTP_STATUS:
            applied.append(delivery.kind)
            retry_after = delivery.retry_after_header()
            headers = {} if retry_after is None else {"Retry-After": retry_after}
            resp = (firewall_page(path, **headers) if delivery.kind == "firewall"
                    else text(HTTP_STATUS[delivery.kind], f"replay fault: {delivery.kind}", **headers))
        else:
            day, resp = replay.respond(method, path, params)
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

    def _send(self, resp: Response, truncate: bool = False) -> None:
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
