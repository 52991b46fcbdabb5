"""compute_changelog / write_changelog on small real warehouses (raw days + normalise_day), no Dagster:
baseline, missing and gated days, scope (NET vs all), re-runs, read-only use."""
from __future__ import annotations

import datetime
import json

import duckdb
import pytest

from netpipeline.changes.changelog import (
    ChangeLogError,
    base_day,
    compute_changelog,
    ensure_changes_schema,
    later_days_with_older_base,
    read_events,
    write_changelog,
)
from netpipeline.normalise import normalise_day
from netpipeline.quality.results import ensure_quality_schema, run_all_day_checks
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct
from netpipeline_tests.test_normalise_support import new_warehouse, store_day

DAYS = [datetime.date(2026, 11, 18) + datetime.timedelta(days=i) for i in range(4)]
NOT_NET = {"identificationModule.briefTitle": "Pembrolizumab in advanced melanoma",
           "conditionsModule": {"conditions": ["Melanoma"]},
           "derivedSection.conditionBrowseModule": {"meshes": [{"id": "D008545", "term": "Melanoma"}]}}


def day_records(day: datetime.date, edits: dict[int, dict] | None = None, drop: tuple[int, ...] = ()) -> list[dict]:
    """Studies 1-5 (NET) and 6 (not NET) of a day, with per-study overrides."""
    records = []
    for i in range(1, 7):
        if i in drop:
            continue
        overrides = {**(NOT_NET if i == 6 else {}), **(edits or {}).get(i, {})}
        records.append(make_study(nct(i), day.isoformat(), **overrides))
    return records


def add_day(con: duckdb.DuckDBPyConnection, day: datetime.date, records: list[dict], checked: bool = True) -> None:
    """Store, normalise and (unless `checked=False`) run the day's checks: only a day that passed
    its gate is a base. The volume limit is off: these days drop studies on purpose."""
    for record in records:
        record["derivedSection"]["miscInfoModule"]["versionHolder"] = day.isoformat()
    store_day(con, day, records)
    normalise_day(con, day)
    if checked:
        run_all_day_checks(con, day, volume_drop_max=1.0)


@pytest.fixture
def con(tmp_path):
    con = new_warehouse(tmp_path / "w.duckdb")
    yield con
    con.close()


def test_first_day_is_a_baseline_and_unknown_days_are_refused(con):
    with pytest.raises(ChangeLogError, match="not normalised"):
        compute_changelog(con, DAYS[0])
    add_day(con, DAYS[0], day_records(DAYS[0]))
    log = compute_changelog(con, DAYS[0])
    assert (log.base_date, log.events, log.trials_in_scope) == (None, [], 5)
    write_changelog(con, log)
    assert con.execute("SELECT base_date, events, scope, trials_in_scope FROM changes.days").fetchall() == [(None, 0, "net", 5)]
    with pytest.raises(ValueError, match="scope"):
        compute_changelog(con, DAYS[0], scope="everything")


def test_missing_day_compares_with_the_latest_earlier_day_and_records_it(con):
    add_day(con, DAYS[0], day_records(DAYS[0]))
    add_day(con, DAYS[2], day_records(DAYS[2], {1: {"statusModule.overallStatus": "COMPLETED"}}))
    log = compute_changelog(con, DAYS[2])
    write_changelog(con, log)
    assert log.base_date == DAYS[0]
    assert con.execute("SELECT DISTINCT base_date FROM changes.events").fetchall() == [(DAYS[0],)]
    assert con.execute("SELECT base_date FROM changes.days WHERE snapshot_date = ?", [DAYS[2]]).fetchall() == [(DAYS[0],)]
    assert [(e["nct_id"], e["event_type"], e["new_value"]) for e in log.events] == [(nct(1), "status_changed", "COMPLETED")]
    # The missing day arrives: the later day is listed for re-materialisation, and a re-run uses it.
    add_day(con, DAYS[1], day_records(DAYS[1], {1: {"statusModule.overallStatus": "COMPLETED"}}))
    assert later_days_with_older_base(con, DAYS[1]) == [(DAYS[2], DAYS[0])]
    write_changelog(con, compute_changelog(con, DAYS[1]))
    rerun = compute_changelog(con, DAYS[2])
    write_changelog(con, rerun)
    assert (rerun.base_date, rerun.events) == (DAYS[1], [])
    assert later_days_with_older_base(con, DAYS[1]) == []


def test_a_day_whose_blocking_checks_failed_is_not_a_base(con):
    for day in DAYS[:3]:
        add_day(con, day, day_records(day))
    ensure_quality_schema(con)
    con.execute("INSERT INTO quality.check_results (snapshot_date, check_name, target_table, severity, passed, evaluated_rows, "
                "failures, failure_share, sample, expectations, checked_at) VALUES (?, 'raw_volume', 'raw.study_days', "
                "'blocking', false, 1, 1, 1.0, '[]', '[]', now()::TIMESTAMP)", [DAYS[1]])
    assert base_day(con, DAYS[2]) == DAYS[0]
    con.execute("UPDATE quality.check_results SET passed = true")
    assert base_day(con, DAYS[2]) == DAYS[1]


