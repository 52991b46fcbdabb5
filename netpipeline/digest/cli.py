"""`netpipeline-digest`: what an operator does with digests outside the daily run.

    netpipeline-digest preview --subscriber ID --day D [--html FILE]
    netpipeline-digest unsubscribe EMAIL|TOKEN

Settings come from the environment like the pipeline's (NETPIPELINE_WAREHOUSE,
NETPIPELINE_SUBSCRIPTIONS, NETPIPELINE_SECRET_KEY, ...). `preview` opens the warehouse
read-only, sends nothing and writes no ledger row.
"""
from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

import duckdb

from netpipeline.digest.config import DigestConfig
from netpipeline.digest.day import DigestGateError, read_inputs, render_day
from netpipeline.digest.mailer import build_message
from netpipeline.digest.subscription_errors import SubscriptionsError
from netpipeline.digest.subscriptions import load_subscriptions
from netpipeline.digest.unsubscribe import TokenError, suppress, verify_token
from netpipeline.settings import setting
from netpipeline.warehouse import connect


class CliError(Exception):
    pass


def _warehouse() -> Path:
    path = Path(setting("NETPIPELINE_WAREHOUSE"))
    if not path.exists():
        raise CliError(f"no warehouse at {path} (set NETPIPELINE_WAREHOUSE)")
    return path


def preview(subscriber_id: str, day: date, html_file: Path | None, config: DigestConfig) -> str:
    """The digest `subscriber_id` would get for `day`, headers first, or why they would get none."""
    subscribers = load_subscriptions(config.subscriptions_file)
    sub = next((s for s in subscribers if s.id == subscriber_id), None)
    if sub is None:
        raise CliError(f"no subscriber {subscriber_id!r} in {config.subscriptions_file}; "
                       f"known: {', '.join(s.id for s in subscribers)}")
    try:
        con = connect(_warehouse(), read_only=True)
    except duckdb.IOException as exc:
        raise CliError(f"cannot open the warehouse read-only (a run may be writing it; try again): {exc}") from None
    try:
        inputs = read_inputs(con, day, [sub])
    finally:
        con.close()
    if sub.email.lower() in inputs.suppressed:
        return f"nothing: {sub.email} has unsubscribed (digest.suppressions); no digest is sent to it\n"
    digests, not_due = render_day(inputs, [sub], config.unsubscribe())
    if not_due:
        return f"nothing: {sub.id} gets a digest {sub.cadence}, and none is due on {day}\n"
    [digest] = digests
    if html_file is not None:
        html_file.write_text(digest.html, encoding="utf-8")
    notes = []
    if not digest.should_send:
        notes.append(f"nothing: no events for {sub.id} on {day} and send_when_empty is false "
                     "(this is the digest they would get if it were true)")
    if sub.id in inputs.already_sent:
        notes.append(f"already sent for {day}: a run would not send it again")
    message = build_message(digest, config.mail_from)
    headers = "".join(f"{k}: {message[k]}\n" for k in ("From", "To", "Subject", "Message-ID", "List-Unsubscribe",
                                                       "List-Unsubscribe-Post") if message[k])
    return "".join(f"# {n}\n" for n in notes) + headers + "\n" + digest.text


def unsubscribe(who: str, config: DigestConfig) -> str:
    """Record EMAIL or a signed TOKEN in digest.suppressions."""
    if "@" in who:
        email, how = who.strip().lower(), "address"
        subscribers = load_subscriptions(config.subscriptions_file) if Path(config.subscriptions_file).exists() else []
        subscriber_id = next((s.id for s in subscribers if s.email.lower() == email), None)
    else:
        try:
            subscriber_id, email = verify_token(config.secret_key, who)
        except TokenError as exc:
            raise CliError(f"refused: {exc}") from None
        how = "token"
    con = connect(_warehouse())
    try:
        added = suppress(con, email, subscriber_id, how)
    finally:
        con.close()
    who_text = f"{email}" + (f" (subscriber {subscriber_id})" if subscriber_id else "")
    return f"{who_text} unsubscribed; no further digests" if added else f"{who_text} had already unsubscribed"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="netpipeline-digest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("preview", help="print what a subscriber would get for a day (sends nothing)")
    p.add_argument("--subscriber", required=True)
    p.add_argument("--day", required=True, type=date.fromisoformat)
    p.add_argument("--html", type=Path, help="also write the HTML part to this file")
    u = commands.add_parser("unsubscribe", help="stop all digests to an address (EMAIL, or a link's TOKEN)")
    u.add_argument("who", metavar="EMAIL|TOKEN")
    args = parser.parse_args(argv)
    try:
        config = DigestConfig.from_settings()
        if args.command == "preview":
            sys.stdout.write(preview(args.subscriber, args.day, args.html, config))
        else:
            print(unsubscribe(args.who, config))
    except (CliError, SubscriptionsError, DigestGateError, ValueError, RuntimeError) as exc:
        print(f"netpipeline-digest: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
