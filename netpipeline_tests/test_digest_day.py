"""send_day over the demo warehouse with the real SMTP server: exactly once, with the warehouse
free while mail travels, a crashed run's accepted messages folded from the journal."""
from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date

import pytest

from netpipeline.digest import cli, ledger
from netpipeline.digest.cli import CliError
from netpipeline.digest.config import DigestConfig
from netpipeline.digest.day import send_day
from netpipeline.digest.journal import DeliveryJournal, DigestBusyError
from netpipeline.digest.mailer import SmtpMailer
from netpipeline.digest.unsubscribe import make_token, verify_token
from netpipeline.settings import setting
from netpipeline.warehouse import WarehouseLockedError, connect
from netpipeline_tests.conftest import DEMO_DAYS, DEMO_REPLAY, PROJECT_ROOT
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.warehouse_holder import Holder

pytestmark = pytest.mark.slow
DAY = date(2026, 11, 19)
SUBSCRIPTIONS = PROJECT_ROOT / "data" / "subscriptions.yaml"


@pytest.fixture(scope="module")
def demo_warehouse(tmp_path_factory):
    """The three demo days through the real pipeline (no digests sent): a warehouse file to copy."""
    tmp_path = tmp_path_factory.mktemp("demo-warehouse")
    with pytest.MonkeyPatch.context() as mp, pipeline(tmp_path, DEMO_REPLAY, mp) as h:
        for day in DEMO_DAYS:
            assert h.run_day(day, assets=["raw/ctgov_studies", "trials/trial_tables", "changes/events"]).success
    return h.warehouse


@pytest.fixture
def warehouse(demo_warehouse, tmp_path):
    path = tmp_path / "warehouse" / "w.duckdb"
    path.parent.mkdir()
    shutil.copy(demo_warehouse, path)
    return path


def config(port: int, tmp_path) -> DigestConfig:
    return DigestConfig(subscriptions_file=str(SUBSCRIPTIONS), outbox_dir=str(tmp_path / "outbox"),
                        mail_from="NET trials digest <digest@netpipeline.example>", smtp_host="127.0.0.1",
                        smtp_port=port, smtp_security="none")


def sent_rows(path, day=DAY) -> dict[str, str]:
    con = connect(path, read_only=True)
    try:
        if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'digest'").fetchone()[0]:
            return {}
        return {sid: d.status for sid, d in ledger.deliveries(con, day).items()}
    finally:
        con.close()


class ProbingMailer(SmtpMailer):
    """The real SMTP mailer; after the first accepted message another process opens the warehouse
    for writing (it could not if this run still held it), then the run may be 'killed'."""

    def __init__(self, port, warehouse, kill_after: int | None = None, probe: bool = True):
        super().__init__("127.0.0.1", port, security="none", timeout=5)
        self.warehouse, self.kill_after, self.accepted, self.probe = warehouse, kill_after, 0, None
        self.probing = probe

    def send(self, message, rendered):
        super().send(message, rendered)
        self.accepted += 1
        if self.accepted == 1 and self.probing:
            code = f"import duckdb; c = duckdb.connect({str(self.warehouse)!r}); c.execute('SELECT 1'); c.close()"
            self.probe = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
        if self.kill_after is not None and self.accepted == self.kill_after:
            # Accepted by the server, but the process dies before the journal hears of it.
            raise KeyboardInterrupt("killed")


def test_send_day_sends_once_and_leaves_the_warehouse_free_during_smtp(smtp, warehouse, tmp_path):
    handler, port = smtp
    mailer = ProbingMailer(port, warehouse)
    report = send_day(DAY, warehouse, config(port, tmp_path), mailer=mailer)
    assert not report.deliveries.failed and len(report.deliveries.sent) >= 3
    assert mailer.probe.returncode == 0, mailer.probe.stderr  # another writer got in mid fan-out
    assert report.warehouse_opens == 2 and report.warehouse_held_s < 5
    assert sorted(handler.received().values()) == [1] * len(report.deliveries.sent)
    assert {sid for sid, s in sent_rows(warehouse).items() if s == "sent"} == set(report.deliveries.sent)

    again = send_day(DAY, warehouse, config(port, tmp_path))
    assert again.deliveries.sent == [] and set(again.deliveries.skipped_already_sent) == set(report.deliveries.sent)
    assert sorted(handler.received().values()) == [1] * len(report.deliveries.sent)


def test_a_run_killed_mid_fan_out_is_completed_by_the_next_without_resending(smtp, warehouse, tmp_path):
    handler, port = smtp
    killed = ProbingMailer(port, warehouse, kill_after=3, probe=False)
    with pytest.raises(KeyboardInterrupt):
        send_day(DAY, warehouse, config(port, tmp_path), mailer=killed)
    first_two = [rcpt for rcpt, _, _ in handler.accepted[:2]]
    assert sent_rows(warehouse) == {}  # nothing folded yet: the two accepted messages are only in the journal

    report = send_day(DAY, warehouse, config(port, tmp_path))
    received = handler.received()
    assert all(received[rcpt] == 1 for rcpt in first_two)  # recovered from the journal, not resent
    # The third was accepted but never recorded: the one window, resent with the same Message-ID.
    third = handler.accepted[2][0]
    assert received[third] == 2
    ids = {email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"]
           for rcpt, raw, _ in handler.accepted if rcpt == third}
    assert len(ids) == 1
    assert sorted(s for s in sent_rows(warehouse).values() if s == "sent") == ["sent"] * (len(report.deliveries.sent) + 2)


