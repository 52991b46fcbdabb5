"""Rendering: subject, text and HTML content, escaping, header safety, and the MIME message."""
from __future__ import annotations

import email
import email.policy
from datetime import date
from html.parser import HTMLParser

from netpipeline.digest.mailer import build_message
from netpipeline.digest.render import FOOTER, render_digest, subject_for
from netpipeline.digest.rules import select_events
from netpipeline.digest.subscriber import Subscriber
from netpipeline_tests.digest_samples import (
    BASE, DAY, MGH, ev, make_events, make_trials, site, subscriber,
)

BOSTON_RULE = "near: [{label: Boston, lat: 42.3601, lon: -71.0589, radius_km: 150}]\nstatuses: any"
HOSTILE = "<script>alert(1)</script>\r\nBcc: evil@x.example"
MAIL_FROM = "NET trials digest <digest@netpipeline.invalid>"


def rendered(rules=BOSTON_RULE, events=None, trials=None, sub=None):
    sub = sub or subscriber(rules, id="patient-1")
    trials = trials or make_trials()
    selected = select_events(sub, events if events is not None else make_events(), trials)
    return render_digest(sub, DAY, date(2026, 11, 19), selected, trials, BASE)


def test_subject_counts_and_empty_day():
    assert subject_for(DAY, {"new_trial": 2, "site_added": 5, "status_changed": 1}) == \
        "NET trials, 2026-11-19: 2 new trials, 5 new sites, 1 status change"
    assert subject_for(DAY, {"site_added": 1, "title_changed": 2, "date_changed": 1}) == \
        "NET trials, 2026-11-19: 1 new site, 3 other changes"
    assert subject_for(DAY, {}) == "NET trials, 2026-11-19: no changes"
    r = rendered("statuses: any\nphases: any")
    assert r.subject.startswith("NET trials, 2026-11-19: 1 new trial, 3 new sites, 1 status change")
    assert r.counts["site_added"] == 3 and r.event_count == sum(r.counts.values())
    assert r.message_id == "<digest.2026-11-19.patient-1@netpipeline>"
    assert str(r.to) == "Sub <sub@example.org>"


def test_text_part_content():
    text = rendered().text
    assert "Status: Recruiting -> Active, not recruiting" in text
    assert "Primary completion date: 2027-06-30 -> 2027-12-31" not in text  # UCLA trial has no Boston site
    assert "New site: Massachusetts General Hospital, Boston, Massachusetts, United States" in text
    assert "0.8 km from Boston" in text
    assert "     - Ki-67 index <= 20%" in text and "     + Ki-67 index <= 55%" in text
    assert "https://clinicaltrials.gov/study/NCT06943755" in text
    assert "Key active programs" in text
    assert "NCT06943755 | Zanzalintinib (VEGFR TKI); Everolimus (mTOR inhibitor) | Exelixis | Phase 2/3 | Recruiting" in text
    assert "as of 2026-11-19, compared with 2026-11-18" in text
    assert FOOTER in text
    dates = rendered("statuses: any").text
    assert "Primary completion date: 2027-06-30 -> 2027-12-31" in dates and "(+184 days)" in dates


def test_html_part_content_and_email_safe_markup():
    html = rendered().html
    assert "Recruiting</span> &rarr; <span" in html and "Active, not recruiting" in html
    assert "text-decoration:line-through" in html and "Ki-67 index &lt;= 20%" in html
    assert "#e3f9e5" in html and "+ Ki-67 index &lt;= 55%" in html
    assert "Boston, Massachusetts, United States" in html and "0.8 km from Boston" in html
    assert '<a href="https://clinicaltrials.gov/study/NCT06943755"' in html
    assert "Key active programs" in html and "<th" in html and "Drug / mechanism" in html
    assert "as of 2026-11-19" in html and FOOTER in html
    lowered = html.lower()
    assert "<style" not in lowered and "<link" not in lowered and "src=" not in lowered
    assert "<table" in lowered and 'style="' in lowered
    # every link points to ClinicalTrials.gov: no other external resource or tracking
    hrefs = [a for a in lowered.split('href="')[1:]]
    assert hrefs and all(h.startswith("https://clinicaltrials.gov/study/nct") for h in hrefs)
    HTMLParser().feed(html)  # well-formed enough to parse


