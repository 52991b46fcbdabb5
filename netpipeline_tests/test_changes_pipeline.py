"""The change-log over the demo replay days, as real Dagster runs, days run OUT of order.

One module-scoped pipeline: 2026-11-18 (baseline), then 2026-11-20 before 2026-11-19 exists
(its base is 2026-11-18, and recorded), then 2026-11-19, then 2026-11-20 again (now against
2026-11-19). After that the warehouse is what an in-order run gives, and every event is checked
against PLANNED_CHANGES (old/new values, details), every planned noise against "no event", and
the history queries of docs/warehouse.md are run as written there.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from types import SimpleNamespace

import dagster as dg
import pytest

from netpipeline.changes.changelog import CHANGES_DDL, read_events
from netpipeline.changes.day import changelog_day
from netpipeline.changes.event_types import EVENT_TYPES as CHANGE_EVENT_TYPES
from netpipeline.demo.generate import PLANNED_CHANGES, PLANNED_NOISE
from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.warehouse import connect
from netpipeline_tests.conftest import DEMO_REPLAY
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.test_normalise_docs import DOC

pytestmark = pytest.mark.slow

D1, D2, D3 = "2026-11-18", "2026-11-19", "2026-11-20"
EVENT_TYPES = set(CHANGE_EVENT_TYPES)
EVENT_COLUMNS = ("snapshot_date::VARCHAR, base_date::VARCHAR, nct_id, event_type, field, old_value, new_value, details, "
                 "significance")


def _events(h, day: str) -> list[dict]:
    cols = [c.split("::")[0].strip() for c in EVENT_COLUMNS.split(",")]
    rows = h.query(f"SELECT {EVENT_COLUMNS} FROM changes.events WHERE snapshot_date = ? ORDER BY event_seq", [day])
    return [{**dict(zip(cols, r)), "details": json.loads(r[7])} for r in rows]


def _metadata(h, day: str, run_id: str) -> dict:
    records = h.instance.fetch_materializations(dg.AssetRecordsFilter(asset_key=CHANGE_EVENTS, asset_partitions=[day]),
                                                limit=10).records
    [record] = [r for r in records if r.run_id == run_id]
    return {k: v.value for k, v in record.asset_materialization.metadata.items()}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("changes")
    with pytest.MonkeyPatch.context() as mp, pipeline(tmp_path, DEMO_REPLAY, mp) as h:
        runs = {"d1": h.run_day(D1), "d3_early": h.run_day(D3)}
        early = {"events": _events(h, D3), "days": h.query("SELECT base_date::VARCHAR, events FROM changes.days "
                                                           "WHERE snapshot_date = ?", [D3])}
        runs["d2"] = h.run_day(D2)
        # What an operator does for a day listed in later_days_to_rematerialise: re-materialise its change-log.
        runs["d3"] = h.run_day(D3, assets=["changes/events"])
        assert all(o.success for o in runs.values()), {k: o.error for k, o in runs.items()}
        yield SimpleNamespace(h=h, runs=runs, early=early, events=_events(h, D2) + _events(h, D3))


# --- ordering: the self-dependency, and what an out-of-order run does ---------------------------

def test_change_events_depends_on_its_own_previous_partition(demo):
    graph = demo.h.defs.resolve_asset_graph()
    assert graph.get(CHANGE_EVENTS).parent_keys == {TRIAL_TABLES, CHANGE_EVENTS}
    mapping = graph.get_partition_mapping(CHANGE_EVENTS, CHANGE_EVENTS)
    assert isinstance(mapping, dg.TimeWindowPartitionMapping)
    assert (mapping.start_offset, mapping.end_offset) == (-1, -1)
    parents = graph.get_parent_partition_keys_for_child(D3, CHANGE_EVENTS, CHANGE_EVENTS)
    assert parents.partitions_subset.get_partition_keys() == [D2]  # a backfill runs 2026-11-20 after 2026-11-19


def test_a_day_computed_before_its_previous_day_exists_uses_the_latest_earlier_day(demo):
    early = demo.early
    assert early["days"][0][0] == D1
    assert {e["base_date"] for e in early["events"]} == {D1}
    # Against 2026-11-18 the day reports both days' changes at once.
    planned = {(p["nct_id"], p["event_type"]) for p in PLANNED_CHANGES}
    assert {(e["nct_id"], e["event_type"]) for e in early["events"]} == planned
    meta = _metadata(demo.h, D3, demo.runs["d3_early"].run_id)
    assert meta["base_date"] == D1 and D1 in meta["base"] and "not available" in meta["base"]


def test_the_missing_day_lists_the_later_day_to_rematerialise_and_the_rerun_uses_it(demo):
    meta = _metadata(demo.h, D2, demo.runs["d2"].run_id)
    assert meta["later_days_to_rematerialise"] == [D3]
    assert demo.h.query("SELECT snapshot_date::VARCHAR, base_date::VARCHAR FROM changes.days ORDER BY 1") == [
        (D1, None), (D2, D1), (D3, D2)]
    assert _metadata(demo.h, D3, demo.runs["d3"].run_id)["later_days_to_rematerialise"] == []


def test_first_day_is_a_baseline(demo):
    assert demo.h.query("SELECT count(*) FROM changes.events WHERE snapshot_date = ?", [D1]) == [(0,)]
    meta = _metadata(demo.h, D1, demo.runs["d1"].run_id)
    assert meta["events"] == 0 and meta["base_date"] == "none (baseline day)" and meta["trials_in_scope"] > 40


# --- every event type against PLANNED_CHANGES ---------------------------------------------------

FIELD_NAMES = {"location": "site", "location_status": "site_status", "enrollment_count": "enrollment",
               "enrollment_type": "enrollment", "arm_group": "arm", None: "scope"}


def _expected_values(p: dict) -> tuple[str | None, str | None]:
    """PLANNED_CHANGES' old/new in the change-log's naming."""
    kind, old, new = p["event_type"], p["old"], p["new"]
    if kind == "phase_changed":
        return "|".join(old), "|".join(new)
    if kind == "results_posted":
        return str(old).lower(), str(new).lower()
    if kind == "enrollment_changed" and p["field"] == "enrollment_type":  # old/new are the (unchanged) counts
        return str(p["details"]["count"]), str(p["details"]["count"])
    if kind == "eligibility_changed":
        return None, None
    return (None if old is None else str(old)), (None if new is None else str(new))


def test_every_event_type_happens_and_events_are_exactly_the_planned_changes(demo):
    # Scope drift and reclassification need a registry or rules change the demo days do not
    # make: test_changes_changelog and test_pipeline_rules_version produce them.
    assert {p["event_type"] for p in PLANNED_CHANGES} == EVENT_TYPES - {"entered_scope", "reclassified"}
    got = Counter((e["snapshot_date"], e["nct_id"], e["event_type"]) for e in demo.events)
    assert got == Counter((p["day"], p["nct_id"], p["event_type"]) for p in PLANNED_CHANGES)
    assert {e["base_date"] for e in demo.events if e["snapshot_date"] == D2} == {D1}
    assert {e["base_date"] for e in demo.events if e["snapshot_date"] == D3} == {D2}


@pytest.mark.parametrize("planned", PLANNED_CHANGES, ids=lambda p: f"{p['day'][-2:]}-{p['nct_id']}-{p['event_type']}")
def test_event_matches_planned_change(demo, planned):
    candidates = [e for e in demo.events if (e["snapshot_date"], e["nct_id"], e["event_type"]) ==
                  (planned["day"], planned["nct_id"], planned["event_type"])]
    old, new = _expected_values(planned)
    matching = [e for e in candidates if (e["old_value"], e["new_value"]) == (old, new)]
    assert len(matching) == 1, (planned, candidates)
    e, details, kind = matching[0], matching[0]["details"], planned["event_type"]
    assert e["field"] == FIELD_NAMES.get(planned["field"], planned["field"])
    want = planned.get("details", {})
    if kind in ("site_added", "site_removed"):
        assert {k: details[k] for k in ("city", "country", "status", "lat", "lon")} == want
        assert details["facility"] == (new if kind == "site_added" else old)
    elif kind == "site_status_changed":
        assert {k: details[k] for k in ("facility", "city", "country")} == want
        assert (details["old_status"], details["status"]) == (old, new)
    elif kind == "eligibility_changed":
        # The diff shows trials.eligibilities.criteria, where the API's Markdown escapes are undone (\<= is <=).
        old_text, new_text = (re.sub(r"\\(.)", r"\1", text) for text in (planned["old"], planned["new"]))
        assert details["sections_changed"] == [want["section"]]
        assert any(old_text in d["line"] for d in details["diff"] if d["op"] == "-")
        assert any(new_text in d["line"] for d in details["diff"] if d["op"] == "+")
        assert not any(new_text in d["line"] or old_text in d["line"] for d in details["diff"] if d["op"] == " ")
    elif kind == "enrollment_changed":
        types = (want.get("old_type"), want.get("new_type")) if "old_type" in want else (planned["old"], planned["new"])
        assert (details["old_type"], details["new_type"]) == types
        assert e["significance"] == ("medium" if planned["field"] == "enrollment_count" else "low")
    elif kind == "date_changed":
        assert (details["old_type"], details["new_type"]) == (want["old_type"], want["new_type"])
        assert isinstance(details["shift_days"], int) and details["shift_days"] > 0
    elif kind == "status_changed":
        assert details["why_stopped"] == want.get("why_stopped")
    elif kind == "sponsor_changed":
        assert (details["old_class"], details["new_class"]) == (want["old_class"], want["new_class"])
    elif kind in ("intervention_added", "intervention_removed", "arm_added"):
        assert details["type"] == want["type"]
    elif kind == "phase_changed":
        assert (details["old_label"], details["new_label"]) == ("Phase 2", "Phase 2/3")
    elif kind == "results_posted":
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", details["results_first_post_date"])
    elif kind == "new_trial":
        assert details["brief_title"] == new and details["reason"] == "newly returned by the scope query"
    elif kind == "left_scope":
        assert details["reason"] == "no longer returned by the scope query"


def test_significance_of_confirmations_is_low(demo):
    start = [e for e in demo.events if e["nct_id"] == "NCT06571240" and e["event_type"] == "date_changed"]
    assert [(e["old_value"], e["new_value"], e["significance"]) for e in start] == [("2026-11", "2026-11-16", "low")]
    by_type = {e["event_type"]: e["significance"] for e in demo.events}
    assert by_type["status_changed"] == by_type["new_trial"] == by_type["results_posted"] == "high"
    assert by_type["title_changed"] == "low"


# --- what must NOT be an event --------------------------------------------------------------------

def _hash(h, day: str, nct_id: str) -> str:
    return h.query("SELECT content_hash FROM raw.study_days WHERE snapshot_date = ? AND nct_id = ?", [day, nct_id])[0][0]


def test_no_trial_has_an_event_that_was_not_planned(demo):
    assert {(e["snapshot_date"], e["nct_id"]) for e in demo.events} == {(p["day"], p["nct_id"]) for p in PLANNED_CHANGES}


@pytest.mark.parametrize("nct_id, kind", [("NCT04665739", "facility_renamed"), ("NCT04837261", "locations_reordered"),
                                          ("NCT00711506", "last_update_type_flipped")])
def test_renamed_reordered_and_flipped_records_give_no_event(demo, nct_id, kind):
    [noise] = [n for n in PLANNED_NOISE if n["nct_id"] == nct_id and n["kind"] == kind]
    day = noise["day"]
    # The record did change (a new version was diffed), yet nothing is reported.
    assert _hash(demo.h, D1, nct_id) != _hash(demo.h, day, nct_id)
    assert [e for e in demo.events if e["nct_id"] == nct_id] == []
    if kind == "facility_renamed":
        names = {r[0] for r in demo.h.query("SELECT name FROM trials.facilities WHERE snapshot_date = ? AND nct_id = ? "
                                            "AND city = 'Rochester'", [day, nct_id])}
        assert noise["details"]["new"] in names and noise["details"]["old"] not in names


def test_volatile_noise_does_not_even_make_a_new_version(demo):
    planned = {(p["day"], p["nct_id"]) for p in PLANNED_CHANGES}
    volatile = [n for n in PLANNED_NOISE if n["kind"] in ("as_found_changed", "browse_lists_reordered")
                and (n["day"], n["nct_id"]) not in planned and n["nct_id"] not in ("NCT04665739", "NCT04837261", "NCT00711506")]
    assert len(volatile) > 10
    hashes = {(d, n): h for d, n, h in demo.h.query("SELECT snapshot_date::VARCHAR, nct_id, content_hash FROM raw.study_days")}
    for n in volatile:
        before = {D2: D1, D3: D2}[n["day"]]
        assert hashes[(before, n["nct_id"])] == hashes[(n["day"], n["nct_id"])], n


# --- re-runs, summary metadata --------------------------------------------------------------------

def test_recomputing_a_day_gives_the_same_rows(demo):
    query = f"SELECT {EVENT_COLUMNS}, event_seq FROM changes.events WHERE snapshot_date = ? ORDER BY event_seq"
    before = demo.h.query(query, [D3])
    con = connect(demo.h.warehouse)
    try:
        log = changelog_day(con, date.fromisoformat(D3)).log
        assert [(e["nct_id"], e["event_type"]) for e in read_events(con, log.snapshot_date)] == \
               [(r[2], r[3]) for r in before]
    finally:
        con.close()
    assert demo.h.query(query, [D3]) == before


def test_materialisation_metadata_summarises_the_day(demo):
    meta = _metadata(demo.h, D3, demo.runs["d3"].run_id)
    planned = [p for p in PLANNED_CHANGES if p["day"] == D3]
    assert meta["events"] == len(planned)
    assert meta["events_by_type"] == dict(Counter(p["event_type"] for p in planned))
    assert sum(meta["events_by_significance"].values()) == len(planned)
    assert meta["base_date"] == D2 and meta["base"] == "previous publication day"
    counts = Counter(p["nct_id"] for p in planned)
    busiest = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]  # most events first, then by NCT ID
    assert [(t["nct_id"], t["events"]) for t in meta["trials_with_most_changes"]] == busiest
    assert meta["trials_changed"] == len({p["nct_id"] for p in planned})
    assert "| NCT06602715 | status_changed |" in meta["preview"]


# --- docs/warehouse.md: the changes tables and the history queries, as written ----------------------

def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else None]


def _doc_columns(section: str, table: str) -> list[tuple[str, str]]:
    block = section.split(f"### {table}\n", 1)[1].split("\n#", 1)[0]
    return [(cells[0].strip("` "), cells[1].strip()) for line in block.splitlines() if line.startswith("| `")
            for cells in [line.strip().strip("|").split("|")]]


def test_changes_tables_are_documented_column_by_column(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    con.execute(CHANGES_DDL)
    section = _section("changes")
    for table in ("changes.events", "changes.days"):
        actual = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE table_schema || '.' || "
                             "table_name = ? ORDER BY ordinal_position", [table]).fetchall()
        assert _doc_columns(section, table) == actual, f"{table}: update docs/warehouse.md"
    types_table = section.split("#### Event types", 1)[1].split("\n### ", 1)[0]
    documented_types = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)? \|", types_table, re.M))
    assert {t for pair in documented_types for t in pair if t} == EVENT_TYPES


def history_queries() -> dict[str, str]:
    """name -> SQL of every ```sql block of `## History queries` (first line `-- name`)."""
    blocks = re.findall(r"```sql\n(.*?)```", _section("History queries"), re.S)
    return {block.splitlines()[0].removeprefix("--").strip(): block for block in blocks}