def test_two_runs_of_one_day_cannot_send_at_the_same_time(smtp, warehouse, tmp_path):
    handler, port = smtp
    with DeliveryJournal(warehouse.parent / "digest-journal", DAY):
        with pytest.raises(DigestBusyError, match="another process"):
            send_day(DAY, warehouse, config(port, tmp_path))
    assert handler.accepted == [] and sent_rows(warehouse) == {}



def test_a_reader_holding_the_warehouse_makes_the_digest_wait_then_fail_naming_it(smtp, warehouse, tmp_path):
    handler, port = smtp
    said = []
    with Holder(warehouse) as notebook:
        started = time.monotonic()
        with pytest.raises(WarehouseLockedError) as failure:
            send_day(DAY, warehouse, config(port, tmp_path), lock_wait_s=1, log=said.append)
        elapsed = time.monotonic() - started
    message = str(failure.value)
    assert str(warehouse) in message and f"(PID {notebook.pid})" in message
    assert "NETPIPELINE_WAREHOUSE_LOCK_WAIT_S=1" in message and setting("NETPIPELINE_PUBLISHED_WAREHOUSE") in message
    assert 1 <= elapsed < 10 and len(said) == 1 and "waiting up to 1 s" in said[0]
    assert handler.accepted == [] and sent_rows(warehouse) == {}

    report = send_day(DAY, warehouse, config(port, tmp_path), lock_wait_s=1)  # the reader has left
    assert report.deliveries.sent and not report.deliveries.failed
    assert sorted(handler.received().values()) == [1] * len(report.deliveries.sent)

SECRET = "test-secret-key-0123456789"
URL = "https://trials.example.org/unsubscribe?t={token}"


def messages(handler):
    return [(rcpt, email.message_from_bytes(raw, policy=email.policy.default)) for rcpt, raw, _ in handler.accepted]


def with_links(cfg: DigestConfig, **kw) -> DigestConfig:
    return replace(cfg, **kw)


def test_every_digest_carries_list_unsubscribe_and_a_line_in_both_parts(smtp, warehouse, tmp_path):
    handler, port = smtp
    report = send_day(DAY, warehouse, config(port, tmp_path))  # nothing configured: the mailto default
    assert report.deliveries.sent
    for rcpt, msg in messages(handler):
        assert msg["List-Unsubscribe"].startswith("<mailto:unsubscribe@netpipeline.example?subject=unsubscribe")
        assert msg["List-Unsubscribe-Post"] is None  # no https URL, so no one-click claim
        assert "write to unsubscribe@netpipeline.example" in msg.get_body(("plain",)).get_content()
        assert 'href="mailto:unsubscribe@netpipeline.example?subject=' in msg.get_body(("html",)).get_content()


def test_a_one_click_token_round_trips_and_the_address_gets_nothing_the_next_day(smtp, warehouse, tmp_path, monkeypatch):
    handler, port = smtp
    monkeypatch.setenv("NETPIPELINE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NETPIPELINE_SECRET_KEY", SECRET)
    monkeypatch.setenv("NETPIPELINE_SUBSCRIPTIONS", str(SUBSCRIPTIONS))
    cfg = with_links(config(port, tmp_path), unsubscribe_url=URL, secret_key=SECRET)
    report = send_day(DAY, warehouse, cfg)
    received = messages(handler)
    assert len(received) == len(report.deliveries.sent) > 1
    for rcpt, msg in received:
        url = msg["List-Unsubscribe"].split(",")[0].strip("<> ")
        assert url.startswith("https://trials.example.org/unsubscribe?t=") and msg["List-Unsubscribe"].count("<") == 2
        assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert url in msg.get_body(("plain",)).get_content() and url in msg.get_body(("html",)).get_content()
    leaver, msg = received[0]
    token = msg["List-Unsubscribe"].split(",")[0].strip("<> ").split("t=", 1)[1]
    assert verify_token(SECRET, token)[1] == leaver  # verifiable with the key alone

    payload, mac = token.split(".")
    for forged in (f"{payload}.{mac[:-2]}{'AA' if mac[-2:] != 'AA' else 'BB'}",
                   f"{make_token(SECRET, 'x', 'other@example.org').split('.')[0]}.{mac}",
                   make_token("another-key", "x", leaver)):
        with pytest.raises(CliError, match="refused"):
            cli.unsubscribe(forged, DigestConfig.from_settings())
    assert "unsubscribed" in cli.unsubscribe(token, DigestConfig.from_settings())
    assert "already" in cli.unsubscribe(token, DigestConfig.from_settings())

    before = len(handler.accepted)
    nxt = send_day(date(2026, 11, 20), warehouse, cfg)  # the address is still in the subscriptions file
    later = [rcpt for rcpt, _, _ in handler.accepted[before:]]
    assert leaver not in later and later and len(nxt.deliveries.suppressed) == 1


