"""Sending exactly once: a real SMTP server on loopback, a real DuckDB ledger, a real outbox."""
from __future__ import annotations

import email
import email.policy
from datetime import date

import pytest


from netpipeline.digest import ledger
from netpipeline.digest.config import DigestConfig
from netpipeline.digest.mailer import (
    OutboxMailer, SmtpMailer, TemporaryMailError, build_message,
)
from netpipeline.digest.send import build_digests, send_digests
from netpipeline.digest.subscriptions import load_subscriptions, parse_subscriptions
from netpipeline.settings import PROJECT_ROOT
from netpipeline.warehouse import connect
from netpipeline_tests.smtp_server import free_port
from netpipeline_tests.digest_samples import BASE, DAY, make_events, make_trials

MAIL_FROM = "NET trials digest <digest@netpipeline.invalid>"
SUBS = parse_subscriptions("""
version: 1
subscribers:
  - {id: ann, email: ann@example.org, name: Ann, rules: {statuses: any}}
  - {id: bob, email: bob@example.org, name: Bob, rules: {net_subtypes: [lung]}}
  - {id: cat, email: cat@example.org, name: Cat, rules: {sponsor_classes: [INDUSTRY], phases: any}}
  - {id: dan, email: dan@example.org, name: Dan, rules: {watchlist: [NCT00569127], mechanism_classes: [interferon]}}
""")
IDS = ["ann", "bob", "cat", "dan"]


@pytest.fixture
def con(tmp_path):
    c = connect(tmp_path / "warehouse" / "test.duckdb")
    yield c
    c.close()


def digests(subs=SUBS, include_empty=False):
    return build_digests(subs, DAY, DAY, BASE, make_events(), make_trials(), include_empty=include_empty)


def send(con, port, ds=None, max_attempts=3, sleeps=None):
    mailer = SmtpMailer("127.0.0.1", port, security="none", timeout=5)
    report = send_digests(con, DAY, ds if ds is not None else digests(), mailer, MAIL_FROM,
                          max_attempts=max_attempts, backoff_s=0.01,
                          sleep=(sleeps.append if sleeps is not None else lambda s: None))
    return report, mailer


def rows(con):
    return ledger.deliveries(con, DAY)


def test_everyone_gets_exactly_their_message_over_one_connection_and_rerun_sends_nothing(smtp, con):
    handler, port = smtp
    ds = digests()
    assert [d.subscriber_id for d in ds] == IDS
    report, mailer = send(con, port, ds)
    assert report.sent == IDS and not report.failed and mailer.connections_opened == 1
    assert handler.received() == {f"{i}@example.org": 1 for i in IDS}
    assert len({peer for _, _, peer in handler.accepted}) == 1
    by_rcpt = {r: email.message_from_bytes(c, policy=email.policy.default) for r, c, _ in handler.accepted}
    for d in ds:
        msg = by_rcpt[d.email]
        assert msg["Message-ID"] == d.message_id and msg["To"].addresses[0].addr_spec == d.email
        assert msg["Subject"] == d.subject
    led = rows(con)
    assert {i: (r.status, r.attempts, r.message_id) for i, r in led.items()} == {
        d.subscriber_id: ("sent", 1, d.message_id) for d in ds}
    assert all(r.sent_at is not None and r.events == d.event_count for d, r in zip(ds, led.values()))

    again, _ = send(con, port)
    assert again.sent == [] and again.skipped_already_sent == IDS
    assert len(handler.accepted) == 4


def test_recipient_refused_with_550_fails_alone(smtp, con):
    handler, port = smtp
    handler.refuse.add("bob@example.org")
    sleeps: list[float] = []
    report, _ = send(con, port, sleeps=sleeps)
    assert report.sent == ["ann", "cat", "dan"]
    assert [sid for sid, _ in report.failed] == ["bob"] and "550" in report.failed[0][1]
    assert report.failed[0][1].startswith("permanent")
    assert sleeps == []  # permanent: no retry
    bob = rows(con)["bob"]
    assert (bob.status, bob.attempts, bob.sent_at) == ("failed", 1, None) and "mailbox unavailable" in bob.error
    assert "bob@example.org" not in handler.received()

    handler.refuse.clear()  # the address is fixed; a rerun delivers only to bob
    report, _ = send(con, port)
    assert report.sent == ["bob"] and report.skipped_already_sent == ["ann", "cat", "dan"]
    assert handler.received() == {f"{i}@example.org": 1 for i in IDS}