def _run(h, name: str, **params) -> list[tuple]:
    sql = history_queries()[name]
    used = {p: params[p] for p in set(re.findall(r"\$(\w+)", sql))}
    con = connect(h.warehouse, read_only=True)
    try:
        return con.execute(sql, used).fetchall()
    finally:
        con.close()


def test_history_queries_are_all_tested():
    assert set(history_queries()) == {"trial_on_day", "sites_on_day", "record_on_day", "status_history",
                                      "status_changes", "trial_timeline", "trial_versions", "day_summary"}


def test_trial_on_day(demo):
    old_title, new_title = next((p["old"], p["new"]) for p in PLANNED_CHANGES if p["event_type"] == "title_changed")
    rows = {day: _run(demo.h, "trial_on_day", nct_id="NCT04711369", day=day) for day in (D1, D2, "2026-11-25", "2026-11-17")}
    assert [(str(r[0][0]), r[0][2]) for r in (rows[D1], rows[D2])] == [(D1, old_title), (D2, new_title)]
    assert str(rows["2026-11-25"][0][0]) == D3 and rows["2026-11-25"][0][2] == new_title  # not stored: latest before
    assert rows["2026-11-17"] == []
    withdrawn = _run(demo.h, "trial_on_day", nct_id="NCT06655018", day=D3)[0]
    assert withdrawn[3:5] == ("WITHDRAWN", "Funding for the study was not obtained") and withdrawn[6:8] == (0, "ACTUAL")
    assert _run(demo.h, "trial_on_day", nct_id="NCT05519787", day=D2) == []  # left the pull on 2026-11-19