def test_an_address_unsubscribed_by_the_operator_gets_nothing(smtp, warehouse, tmp_path, monkeypatch):
    handler, port = smtp
    monkeypatch.setenv("NETPIPELINE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NETPIPELINE_SUBSCRIPTIONS", str(SUBSCRIPTIONS))
    assert cli.main(["unsubscribe", "Analyst@Example.org"]) == 0
    send_day(DAY, warehouse, config(port, tmp_path))
    assert handler.received() and "analyst@example.org" not in handler.received()
    con = connect(warehouse, read_only=True)
    assert con.execute("SELECT email, subscriber_id, how FROM digest.suppressions").fetchall() == [
        ("analyst@example.org", "analyst-industry", "address")]
    con.close()


def test_a_url_without_a_secret_key_is_a_clear_error_before_anything_is_sent(smtp, warehouse, tmp_path):
    handler, port = smtp
    with pytest.raises(ValueError, match="NETPIPELINE_SECRET_KEY is empty"):
        send_day(DAY, warehouse, with_links(config(port, tmp_path), unsubscribe_url=URL))
    assert handler.accepted == []


def test_preview_prints_what_the_subscriber_gets_and_writes_nothing(smtp, warehouse, tmp_path, monkeypatch, capsys):
    handler, port = smtp
    monkeypatch.setenv("NETPIPELINE_WAREHOUSE", str(warehouse))
    monkeypatch.setenv("NETPIPELINE_SUBSCRIPTIONS", str(SUBSCRIPTIONS))
    monkeypatch.setenv("NETPIPELINE_MAIL_FROM", "NET trials digest <digest@netpipeline.example>")
    html = tmp_path / "boston.html"
    assert cli.main(["preview", "--subscriber", "patient-boston", "--day", "2026-11-19", "--html", str(html)]) == 0
    shown = capsys.readouterr().out
    assert sent_rows(warehouse) == {} and handler.accepted == []  # nothing sent, no ledger row
    send_day(DAY, warehouse, config(port, tmp_path))
    [(_, msg)] = [(r, m) for r, m in messages(handler) if r == "patient.boston@example.org"]
    def lf(text):
        return text.replace("\r\n", "\n")  # SMTP line ends
    assert shown.endswith(lf(msg.get_body(("plain",)).get_content())) and f"Subject: {msg['Subject']}" in shown
    assert html.read_text(encoding="utf-8") == lf(msg.get_body(("html",)).get_content())
    assert cli.main(["preview", "--subscriber", "patient-boston", "--day", "2026-11-19"]) == 0
    assert "already sent" in capsys.readouterr().out
    assert cli.main(["preview", "--subscriber", "nobody", "--day", "2026-11-19"]) == 2
    assert "no subscriber 'nobody'" in capsys.readouterr().err


WEEKLY = """
version: 1
subscribers:
  - {id: daily, email: daily@example.org, name: Daily, rules: {phases: any, statuses: any, sponsor_classes: any}}
  - {id: weekly, email: weekly@example.org, name: Weekly, cadence: {weekly: friday},
     rules: {phases: any, statuses: any, sponsor_classes: any}}
"""


def test_a_weekly_subscriber_gets_one_digest_with_every_event_of_the_week(smtp, warehouse, tmp_path):
    handler, port = smtp
    subs = tmp_path / "subs.yaml"
    subs.write_text(WEEKLY)
    cfg = replace(config(port, tmp_path), subscriptions_file=str(subs))
    thursday = send_day(date(2026, 11, 19), warehouse, cfg)
    assert thursday.deliveries.not_due == ["weekly"] and "weekly" not in sent_rows(warehouse)
    friday = send_day(date(2026, 11, 20), warehouse, cfg)
    again = send_day(date(2026, 11, 20), warehouse, cfg)
    assert again.deliveries.skipped_already_sent == ["daily", "weekly"]
    assert handler.received() == {"daily@example.org": 2, "weekly@example.org": 1}

    dailies = {d.day: d for r in (thursday, friday) for d in r.digests if d.subscriber_id == "daily"}
    [week] = [d for d in friday.digests if d.subscriber_id == "weekly"]
    assert week.event_count == sum(d.event_count for d in dailies.values()) > 0
    assert week.counts == {k: sum(d.counts.get(k, 0) for d in dailies.values()) for k in week.counts}
    assert "since Friday 13 November" in week.text  # a week back: the subscriber's first weekly digest
    for daily in dailies.values():
        for line in daily.text.splitlines():
            if line.startswith((" * ", "== ")):
                assert line in week.text, line  # every change of each day, in the one weekly digest
