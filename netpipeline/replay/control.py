"""`/_replay/...`: control endpoints for callers in another process (a CLI replay, a child run).

    POST   /_replay/current-day   body YYYY-MM-DD (only without a clock)
    GET    /_replay/clock         the clock's state
    POST   /_replay/clock         {"now": ISO-with-offset} and/or {"advance_s": seconds}
    POST   /_replay/refresh       republish the current data date (new data version)
    GET|POST|DELETE /_replay/faults
    GET    /_replay/state
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import orjson

from .faults import parse_faults
from .responses import Response, json_response, text
from .snapshots import DAY_RE

if TYPE_CHECKING:
    from .server import ReplayServer


def answer_control(replay: "ReplayServer", method: str, path: str, body: bytes) -> Response:
    if path == "/_replay/current-day" and method == "POST":
        day = body.decode("utf-8", "replace").strip().strip('"')
        if not DAY_RE.match(day):
            return text(400, f"expected a day YYYY-MM-DD, got {day!r}")
        if not replay.store.has_day(day):
            return text(404, f"no snapshot for day {day}")
        try:
            replay.set_current_day(day)
        except ValueError as exc:
            return text(409, str(exc))
        return json_response({"current_day": day})
    if path == "/_replay/clock" and method in ("GET", "POST"):
        if method == "POST":
            try:
                _move_clock(replay, body)
            except ValueError as exc:
                return text(400, f"invalid clock request: {exc}")
        if replay.clock is None:
            return text(409, "this replay runs without a clock (start it with --clock, or POST {\"now\": ...})")
        return json_response(replay.clock_state())
    if path == "/_replay/refresh" and method == "POST":
        return json_response(replay.refresh())
    if path == "/_replay/faults" and method in ("POST", "DELETE", "GET"):
        if method == "POST":
            try:
                replay.add_faults(parse_faults(body))
            except (ValueError, TypeError) as exc:
                return text(400, f"invalid faults: {exc}")
        elif method == "DELETE":
            replay.clear_faults()
        return json_response({"faults": replay.faults})
    if path == "/_replay/state" and method == "GET":
        return json_response({"current_day": replay.current_day, "days": replay.store.days(),
                              "faults": replay.faults,
                              "clock": replay.clock_state() if replay.clock is not None else None})
    return text(404, f"unknown control endpoint: {method} {path}")


def _move_clock(replay: "ReplayServer", body: bytes) -> None:
    try:
        request = orjson.loads(body or b"{}")
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(request, dict) or not request or set(request) - {"now", "advance_s"}:
        raise ValueError(f"expected an object with `now` and/or `advance_s`, got {request!r}")
    if "now" in request:
        replay.set_clock(request["now"])
    if "advance_s" in request:
        step = request["advance_s"]
        if not isinstance(step, (int, float)) or isinstance(step, bool):
            raise ValueError(f"advance_s must be a number of seconds, got {step!r}")
        if replay.clock is None:
            raise ValueError("no clock to advance: set `now` first")
        replay.clock.advance(step)
