"""A mass entry into the NET scope (a MeSH re-index: 60 older trials enter at once, beside 2 new
registrations) is summarised: send_day to the real SMTP server mails a short digest with the
count and the summary line, listing only new registrations and the entries a subscriber's own
rules point at (watchlist, drugs, sponsors, places), at most LISTED_MAX; other events as usual."""
from __future__ import annotations

import email
import email.policy
import re
from datetime import date

import pytest

from netpipeline.changes.changelog import compute_changelog, write_changelog
from netpipeline.digest.config import DigestConfig
from netpipeline.digest.day import send_day
from netpipeline.digest.mass_entry import LISTED_MAX, MASS_ENTRY_MIN, detect
from netpipeline.normalise import normalise_day
from netpipeline.quality.results import run_all_day_checks
from netpipeline_tests.factories import make_study, nct
from netpipeline_tests.test_normalise_support import new_warehouse, store_day

pytestmark = pytest.mark.slow

D1, D2 = date(2026, 11, 18), date(2026, 11, 19)
OLDER = range(100, 160)          # registered in 2019, newly returned by the query on D2
NEW = (200, 201)                 # first posted on D2: genuine new registrations
LUNG = {"identificationModule.briefTitle": "Everolimus in typical and atypical lung carcinoid",
        "conditionsModule": {"conditions": ["Lung Carcinoid Tumor"]}}
SUBSCRIPTIONS = """
version: 1
subscribers:
  - {id: everything, email: all@example.org, name: All, rules: {phases: any, statuses: any, sponsor_classes: any}}
  - {id: drug, email: drug@example.org, name: Drug, rules: {drugs: [zanzalintinib]}}
  - {id: watch, email: watch@example.org, name: Watch, rules: {watchlist: [NCT00000120]}}
  - {id: sponsor, email: sponsor@example.org, name: Sponsor, rules: {sponsors: [test sponsor]}}
"""


def _day(day: date, studies: list[dict]) -> list[dict]:
    for s in studies:
        s["derivedSection"]["miscInfoModule"]["versionHolder"] = day.isoformat()
    return studies


def _warehouse(path):
    con = new_warehouse(path)
    base = [make_study(nct(i)) for i in range(1, 6)]
    older = [make_study(nct(i), **{"statusModule.studyFirstPostDateStruct": {"date": "2019-05-02", "type": "ACTUAL"},
                                   **(LUNG if i % 3 == 0 else {})}) for i in OLDER]
    older[50]["protocolSection"]["armsInterventionsModule"]["interventions"] = [
        {"type": "DRUG", "name": "Zanzalintinib (XL092)"}]                       # NCT00000150
    today = [make_study(nct(i), D2.isoformat()) for i in range(1, 6)] + older + [make_study(nct(i)) for i in NEW]
    today[0]["protocolSection"]["statusModule"]["overallStatus"] = "ACTIVE_NOT_RECRUITING"
    for day, studies in ((D1, base), (D2, today)):
        store_day(con, day, _day(day, studies))
        normalise_day(con, day)
        run_all_day_checks(con, day, volume_drop_max=0.1)
        write_changelog(con, compute_changelog(con, day))
    return con


def test_a_mass_entry_day_sends_a_short_digest_with_the_summary_and_the_count(tmp_path, smtp):
    handler, port = smtp
    path = tmp_path / "warehouse" / "w.duckdb"
    path.parent.mkdir()
    con = _warehouse(path)
    kinds = dict(con.execute("SELECT event_type, count(*) FROM changes.events WHERE snapshot_date = ? GROUP BY ALL",
                             [D2]).fetchall())
    assert kinds == {"entered_scope": 60, "new_trial": 2, "status_changed": 1}
    # the same day is flagged by the raw warning check (5 -> 67 studies), which does not stop it
    assert con.execute("SELECT passed FROM quality.check_results WHERE snapshot_date = ? "
                       "AND check_name = 'volume_rise_within_limit'", [D2]).fetchone() == (False,)
    subtypes = con.execute("SELECT s, count(*) FROM (SELECT unnest(net_subtypes) AS s FROM trials.net_profile "
                           "WHERE snapshot_date = ? AND nct_id IN (SELECT nct_id FROM changes.events WHERE "
                           "snapshot_date = ? AND event_type IN ('new_trial', 'entered_scope'))) "
                           "GROUP BY s ORDER BY 2 DESC, 1", [D2, D2]).fetchall()
    con.close()
    assert len(subtypes) >= 2
    subs = tmp_path / "subscriptions.yaml"
    subs.write_text(SUBSCRIPTIONS)
    config = DigestConfig(subscriptions_file=str(subs), outbox_dir=str(tmp_path / "outbox"),
                          mail_from="digest@netpipeline.example", smtp_host="127.0.0.1", smtp_port=port,
                          smtp_security="none")

    report = send_day(D2, path, config)

    assert not report.deliveries.failed and sorted(report.deliveries.sent) == ["drug", "everything", "sponsor", "watch"]
    mails = {rcpt: email.message_from_bytes(raw, policy=email.policy.default) for rcpt, raw, _ in handler.accepted}
    text = {rcpt: m.get_body(("plain",)).get_content() for rcpt, m in mails.items()}
    html = mails["all@example.org"].get_body(("html",)).get_content()
    listed = {rcpt: set(re.findall(r"^   (NCT\d{8})", t, flags=re.MULTILINE)) for rcpt, t in text.items()}

    for rcpt, m in mails.items():
        assert m["Subject"].startswith("NET trials, 2026-11-19: 62 trials entered scope")
        assert "62 trials entered the NET scope since Wednesday 18 November: 2 new registrations and 60 " \
               "registered earlier, most of them newly returned by the registry's search" in text[rcpt]
        top = ", ".join(f"{code.replace('_', ' ')} {n}" for code, n in subtypes[:3])
        assert f"Top subtypes: {top}." in text[rcpt]
    everything = text["all@example.org"]
    assert "62 of them pass your filters; listed below: 2 " in everything and "62 trials entered the NET scope" in html
    # the default-rules subscriber: the new registrations and the day's other event, not 60 re-indexed trials
    assert listed["all@example.org"] == {nct(200), nct(201), nct(1)}
    assert "Status: Recruiting -> Active, not recruiting" in everything
    assert everything.count("\n== ") == 3 and len(everything) < 6000   # 62 entries would be ~15,000
    assert listed["drug@example.org"] == {nct(150)}              # the entry their drug rule points at
    assert "1 of them pass your filters; listed below: 1 " in text["drug@example.org"]
    assert listed["watch@example.org"] == {nct(120), nct(200), nct(201), nct(1)}
    assert len(listed["sponsor@example.org"] - {nct(1)}) == LISTED_MAX  # all 62 match: capped
    assert {nct(200), nct(201)} <= listed["sponsor@example.org"]      # new registrations first
    assert f"listed below: {LISTED_MAX} " in text["sponsor@example.org"]


def test_entries_up_to_the_threshold_are_listed_not_summarised():
    def entries(n):
        return [{"nct_id": nct(i), "event_type": "entered_scope", "details": {}} for i in range(n)]
    assert detect(entries(MASS_ENTRY_MIN), {}) is None
    summary = detect(entries(MASS_ENTRY_MIN + 1) + [{"nct_id": nct(0), "event_type": "status_changed"}], {})
    assert summary.total == MASS_ENTRY_MIN + 1 and summary.new_registrations == 0