def test_451_once_then_accepted_after_retry(smtp, con):
    handler, port = smtp
    handler.tempfail_once.add("cat@example.org")
    sleeps: list[float] = []
    report, _ = send(con, port, sleeps=sleeps)
    assert report.sent == IDS and not report.failed and sleeps == [0.01]
    assert rows(con)["cat"].attempts == 2 and rows(con)["cat"].status == "sent"
    assert rows(con)["ann"].attempts == 1
    assert handler.received()["cat@example.org"] == 1


def test_connection_dropped_once_is_reconnected_within_the_run(smtp, con):
    handler, port = smtp
    handler.drop_after = 1
    report, mailer = _send_and_heal(con, port, handler)
    assert report.sent == IDS and mailer.connections_opened == 2
    assert handler.received() == {f"{i}@example.org": 1 for i in IDS}
    assert rows(con)["bob"].attempts == 2


def _send_and_heal(con, port, handler):
    """Send with a sleep that heals the server after the first drop (a short network blip)."""
    def heal(_seconds):
        handler.drop_after = None
    mailer = SmtpMailer("127.0.0.1", port, security="none", timeout=5)
    return send_digests(con, DAY, digests(), mailer, MAIL_FROM, max_attempts=3, backoff_s=0.01, sleep=heal), mailer


def test_server_dropping_mid_batch_then_rerun_loses_and_duplicates_nothing(smtp, con):
    handler, port = smtp
    handler.drop_after = 1  # every DATA after the first accepted message loses the connection
    sleeps: list[float] = []
    report, mailer = send(con, port, max_attempts=2, sleeps=sleeps)
    assert report.sent == ["ann"]
    assert [sid for sid, _ in report.failed] == ["bob", "cat", "dan"]
    assert all(err.startswith("temporary") for _, err in report.failed)
    assert sleeps == [0.01, 0.01, 0.01]
    assert {i: (r.status, r.attempts) for i, r in rows(con).items()} == {
        "ann": ("sent", 1), "bob": ("failed", 2), "cat": ("failed", 2), "dan": ("failed", 2)}

    handler.drop_after = None
    report, _ = send(con, port)
    assert report.sent == ["bob", "cat", "dan"] and report.skipped_already_sent == ["ann"]
    assert handler.received() == {f"{i}@example.org": 1 for i in IDS}
    assert {i: r.status for i, r in rows(con).items()} == {i: "sent" for i in IDS}
    n = con.execute("SELECT count(*) FROM digest.deliveries WHERE snapshot_date = ?", [DAY]).fetchone()[0]
    assert n == 4


def test_connection_refused_is_temporary_and_recorded(con):
    sleeps: list[float] = []
    report, _ = send(con, free_port(), max_attempts=3, sleeps=sleeps)
    assert report.sent == [] and len(report.failed) == 4 and sleeps == [0.01, 0.02] * 4
    assert all("temporary" in err and "connection" in err for _, err in report.failed)
    assert {r.attempts for r in rows(con).values()} == {3}


def test_starttls_never_falls_back_to_plain_text(smtp, con):
    _, port = smtp  # this server does not offer STARTTLS
    mailer = SmtpMailer("127.0.0.1", port, security="starttls", timeout=5)
    report = send_digests(con, DAY, digests()[:1], mailer, MAIL_FROM, backoff_s=0, sleep=lambda s: None)
    assert report.failed and "permanent" in report.failed[0][1] and "STARTTLS" in report.failed[0][1].upper()


def test_empty_digests_are_skipped_unless_send_when_empty(smtp, con):
    handler, port = smtp
    subs = parse_subscriptions("""
version: 1
subscribers:
  - {id: quiet, email: q@example.org, name: Q, rules: {net_subtypes: [thymic]}}
  - {id: always, email: a@example.org, name: A, send_when_empty: true, rules: {net_subtypes: [thymic]}}
""")
    assert [d.subscriber_id for d in digests(subs)] == ["always"]
    report, _ = send(con, port, digests(subs, include_empty=True))
    assert report.sent == ["always"] and report.skipped_empty == ["quiet"]
    assert rows(con)["quiet"].status == "skipped_empty" and rows(con)["quiet"].attempts == 0
    [(rcpt, content, _)] = handler.accepted
    assert rcpt == "a@example.org" and b"no changes" in content


