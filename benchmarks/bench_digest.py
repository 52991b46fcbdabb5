"""Benchmark: the digest fan-out to 10,000 subscribers against a real SMTP server (aiosmtpd).

    uv run --frozen python benchmarks/bench_digest.py                 # 10,000 subscribers
    uv run --frozen python benchmarks/bench_digest.py --n 2000 --skip-held

Builds the demo warehouse (the three demo replay days through the real daily job), then sends
the digests of 2026-11-19 to N subscribers (the demo's rules cycled, every one with
send_when_empty and daily, so everybody gets a message) to aiosmtpd on loopback, twice:
- "held connection": the ledger written on one connection held for the whole fan-out (how the
  asset worked before send_day; `send.send_digests`);
- "send_day": the asset's path: one short read, rendering and SMTP with the warehouse closed,
  outcomes journalled and folded into digest.deliveries in short batches.
The table gives the wall time, how long a warehouse connection was open in all (while it is,
no other process can write the warehouse), and the number of connections.
Results: docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

DAY = date(2026, 11, 19)


class CountingHandler:
    def __init__(self):
        self.accepted = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        return "250 2.0.0 accepted"


def build_demo_warehouse(work: Path) -> Path:
    import dagster as dg

    from netpipeline.definitions import build_definitions
    from netpipeline.orchestration.local_runs import run_day
    from netpipeline.replay.server import ReplayServer

    warehouse = work / "warehouse" / "w.duckdb"
    (work / "dagster_home").mkdir(parents=True, exist_ok=True)
    with ReplayServer(PROJECT_ROOT / "data" / "replay") as replay, \
            dg.instance_for_test(temp_dir=str(work / "dagster_home")) as instance:
        os.environ.update({"NETPIPELINE_CTGOV_BASE_URL": replay.url_template, "NETPIPELINE_WAREHOUSE": str(warehouse),
                           "NETPIPELINE_REQUESTS_PER_MINUTE": "6000", "NETPIPELINE_SMTP_HOST": ""})
        defs = build_definitions()
        for day in ("2026-11-18", "2026-11-19", "2026-11-20"):
            outcome = run_day(defs, instance, day, log_level="WARNING",
                              asset_selection=[dg.AssetKey.from_user_string(a) for a in
                                               ("raw/ctgov_studies", "trials/trial_tables", "changes/events")])
            assert outcome.success, outcome.error
    return warehouse


def subscribers(n: int):
    from netpipeline.digest.subscriptions import load_subscriptions

    demo = load_subscriptions(PROJECT_ROOT / "data" / "subscriptions.yaml")
    return [replace(demo[i % len(demo)], id=f"s{i:05d}", email=f"s{i:05d}@example.org", send_when_empty=True,
                    weekly_on=None)
            for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="subscribers")
    parser.add_argument("--skip-held", action="store_true", help="skip the held-connection baseline")
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    from netpipeline_tests.smtp_server import free_port

    from netpipeline.digest import ledger
    from netpipeline.digest.config import DigestConfig
    from netpipeline.digest.day import WarehouseOpener, read_inputs, send_day
    from netpipeline.digest.mailer import SmtpMailer
    from netpipeline.digest.send import build_digests, send_digests

    work = Path(tempfile.mkdtemp(prefix="bench-digest-"))
    try:
        t = time.perf_counter()
        demo = build_demo_warehouse(work)
        print(f"demo warehouse built in {time.perf_counter() - t:.1f} s", flush=True)
        subs = subscribers(args.n)
        rows = []
        for mode in (("send_day",) if args.skip_held else ("held connection", "send_day")):
            warehouse = work / mode.replace(" ", "-") / "w.duckdb"
            warehouse.parent.mkdir()
            shutil.copy(demo, warehouse)
            handler = CountingHandler()
            port = free_port()
            controller = Controller(handler, hostname="127.0.0.1", port=port)
            controller.start()
            config = DigestConfig(subscriptions_file="", outbox_dir=str(work / "outbox"),
                                  mail_from="NET trials digest <digest@netpipeline.example>",
                                  smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
            try:
                started = time.perf_counter()
                if mode == "send_day":
                    report = send_day(DAY, warehouse, config, subscribers=subs)
                    sent, held, opens = len(report.deliveries.sent), report.warehouse_held_s, report.warehouse_opens
                else:
                    opener = WarehouseOpener(warehouse)
                    with opener() as con:
                        ledger.ensure_ledger(con)
                        inputs = read_inputs(con, DAY, subs)
                        digests = build_digests(subs, DAY, inputs.data_date, inputs.base_date, inputs.events,
                                                inputs.trials, include_empty=True)
                        sent = len(send_digests(con, DAY, digests, SmtpMailer("127.0.0.1", port, security="none"),
                                                config.mail_from).sent)
                    held, opens = opener.held_s, opener.opens
                wall = time.perf_counter() - started
            finally:
                controller.stop()
            assert handler.accepted == sent == args.n, (handler.accepted, sent)
            rows.append((mode, args.n, sent, wall, held, opens))
            print(f"{mode}: {wall:.1f} s", flush=True)
        print(f"\n{'path':<16} {'subscribers':>11} {'sent':>7} {'wall s':>8} {'warehouse held s':>17} {'connections':>11}")
        for mode, n, sent, wall, held, opens in rows:
            print(f"{mode:<16} {n:>11,} {sent:>7,} {wall:>8.1f} {held:>17.2f} {opens:>11}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
