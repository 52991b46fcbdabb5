"""The whole pipeline over the demo replay days, as real Dagster runs on a real instance."""
from __future__ import annotations

import email
from datetime import date

import pytest

from netpipeline.changes.changelog import read_events
from netpipeline.demo.generate import PLANNED_CHANGES
from netpipeline.digest.day import read_inputs
from netpipeline.digest.send import build_digests
from netpipeline.digest.subscriber import Rules, Subscriber
from netpipeline.digest.subscriptions import load_subscriptions
from netpipeline.digest.trial_facts import TrialsToLoad, load_trial_facts
from netpipeline.warehouse import connect
from netpipeline_tests.conftest import DEMO_DAYS, DEMO_REPLAY, PROJECT_ROOT
from netpipeline_tests.pipeline_harness import pipeline

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """All three demo days, each followed by a digest-sensor tick (run once for the module)."""
    tmp_path = tmp_path_factory.mktemp("demo")
    with pytest.MonkeyPatch.context() as mp, pipeline(tmp_path, DEMO_REPLAY, mp) as h:
        outcomes = []
        for day in DEMO_DAYS:
            outcomes.append(h.run_day(day))
            outcomes.append(h.tick_digest())
        yield h, outcomes


def test_every_day_materialises_every_stage(demo_run):
    h, outcomes = demo_run
    days = outcomes[0::2]
    assert all(o.success for o in days), [o.error for o in days]
    for o in days:
        assert o.materialized == ["changes/events", "published/warehouse", "raw/ctgov_studies", "trials/trial_tables"]
        assert not o.failed_checks
    digests = [run for runs, _ in outcomes[1::2] for run in runs]
    assert [r.partition for r in digests] == list(DEMO_DAYS) and all(r.success for r in digests)


def test_events_are_exactly_the_planned_changes(demo_run):
    h, _ = demo_run
    rows = h.query("SELECT snapshot_date::VARCHAR, nct_id, event_type, field, old_value, new_value, base_date::VARCHAR "
                   "FROM changes.events")
    got = {(d, n, t) for d, n, t, *_ in rows}
    assert got == {(p["day"], p["nct_id"], p["event_type"]) for p in PLANNED_CHANGES}
    assert h.query("SELECT count(*) FROM changes.events WHERE snapshot_date = '2026-11-18'") == [(0,)]  # baseline
    by_key = {(d, n, t): (f, o, v, b) for d, n, t, f, o, v, b in rows}
    for planned in PLANNED_CHANGES:
        field, old, new, base = by_key[(planned["day"], planned["nct_id"], planned["event_type"])]
        assert base == {"2026-11-19": "2026-11-18", "2026-11-20": "2026-11-19"}[planned["day"]]
        if planned["event_type"] in ("status_changed", "date_changed", "sponsor_changed", "title_changed"):
            assert (old, new) == (planned["old"], planned["new"]), planned


def test_the_melanoma_and_sclc_noise_is_not_net(demo_run):
    h, _ = demo_run
    not_net = h.query("SELECT s.nct_id, s.brief_title FROM trials.current_studies s JOIN trials.current_net_profile p "
                      "USING (nct_id) WHERE NOT p.is_net")
    titles = " ".join(t for _, t in not_net).lower()
    assert "melanoma" in titles and "small cell lung" in titles


@pytest.mark.parametrize("nct_id, drug_class", [
    ("NCT06943755", "vegfr_tki"), ("NCT06788938", "dll3_targeted"), ("NCT04665739", "prrt_radioligand"),
    ("NCT00569127", "somatostatin_analogue"), ("NCT06161532", "antibody_drug_conjugate"),
    ("NCT07037420", "complement_inhibitor"),
])
def test_demo_programs_carry_their_mechanism_class(demo_run, nct_id, drug_class):
    h, _ = demo_run
    classes = {c for (c,) in h.query("SELECT mechanism_class FROM trials.current_intervention_classes WHERE nct_id = ?", [nct_id])}
    assert drug_class in classes


def test_outbox_holds_each_digest_once_and_a_rerun_sends_nothing(demo_run):
    h, _ = demo_run
    sent = h.query("SELECT snapshot_date::VARCHAR, subscriber_id, message_id FROM digest.deliveries WHERE status = 'sent'")
    files = sorted(h.outbox.glob("*/*.eml"))
    assert len(files) == len(sent) > 0
    for day, subscriber, message_id in sent:
        message = email.message_from_bytes((h.outbox / day / f"{subscriber}.eml").read_bytes())
        assert message["Message-ID"] == message_id
        assert message.is_multipart() and {p.get_content_type() for p in message.get_payload()} == {"text/plain", "text/html"}
    rerun = h.run_day("2026-11-19", assets=["digest/emails"])
    assert rerun.success
    assert sorted(h.outbox.glob("*/*.eml")) == files
    assert h.query("SELECT count(*) FROM digest.deliveries WHERE status = 'sent'") == [(len(sent),)]


def test_rerunning_a_day_gives_the_same_events(demo_run):
    h, _ = demo_run
    before = h.query("SELECT * EXCLUDE (details) FROM changes.events WHERE snapshot_date = '2026-11-20' ORDER BY event_seq")
    assert h.run_day("2026-11-20").success
    after = h.query("SELECT * EXCLUDE (details) FROM changes.events WHERE snapshot_date = '2026-11-20' ORDER BY event_seq")
    assert before == after and before


def test_digests_need_only_the_trials_they_load(demo_run):
    """The digest loads the facts of the trials it can show, not of every trial of the day: the
    digests must be the ones rendered from every trial of the day and of its base day."""
    h, _ = demo_run
    everything = Subscriber("everything", "all@example.org", "All trials", send_when_empty=True,
                            rules=Rules(only_net=False, phases=None, statuses=None, sponsor_classes=None))
    # A completed trial without events today: only the watchlist brings it into the digest.
    watcher = Subscriber("watcher", "watch@example.org", "Watcher", send_when_empty=True,
                         rules=Rules(watchlist=frozenset({"NCT02711969"})))
    demo_subscribers = load_subscriptions(PROJECT_ROOT / "data" / "subscriptions.yaml") + [watcher]
    con = connect(h.warehouse, read_only=True)
    try:
        for day in map(date.fromisoformat, DEMO_DAYS[1:]):
            base = read_inputs(con, day, demo_subscribers).base_date
            events = read_events(con, day)
            every_id = {r[0] for r in con.execute(
                "SELECT nct_id FROM trials.studies WHERE snapshot_date IN (?, ?)", [day, base]).fetchall()}
            every_trial = load_trial_facts(con, day, base, TrialsToLoad(frozenset(every_id), "all"))
            for subscribers in (demo_subscribers, demo_subscribers + [everything]):
                wanted = TrialsToLoad.for_digests(subscribers, events)
                needed = read_inputs(con, day, subscribers).trials  # what send_day loads
                assert len(needed) < len(every_trial) if wanted.active == "net" else len(needed) <= len(every_trial)
                full = build_digests(subscribers, day, day, base, events, every_trial, include_empty=True)
                lean = build_digests(subscribers, day, day, base, events, needed, include_empty=True)
                assert [(d.subject, d.text, d.html) for d in lean] == [(d.subject, d.text, d.html) for d in full]
                assert any(d.should_send for d in lean)
    finally:
        con.close()
