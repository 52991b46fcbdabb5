"""A full disk under the digest's ledger and delivery journal (issue 13): one error in words (which
day, what could not be written, what was sent and where it is recorded, what to do), the day's
data untouched, and a re-run after space is freed sends each digest once. Real tmpfs, real runs, real SMTP."""
from __future__ import annotations

import email
import email.policy
import textwrap
from collections import Counter

import pytest

from netpipeline.digest import ledger
from netpipeline.orchestration.local_runs import run_day
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.small_disk import (
    failed_steps,
    fill,
    small_disk,
    storage_error_message,
)

D1 = "2026-10-01"
SUBSCRIBERS = ("ana", "ben", "cho")


def _mailed(handler) -> Counter:
    """Messages the SMTP server accepted, by (recipient id, Message-ID)."""
    found = Counter()
    for recipient, content, _ in handler.accepted:
        message = email.message_from_bytes(content, policy=email.policy.default)
        found[(recipient.split("@")[0], message["Message-ID"])] += 1
    return found


def _digest(h, day: str):
    return run_day(h.defs, h.instance, day, job_name="digest_job")


@pytest.mark.slow
def test_a_full_disk_under_the_digest_ledger_says_what_was_sent_and_a_rerun_sends_each_once(tmp_path, monkeypatch, smtp):
    snapshots = tmp_path / "replay"
    write_day(snapshots, D1, [make_study(nct(i), D1) for i in range(1, 6)])
    subscriptions = tmp_path / "subscriptions.yaml"
    subscriptions.write_text("version: 1\nsubscribers:\n" + "".join(textwrap.dedent(f"""\
          - id: {who}
            email: {who}@example.org
            send_when_empty: true
        """) for who in SUBSCRIBERS), encoding="utf-8")
    handler, port = smtp
    env = {"NETPIPELINE_SMTP_HOST": "127.0.0.1", "NETPIPELINE_SMTP_PORT": str(port), "NETPIPELINE_SMTP_SECURITY": "none"}
    with small_disk(tmp_path / "warehouse", "24m") as disk, \
            pipeline(tmp_path, snapshots, monkeypatch, subscriptions=subscriptions, env=env) as h:
        assert h.warehouse.parent == disk
        assert h.run_day(D1).success
        day_tables = "SELECT (SELECT count(*) FROM quality.check_results), (SELECT count(*) FROM changes.events)"
        stored = h.query(day_tables)

        # Full before the first digest: the ledger cannot even be created; nothing is sent.
        filler = fill(disk)
        outcome = _digest(h, D1)
        assert not outcome.success and failed_steps(h.instance, outcome.run_id) == ["digest__emails"]
        error = storage_error_message(h.instance, outcome.run_id)
        print(error)
        assert error.startswith(f"{D1}: step digest/emails could not write the warehouse {h.warehouse}: "
                                "the disk is full (") and "No space left on device" in error
        assert "This run sent no digest. The day's data, checks and change-log are not affected. Free space " \
               f"(or fix the storage), then re-run digest/emails for {D1}: a digest recorded as sent is not sent again." \
               in error
        assert _mailed(handler) == Counter()
        filler.unlink()
        con = connect(h.warehouse)   # the ledger exists, as after any earlier digest
        try:
            ledger.ensure_ledger(con)
        finally:
            con.close()

        # Full while the digests go out: the first one is accepted by the server, then its journal
        # line cannot be written. The error names it; the re-run sends it again (same Message-ID)
        # and the others once.
        before = _mailed(handler)
        filler = fill(disk)
        outcome = _digest(h, D1)
        assert not outcome.success and failed_steps(h.instance, outcome.run_id) == ["digest__emails"]
        error = storage_error_message(h.instance, outcome.run_id)
        print(error)
        first = _mailed(handler) - before
        assert len(first) == 1 and sum(first.values()) == 1
        (who, message_id), = first
        journal = h.warehouse.parent / "digest-journal" / f"{D1}.jsonl"
        assert error.startswith(f"{D1}: step digest/emails could not write the delivery journal {journal}: "
                                "the disk is full (")
        assert (f"This run sent 1 digest(s) before the error: 0 recorded in digest.deliveries, 0 only in the "
                f"delivery journal {journal} (the next run folds them into the ledger). The digest to {who} was "
                f"accepted by the mail server but could not be recorded: the re-run sends it again, with the same "
                f"Message-ID {message_id}") in error
        filler.unlink()
        assert _digest(h, D1).success
        second = _mailed(handler) - before
        assert second[(who, message_id)] == 2
        assert sorted(w for w, _ in second) == sorted(SUBSCRIBERS) and sum(second.values()) == len(SUBSCRIBERS) + 1
        assert h.query("SELECT subscriber_id, count(*) FROM digest.deliveries WHERE snapshot_date = ? AND status = 'sent' "
                       "GROUP BY ALL ORDER BY 1", [D1]) == [(w, 1) for w in sorted(SUBSCRIBERS)]
        assert h.query(day_tables) == stored
