"""send_day over the demo warehouse with the real SMTP server: exactly once, with the warehouse
free while mail travels, a crashed run's accepted messages folded from the journal."""
from __future__ import annotations

import email
import email.policy
import shutil
import subprocess
import sys
from datetime import date

import pytest

from netpipeline.digest import ledger
from netpipeline.digest.config import DigestConfig
from netpipeline.digest.day import send_day
from netpipeline.digest.journal import DeliveryJournal, DigestBusyError
from netpipeline.digest.mailer import SmtpMailer
from netpipeline.warehouse import connect
from netpipeline_tests.conftest import DEMO_DAYS, DEMO_REPLAY, PROJECT_ROOT
from netpipeline_tests.pipeline_harness import pipeline

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