def test_example_subscriptions_end_to_end(smtp, con):
    handler, port = smtp
    subs = load_subscriptions(PROJECT_ROOT / "data" / "subscriptions.yaml")
    ds = build_digests(subs, DAY, DAY, BASE, make_events(), make_trials())
    report, _ = send(con, port, ds)
    assert not report.failed and len(report.sent) == len(ds) >= 4
    assert {"patient-boston", "analyst-industry", "watchlist-coordinator"} <= set(report.sent)
    assert sorted(handler.received().values()) == [1] * len(ds)


def test_ledger_upsert_keeps_one_row_and_never_downgrades_sent(con):
    ledger.ensure_ledger(con)
    common = dict(day=DAY, subscriber_id="x", email="x@example.org", message_id="<m>")
    ledger.record(con, status="failed", attempts=3, error="temporary: boom", **common)
    ledger.record(con, status="sent", attempts=1, **common)
    assert con.execute("SELECT count(*), any_value(status) FROM digest.deliveries").fetchone() == (1, "sent")
    with pytest.raises(ledger.LedgerError):
        ledger.record(con, status="failed", attempts=1, error="late", **common)
    assert ledger.already_sent(con, DAY) == {"x"} and ledger.already_sent(con, date(2026, 11, 20)) == set()


def test_outbox_writes_eml_and_html_atomically(tmp_path):
    outbox = tmp_path / "outbox"
    mailer = OutboxMailer(outbox)
    ds = digests()
    con = connect(tmp_path / "w.duckdb")
    report = send_digests(con, DAY, ds, mailer, MAIL_FROM)
    assert report.sent == IDS
    folder = outbox / "2026-11-19"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [f"{i}.eml" for i in IDS] + [f"{i}.html" for i in IDS])  # no temp files left behind
    msg = email.message_from_bytes((folder / "ann.eml").read_bytes(), policy=email.policy.default)
    assert msg["Message-ID"] == ds[0].message_id and msg.get_body(("html",)) is not None
    assert (folder / "ann.html").read_text(encoding="utf-8") == ds[0].html

    # a write that cannot complete leaves no partial file and is reported as temporary
    (folder / "bob.eml").unlink()
    (folder / "bob.eml").mkdir()
    with pytest.raises(TemporaryMailError):
        mailer.send(build_message(ds[1], MAIL_FROM), ds[1])
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]


def mailer_from_settings():
    return DigestConfig.from_settings().mailer()


def test_mailer_from_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("NETPIPELINE_SMTP_HOST", "")
    monkeypatch.setenv("NETPIPELINE_OUTBOX", str(tmp_path / "box"))
    m = mailer_from_settings()
    assert isinstance(m, OutboxMailer) and m.outbox_dir == tmp_path / "box"
    monkeypatch.setenv("NETPIPELINE_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("NETPIPELINE_SMTP_PORT", "465")
    monkeypatch.setenv("NETPIPELINE_SMTP_SECURITY", "ssl")
    monkeypatch.setenv("NETPIPELINE_SMTP_USER", "u")
    m = mailer_from_settings()
    assert isinstance(m, SmtpMailer) and (m.host, m.port, m.security, m.user) == ("smtp.example.org", 465, "ssl", "u")
    monkeypatch.setenv("NETPIPELINE_SMTP_SECURITY", "tls-please")
    with pytest.raises(ValueError, match="starttls"):
        mailer_from_settings()
    monkeypatch.setenv("NETPIPELINE_SMTP_PORT", "twenty-five")
    with pytest.raises(ValueError, match="NETPIPELINE_SMTP_PORT must be a number"):
        mailer_from_settings()


def test_the_dagster_resource_and_the_environment_give_the_same_config(monkeypatch, tmp_path):
    from netpipeline.orchestration.resources import build_resources

    monkeypatch.setenv("NETPIPELINE_SMTP_HOST", "smtp.example.org")
    monkeypatch.setenv("NETPIPELINE_SMTP_PORT", "2525")
    monkeypatch.setenv("NETPIPELINE_SUBSCRIPTIONS", str(tmp_path / "subs.yaml"))
    resource = build_resources()["mail"]
    assert resource.process_config_and_initialize().config() == DigestConfig.from_settings()
    assert DigestConfig.from_settings().smtp_port == 2525