def test_sites_on_day(demo):
    names = {day: {r[1] for r in _run(demo.h, "sites_on_day", nct_id="NCT06943755", day=day)} for day in (D1, D2, D3)}
    assert names[D2] - names[D1] == {"Dana-Farber Cancer Institute", "Centre Léon Bérard"}
    assert names[D3] - names[D2] == {"Asan Medical Center", "Vall d'Hebron Institute of Oncology"}


def test_record_on_day(demo):
    [(day, payload)] = _run(demo.h, "record_on_day", nct_id="NCT05386917", day=D2)
    sponsor = json.loads(payload)["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"]["name"]
    assert (str(day), sponsor) == (D2, "Bristol-Myers Squibb")


def test_status_history_and_status_changes_agree(demo):
    for p in (p for p in PLANNED_CHANGES if p["event_type"] == "status_changed"):
        why = p.get("details", {}).get("why_stopped")
        assert [(str(d), o, n, w) for d, o, n, w in _run(demo.h, "status_history", nct_id=p["nct_id"])] == \
               [(p["day"], p["old"], p["new"], why)]
        base = {D2: D1, D3: D2}[p["day"]]
        assert [(str(d), str(b), o, n, w) for d, b, o, n, w in _run(demo.h, "status_changes", nct_id=p["nct_id"])] == \
               [(p["day"], base, p["old"], p["new"], why)]
    assert _run(demo.h, "status_history", nct_id="NCT04837261") == []


def test_trial_timeline_and_versions(demo):
    timeline = [(str(r[0]), r[2]) for r in _run(demo.h, "trial_timeline", nct_id="NCT06571240")]
    assert sorted(timeline) == sorted((p["day"], p["event_type"]) for p in PLANNED_CHANGES if p["nct_id"] == "NCT06571240")
    versions = _run(demo.h, "trial_versions", nct_id="NCT06571240")
    assert [(str(a), str(b), n) for _, a, b, n in versions] == [(D1, D1, 1), (D2, D2, 1), (D3, D3, 1)]
    untouched = _run(demo.h, "trial_versions", nct_id="NCT04790032")  # only asFound noise on 2026-11-19
    assert [(str(a), str(b), n) for _, a, b, n in untouched] == [(D1, D3, 3)]


def test_day_summary(demo):
    counts: Counter = Counter()
    for event_type, _significance, events, _trials in _run(demo.h, "day_summary", day=D2):
        counts[event_type] += events
    assert counts == Counter(p["event_type"] for p in PLANNED_CHANGES if p["day"] == D2)
