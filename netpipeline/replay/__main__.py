"""CLI: serve a snapshot folder until SIGTERM/SIGINT.

    uv run --frozen python -m netpipeline.replay --snapshots data/replay --port 8765 \
        [--day YYYY-MM-DD | --clock now|ISO-TIME [--publication-time HH:MM]] [--host 127.0.0.1]
        [--fault '{"kind": "http_503", "times": 2}']...

`--clock now` follows the wall clock on ClinicalTrials.gov's publication calendar; `--clock
2026-11-23T13:30:00Z` starts simulated time there, which only moves through POST /_replay/clock.

The first two lines on stdout are `base URL: ...` and `day URL template: ...` (with the real port
when --port 0), so a parent process can read where to point the client.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .clock import PublicationCalendar, ReplayClock, parse_publication_time
from .faults import parse_faults
from .server import ReplayServer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m netpipeline.replay", description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=Path, default=Path("data/replay"),
                        help="snapshot folder (default data/replay)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--day", help="current day served at /api/v2 (default: latest day in the folder)")
    parser.add_argument("--clock", metavar="now|ISO-TIME",
                        help="follow the publication calendar: `now` (wall clock) or a simulated start time")
    parser.add_argument("--publication-time", default="09:00", metavar="HH:MM",
                        help="publication time, US Eastern (default 09:00; only with --clock)")
    parser.add_argument("--fault", action="append", default=[], metavar="JSON",
                        help="fault to arm, as a JSON object or list (repeatable)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)

    if not args.snapshots.is_dir():
        parser.error(f"snapshot folder {args.snapshots} does not exist")
    try:
        faults = [f for text in args.fault for f in parse_faults(text)]
        clock = None
        if args.clock is not None:
            calendar = PublicationCalendar(parse_publication_time(args.publication_time))
            clock = ReplayClock(None if args.clock == "now" else args.clock, calendar)
        server = ReplayServer(args.snapshots, host=args.host, port=args.port, current_day=args.day,
                              faults=faults, verbose=args.verbose, clock=clock)
    except ValueError as exc:
        parser.error(str(exc))

    stop = threading.Event()
    # Both signals just wake the main thread, which then stops the server cleanly.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server.start()
    days = server.store.days()
    print(f"base URL: {server.url}", flush=True)
    print(f"day URL template: {server.url_template}", flush=True)
    print(f"serving {args.snapshots} ({len(days)} days, current day {server.current_day})", flush=True)
    if clock is not None:
        print(f"clock: {clock.now().isoformat()} ({'simulated' if clock.simulated else 'wall clock'}), "
              f"control at {server.base}/_replay/clock", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    print("replay server stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