def test_scope_is_net_unless_all_is_asked(con):
    add_day(con, DAYS[0], day_records(DAYS[0]))
    edits = {6: {**NOT_NET, "identificationModule.briefTitle": "Pembrolizumab in melanoma, updated"},
             2: NOT_NET,  # reclassified: no longer NET
             4: {"identificationModule.briefTitle": "Study 4 in pancreatic neuroendocrine tumors, v2"}}
    add_day(con, DAYS[1], day_records(DAYS[1], edits, drop=(3,)))
    net = compute_changelog(con, DAYS[1])
    assert [(e["nct_id"], e["event_type"], e["details"].get("reason")) for e in net.events] == [
        (nct(2), "left_scope", "no longer classified as NET"), (nct(3), "left_scope", "no longer returned by the scope query"),
        (nct(4), "title_changed", None)]
    assert (net.trials_in_scope, net.versions_diffed) == (3, 1)
    everything = compute_changelog(con, DAYS[1], scope="all")
    assert [(e["nct_id"], e["event_type"]) for e in everything.events] == [
        (nct(2), "title_changed"), (nct(3), "left_scope"), (nct(4), "title_changed"), (nct(6), "title_changed")]
    # Back to NET the next day: it enters the scope again, "newly classified".
    add_day(con, DAYS[2], day_records(DAYS[2], {**edits, 2: {}}, drop=(3,)))
    [entered] = compute_changelog(con, DAYS[2]).events
    assert (entered["nct_id"], entered["event_type"], entered["details"]["reason"]) == (
        nct(2), "new_trial", "newly classified as NET")


def test_rerunning_a_day_replaces_its_rows_with_the_same_rows(con, tmp_path):
    add_day(con, DAYS[0], day_records(DAYS[0]))
    edits = {1: {"statusModule.overallStatus": "TERMINATED", "statusModule.whyStopped": "Sponsor decision",
                 "designModule.phases": ["PHASE3"]},
             5: {"contactsLocationsModule": {"locations": [
                 {"facility": "Mayo Clinic in Rochester", "city": "Rochester", "state": "Minnesota", "country": "United States",
                  "status": "RECRUITING", "geoPoint": {"lat": 44.0121, "lon": -92.4802}},
                 {"facility": "Institut Gustave Roussy", "city": "Villejuif", "country": "France", "status": "RECRUITING",
                  "geoPoint": {"lat": 48.79, "lon": 2.36}}]}}}
    add_day(con, DAYS[1], day_records(DAYS[1], edits))
    ensure_changes_schema(con)
    rows = []
    for _ in range(2):
        write_changelog(con, compute_changelog(con, DAYS[1]))
        rows.append(con.execute("SELECT * FROM changes.events ORDER BY event_seq").fetchall())
    assert rows[0] == rows[1]
    events = read_events(con, DAYS[1])
    assert [(e["nct_id"], e["event_type"], e["significance"]) for e in events] == [
        (nct(1), "phase_changed", "high"), (nct(1), "status_changed", "high"), (nct(5), "site_added", "high")]
    assert events[1]["details"] == {"why_stopped": "Sponsor decision"}
    assert events[2]["details"]["city"] == "Villejuif"
    assert con.execute("SELECT count(*) FROM changes.days").fetchall() == [(1,)]
    assert json.loads(rows[0][2][7])["facility"] == "Institut Gustave Roussy"
    # compute needs nothing but reads: a read-only connection works.
    con.execute("CHECKPOINT")
    con.close()
    with connect(tmp_path / "w.duckdb", read_only=True) as ro:
        assert len(compute_changelog(ro, DAYS[1]).events) == 3


def test_only_a_new_registration_is_a_new_trial_an_older_study_entering_scope_is_scope_drift(con):
    add_day(con, DAYS[0], day_records(DAYS[0], drop=(4, 5)))
    posted = {4: {"statusModule.studyFirstPostDateStruct": {"date": "2019-05-02", "type": "ACTUAL"}},
              5: {"statusModule.studyFirstPostDateStruct": {"date": DAYS[1].isoformat(), "type": "ACTUAL"}}}
    add_day(con, DAYS[1], day_records(DAYS[1], posted))
    events = {e["nct_id"]: e for e in compute_changelog(con, DAYS[1]).events}
    assert (events[nct(4)]["event_type"], events[nct(4)]["significance"]) == ("entered_scope", "medium")
    assert events[nct(4)]["details"]["study_first_post_date"] == "2019-05-02"
    assert (events[nct(5)]["event_type"], events[nct(5)]["significance"]) == ("new_trial", "high")
