"""The digest asset through real Dagster runs, sending to a real SMTP server on loopback."""
from __future__ import annotations

import copy
import email
from email import policy

import pytest

from netpipeline.orchestration.local_runs import run_day
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

pytestmark = pytest.mark.slow
D1, D2 = "2026-11-18", "2026-11-19"
HOSTILE_TITLE = "<script>alert('x')</script> Lutathera in pancreatic NET\r\nBcc: evil@example.org"

SUBSCRIPTIONS = """
version: 1
subscribers:
  - {id: everything, email: all@example.org, name: All Trials, rules: {phases: any, statuses: any, sponsor_classes: any}}
  - {id: boston, email: boston@example.org, name: "Boston Patient",
     rules: {near: [{label: Boston, lat: 42.3601, lon: -71.0589, radius_km: 50}], event_types: [sites]}}
  - {id: quiet, email: quiet@example.org, name: Quiet, rules: {watchlist: [NCT09999999], statuses: [COMPLETED]}}
"""


@pytest.fixture
def days(tmp_path):
    base = [make_study(nct(i)) for i in range(1, 6)]
    write_day(tmp_path / "snap", D1, base)
    day2 = copy.deepcopy(base)
    day2.append(make_study(nct(42), **{"identificationModule.briefTitle": HOSTILE_TITLE}))
    day2[0]["protocolSection"]["contactsLocationsModule"]["locations"].append(
        {"facility": "Dana-Farber <b>Cancer</b> Institute\r\nBcc: evil@example.org", "city": "Boston",
         "country": "United States", "status": "RECRUITING", "geoPoint": {"lat": 42.3376, "lon": -71.1070}})
    write_day(tmp_path / "snap", D2, day2)
    subs = tmp_path / "subscriptions.yaml"
    subs.write_text(SUBSCRIPTIONS)
    return tmp_path / "snap", subs


def run_all(tmp_path, monkeypatch, days, port):
    snapshots, subs = days
    env = {"NETPIPELINE_SMTP_HOST": "127.0.0.1", "NETPIPELINE_SMTP_PORT": str(port), "NETPIPELINE_SMTP_SECURITY": "none"}
    return pipeline(tmp_path, snapshots, monkeypatch, subscriptions=subs, env=env)


def test_digests_reach_the_right_subscribers_once_and_escape_hostile_text(tmp_path, monkeypatch, days, smtp):
    handler, port = smtp
    with run_all(tmp_path, monkeypatch, days, port) as h:
        for day in (D1, D2):
            assert h.run_day(day).success
            runs, _ = h.tick_digest()
            assert [r.success for r in runs] == [True]
        assert handler.received() == {"all@example.org": 1, "boston@example.org": 1}
        # Exactly once: the sensor seeing the days again, and a manual re-run, send nothing new.
        h.digest_cursor = None
        runs, skip = h.tick_digest()
        assert runs == [] and skip == f"digests already sent for {D1}, {D2}"
        runs = [run_day(h.defs, h.instance, day, "digest_job") for day in (D1, D2)]
        assert all(r.success for r in runs)
        assert handler.received() == {"all@example.org": 1, "boston@example.org": 1}
        assert sorted(h.query("SELECT subscriber_id, status FROM digest.deliveries WHERE snapshot_date = ?", [D2])) == [
            ("boston", "sent"), ("everything", "sent"), ("quiet", "skipped_empty")]

    messages = {rcpt: email.message_from_bytes(raw, policy=policy.default) for rcpt, raw, _ in handler.accepted}
    everything = messages["all@example.org"]
    assert everything["Bcc"] is None and "evil@example.org" not in str(everything["Subject"])
    assert "2 new" not in everything["Subject"] and "1 new trial" in everything["Subject"]
    html = everything.get_body(("html",)).get_content()
    text = everything.get_body(("plain",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Cancer</b>" not in html and "https://clinicaltrials.gov/study/NCT00000042" in html
    assert "NCT00000042" in text and "Dana-Farber" in text
    boston = messages["boston@example.org"].get_body(("plain",)).get_content()
    assert "Boston" in boston and "km" in boston and "NCT00000042" not in boston  # sites only, near Boston


def test_a_refused_recipient_fails_the_asset_visibly_and_is_retried_on_rerun(tmp_path, monkeypatch, days, smtp):
    handler, port = smtp
    handler.refuse.add("boston@example.org")
    with run_all(tmp_path, monkeypatch, days, port) as h:
        for day in (D1, D2):
            assert h.run_day(day).success
        runs = h.tick_digest()[0]   # both days: D1 has nothing to send, D2 has one refused recipient
        assert [(r.partition, r.success) for r in runs] == [(D1, True), (D2, False)]
        assert "boston" in runs[1].error and "1 digest(s) failed" in runs[1].error
        assert h.query("SELECT status, attempts FROM digest.deliveries WHERE subscriber_id = 'boston' AND snapshot_date = ?", [D2]) == [("failed", 1)]
        assert handler.received() == {"all@example.org": 1}
        handler.refuse.clear()
        assert h.run_day(D2, assets=["digest/emails"]).success
        assert handler.received() == {"all@example.org": 1, "boston@example.org": 1}


def test_a_bad_subscriptions_file_fails_with_a_clear_message_and_sends_nothing(tmp_path, monkeypatch, days, smtp):
    handler, port = smtp
    days[1].write_text(SUBSCRIPTIONS.replace("radius_km: 50", "radius_km: -5"))
    with run_all(tmp_path, monkeypatch, days, port) as h:
        assert h.run_day(D1).success
        runs, _ = h.tick_digest()
        assert not runs[0].success
        assert "boston" in runs[0].error and "radius_km" in runs[0].error
        assert handler.accepted == []