def test_empty_digest_says_no_changes():
    sub = subscriber("watchlist: [NCT00569127]", id="quiet")
    r = render_digest(sub, DAY, DAY, [], make_trials(), BASE)
    assert r.subject == "NET trials, 2026-11-19: no changes" and r.event_count == 0
    assert "No changes since Wednesday 18 November" in r.text and "NCT00569127" in r.text and FOOTER in r.html


def hostile_day():
    trials = make_trials()
    trials["NCT06943755"]["brief_title"] = HOSTILE
    trials["NCT06943755"]["lead_sponsor"] = "<b>Evil</b> & Co"
    bad_site = site(HOSTILE, "Boston\r\nX-Injected: 1", "United States", 42.36, -71.06)
    events = [ev("NCT06943755", "site_added", details=bad_site), ev("NCT06943755", "title_changed", "old", HOSTILE)]
    return events, trials


def test_hostile_trial_text_is_escaped_and_never_reaches_headers():
    events, trials = hostile_day()
    r = rendered(events=events, trials=trials)
    assert "<script>" not in r.html and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.html
    assert "<b>Evil</b>" not in r.html and "&lt;b&gt;Evil&lt;/b&gt; &amp; Co" in r.html
    assert "\r" not in r.text and "Bcc: evil@x.example" in r.text  # harmless body text, on one line
    assert "\nBcc:" not in r.text and "\nX-Injected" not in r.text

    msg = email.message_from_bytes(build_message(r, MAIL_FROM).as_bytes(), policy=email.policy.default)
    assert msg["Bcc"] is None and msg["X-Injected"] is None
    assert msg.get_all("To") == ["Sub <sub@example.org>"]


def test_hostile_subscriber_name_is_flattened_in_headers():
    sub = Subscriber(id="mallory", email="m@example.org", name="Mallory\r\nBcc: evil@x.example",
                     rules=subscriber("statuses: any").rules)
    r = rendered(sub=sub)
    raw = build_message(r, MAIL_FROM).as_bytes()
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Bcc"] is None
    assert msg["To"].addresses[0].addr_spec == "m@example.org"
    assert msg["To"].addresses[0].display_name == "Mallory Bcc: evil@x.example"
    assert b"\r\nBcc:" not in raw and b"\nBcc:" not in raw


def test_built_message_structure_and_headers():
    r = rendered()
    msg = email.message_from_bytes(build_message(r, MAIL_FROM).as_bytes(), policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    parts = [p.get_content_type() for p in msg.iter_parts()]
    assert parts == ["text/plain", "text/html"]
    assert msg["Message-ID"] == "<digest.2026-11-19.patient-1@netpipeline>"
    assert msg["Subject"] == r.subject and "\n" not in msg["Subject"]
    assert msg["From"].addresses[0].addr_spec == "digest@netpipeline.invalid"
    assert msg["Date"] is not None and msg["Date"].datetime is not None
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert "Ki-67 index <= 55%" in text and "Centre" not in text  # Lyon site filtered out by place
    assert FOOTER in html and "Massachusetts General Hospital" in html
    assert MGH["facility"] in text


def test_every_event_type_renders_readably():
    nct = "NCT06943755"
    events = [
        ev(nct, "new_trial", new="Zanzalintinib trial"),
        ev(nct, "left_scope"),
        ev(nct, "status_changed", "RECRUITING", "SUSPENDED", {"why_stopped": "Drug supply\r\nissue"}),
        ev(nct, "phase_changed", "PHASE2", "PHASE2|PHASE3", {"old_label": "Phase 2", "new_label": "Phase 2/3"}),
        ev(nct, "enrollment_changed", "120", "131", {"old_type": "ESTIMATED", "new_type": "ACTUAL"}),
        ev(nct, "site_added", new="MGH", details=MGH),
        ev(nct, "site_removed", old="MGH", details=MGH),
        ev(nct, "site_status_changed", "NOT_YET_RECRUITING", "RECRUITING", MGH),
        ev(nct, "eligibility_changed", details={"sections_changed": ["inclusion", "exclusion"],
                                                "diff": [{"op": "-", "line": "Age >= 18"}, {"op": "+", "line": "Age >= 12"}]}),
        ev(nct, "date_changed", "2027-06", "2027-03", {"old_type": "ESTIMATED", "new_type": "ESTIMATED",
                                                       "shift_days": -92}, field="completion_date"),
        ev(nct, "intervention_added", new="Octreotide LAR"),
        ev(nct, "intervention_removed", old="Sunitinib"),
        ev(nct, "arm_added", new="Cohort B"),
        ev(nct, "arm_removed", old="Cohort C"),
        ev(nct, "sponsor_changed", "Exelixis", "Exelixis Inc."),
        ev(nct, "results_posted", "false", "true", {"results_first_post_date": "2026-11-19"}),
        ev(nct, "title_changed", "Old title", "New title"),
    ]
    r = rendered(f"watchlist: [{nct}]", events=events)
    assert r.event_count == 17
    for line in [
        " * New trial", " * No longer listed as a NET trial", " * Status: Recruiting -> Suspended",
        "(Reason: Drug supply issue)", " * Phase: Phase 2 -> Phase 2/3", " * Enrollment: 120 -> 131",
        "(estimated -> actual)", " * Site removed: Massachusetts General Hospital, Boston",
        " * Site status: Not yet recruiting -> Recruiting", "Inclusion and exclusion criteria changed",
        "     - Age >= 18", "     + Age >= 12", " * Completion date: 2027-06 -> 2027-03", "(-92 days)",
        " * Intervention added: Octreotide LAR", " * Intervention removed: Sunitinib", " * Arm added: Cohort B",
        " * Arm removed: Cohort C", " * Lead sponsor: Exelixis -> Exelixis Inc.",
        " * Results posted: Results are available on ClinicalTrials.gov (posted 2026-11-19)",
        " * Title: Old title -> New title",
    ]:
        assert line in r.text, line
    assert "true" not in r.text.lower().split("results posted")[1][:40]
    assert "Phase 2</span> &rarr; <span" in r.html and "Age &gt;= 12" in r.html


def test_body_lines_respect_mime_limits():
    events, trials = hostile_day()
    trials["NCT06943755"]["brief_title"] = "Très long titre " * 40
    raw = build_message(rendered(events=events, trials=trials), MAIL_FROM).as_bytes()
    body = raw.split(b"\n\n", 1)[1]
    assert max(len(line.rstrip(b"\r")) for line in body.split(b"\n")) <= 76
    assert all(b < 128 for b in raw)  # 7-bit clean whatever the trial text


BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"


def test_bidirectional_controls_never_reach_either_part():
    """A right-to-left override in a title or site name could make 'exe.fdp' read as 'pdf.exe'
    or reorder a status line; every bidi control is stripped from the text and the HTML."""
    trials = make_trials()
    trials["NCT06943755"]["brief_title"] = "Trial \u202egnp.exe\u202c of \u2067lutetium\u2069 \u200fNET\u061c"
    spoofed = dict(MGH, facility="Clinic \u202dRTL\u202c \u2066isolated\u2069 \u202aemb\u202b")
    events = [ev("NCT06943755", "site_added", details=spoofed),
              ev("NCT06943755", "title_changed", "old \u200e", trials["NCT06943755"]["brief_title"])]
    r = rendered(events=events, trials=trials)
    for part in (r.text, r.html, r.subject):
        assert not set(BIDI_CONTROLS) & set(part), [hex(ord(c)) for c in set(BIDI_CONTROLS) & set(part)]
    assert "Trial gnp.exe of lutetium NET" in r.text and "Clinic RTL isolated emb" in r.html


def test_each_trial_says_which_rules_brought_it_and_the_day_it_compares_against():
    rules = ("drugs: [zanzalintinib]\nmechanism_classes: [prrt_radioligand]\nstatuses: any\n"
             "near: [{place: 'Boston, USA', radius_km: 150}]")
    r = rendered(rules=rules)
    assert "Why you got this: drug Zanzalintinib; a site 0.9 km from Boston, MA, United States" in r.text
    assert "Why you got this: PRRT radioligand (177Lu-DOTATATE); a site 0.9 km from Boston, MA, United States" in r.text
    assert "Site news within 150 km of Boston, MA, United States." in r.text
    assert "Changes since Wednesday 18 November" in r.text and "changes since Wednesday 18 November" in r.html
    assert "Why you got this: drug Zanzalintinib" in r.html
    watcher = rendered(rules="watchlist: [NCT00569127]\nnet_subtypes: [lung]\nstatuses: any")
    assert "Why you got this: on your watchlist" in watcher.text
    assert "Why you got this: NET subtype lung" in watcher.text
