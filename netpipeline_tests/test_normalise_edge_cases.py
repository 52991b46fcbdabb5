"""Edge cases on real DuckDB files: odd records, changes between days, failures, idempotence."""
from __future__ import annotations

import copy
import datetime
import json
import threading
from pathlib import Path

import duckdb
import pytest

from netpipeline.normalise import normalise_day, normalise_versions
from netpipeline.normalise import parse_pipeline
from netpipeline.normalise import versions as versions_module
from netpipeline.normalise.study_json_type import STUDY_JSON_TYPE
from netpipeline_tests.test_normalise_support import (
    DAY1, DAY2, minimal_record, new_warehouse, real_records, store_day, table_counts,
)

DAY3 = datetime.date(2026, 11, 20)


def test_json_transform_gives_null_for_missing_and_mistyped_fields():
    """The duckdb behaviour the shredder relies on (non-strict json_transform)."""
    con = duckdb.connect()
    json_type = json.dumps(STUDY_JSON_TYPE)
    doc = {"protocolSection": {
        "designModule": {"enrollmentInfo": {"count": "many"}, "phases": "PHASE2"},
        "statusModule": {"overallStatus": 12, "expandedAccessInfo": {"hasExpandedAccess": "x"}},
        "conditionsModule": {"conditions": {"not": "a list"}},
        "unknownModule": {"anything": [1, 2]}}}
    parsed = con.execute("SELECT json_transform(?, ?)",
                         [json.dumps(doc), json_type]).fetchall()[0][0]
    protocol = parsed["protocolSection"]
    assert protocol["identificationModule"] is None            # missing module
    assert protocol["designModule"]["enrollmentInfo"] == {"count": None, "type": None}
    assert protocol["designModule"]["phases"] is None           # string where a list belongs
    assert protocol["statusModule"]["overallStatus"] == "12"     # scalar read as text
    assert protocol["statusModule"]["expandedAccessInfo"]["hasExpandedAccess"] is None
    assert protocol["conditionsModule"]["conditions"] is None
    assert parsed["derivedSection"] is None and parsed["hasResults"] is None


def test_a_record_missing_most_modules(tmp_path):
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY1, [minimal_record("NCT09999999")])
    result = normalise_day(con, DAY1)
    assert result.versions_shredded == 1
    row = con.execute("SELECT nct_id, brief_title, overall_status, start_date, phases, "
                      "phase_label, number_of_arms, has_results FROM trials.studies").fetchall()
    assert row == [("NCT09999999", "Bare", None, None, None, None, None, False)]
    counts = {table: n for table, n in result.day_rows.items() if table not in ("studies", "net_profile")}
    assert set(counts.values()) == {0}
    # Every version gets a NET profile, the empty one when nothing suggests a NET.
    assert con.execute("SELECT is_net, net_reason FROM trials.net_profile").fetchall() == [(False, "")]


def test_partial_and_bad_dates_and_ages(tmp_path):
    record = copy.deepcopy(real_records()["NCT00000410"])
    status = record["protocolSection"]["statusModule"]
    status["startDateStruct"] = {"date": "2019"}                      # year only, no type
    status["completionDateStruct"] = {"date": "2019-13", "type": "ESTIMATED"}  # no 13th month
    eligibility = record["protocolSection"]["eligibilityModule"]
    eligibility["minimumAge"], eligibility["maximumAge"] = "6 Weeks", "N/A"
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY1, [record])
    normalise_day(con, DAY1)
    assert con.execute(
        "SELECT start_date, start_date_raw, start_date_precision, start_date_type, "
        "completion_date, completion_date_raw, completion_date_precision, completion_date_type "
        "FROM trials.studies").fetchall() == [
        (datetime.date(2019, 1, 1), "2019", "year", None, None, "2019-13", None, "ESTIMATED")]
    low, high = con.execute("SELECT minimum_age_years, maximum_age_years "
                            "FROM trials.eligibilities").fetchall()[0]
    assert low == pytest.approx(6 * 7 / 365.25) and high is None


def test_site_key_ignores_site_order_and_punctuation(tmp_path):
    def sites(record):
        return record["protocolSection"].get("contactsLocationsModule", {}).get("locations", [])
    record = next(r for r in real_records().values()
                  if len(sites(r)) > 5 and all("facility" in site for site in sites(r)))
    moved = copy.deepcopy(record)
    locations = moved["protocolSection"]["contactsLocationsModule"]["locations"]
    locations.reverse()
    locations[0]["facility"] = "  " + locations[0]["facility"].upper().replace(" ", ",  ") + "."
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY1, [record])
    store_day(con, DAY2, [moved])
    normalise_day(con, DAY1)
    normalise_day(con, DAY2)
    keys = {day: con.execute("SELECT list(site_key ORDER BY site_key) FROM trials.facilities "
                             "WHERE snapshot_date = ?", [day]).fetchall()[0][0]
            for day in (DAY1, DAY2)}
    assert len(keys[DAY1]) > 1 and keys[DAY1] == keys[DAY2]
    assert all(key.count("|") == 2 and key == key.lower() for key in keys[DAY1])


def test_a_changed_study_adds_one_version_and_the_views_follow(tmp_path):
    records = real_records()
    day1 = [records[n] for n in ("NCT00000410", "NCT02178761", "NCT00080808")]
    changed = copy.deepcopy(day1[1])
    changed["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY1, day1)
    store_day(con, DAY2, [day1[0], changed, day1[2]])
    normalise_day(con, DAY1)
    result = normalise_day(con, DAY2)
    assert (result.versions_shredded, result.versions_reused) == (1, 2)
    assert table_counts(con)["studies"] == 4
    statuses = dict(con.execute(
        "SELECT snapshot_date, overall_status FROM trials.studies WHERE nct_id = 'NCT02178761'"
    ).fetchall())
    assert statuses == {DAY1: day1[1]["protocolSection"]["statusModule"]["overallStatus"],
                        DAY2: "TERMINATED"}
    current_days = con.execute("SELECT DISTINCT snapshot_date FROM trials.current_studies")
    assert current_days.fetchall() == [(DAY2,)]


def test_a_day_is_invisible_until_normalised(tmp_path):
    records = real_records()
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY1, [records["NCT00000410"]])
    store_day(con, DAY3, [records["NCT00000410"], records["NCT02178761"]])
    normalise_day(con, DAY1)
    normalise_versions(con)  # shreds day 3's new version, but does not record day 3
    assert table_counts(con)["studies"] == 2
    assert con.execute("SELECT DISTINCT snapshot_date FROM trials.studies").fetchall() == [(DAY1,)]
    day_one_sites = con.execute("SELECT count(*) FROM trials.facilities WHERE snapshot_date = ?",
                                [DAY1]).fetchall()
    assert con.execute("SELECT count(*) FROM trials.current_facilities").fetchall() == day_one_sites


def test_normalise_versions_by_hash_is_idempotent(tmp_path):
    records = real_records()
    con = new_warehouse(tmp_path / "w.duckdb")
    hashes = store_day(con, DAY1, [records["NCT00000410"], records["NCT02178761"]])
    first = normalise_versions(con, [hashes[0]])
    assert first["studies"] == 1
    second = normalise_versions(con, hashes)
    assert second["studies"] == 1  # only the one not yet shredded
    before = table_counts(con)
    assert sum(normalise_versions(con, hashes).values()) == 0
    assert table_counts(con) == before
    with pytest.raises(LookupError, match="no raw.study_payloads row"):
        normalise_versions(con, ["0" * 64])


def test_normalising_a_day_without_raw_rows_fails_and_writes_nothing(tmp_path):
    con = new_warehouse(tmp_path / "w.duckdb")
    with pytest.raises(LookupError, match="ingest the day first"):
        normalise_day(con, DAY1)
    assert con.execute("SELECT count(*) FROM trials_versions.normalised_days").fetchall() == [(0,)]


def _break_enrichment(monkeypatch):
    def broken(con, batch):
        raise RuntimeError("enrichment failed")
    monkeypatch.setattr(parse_pipeline, "enrich_batch", broken)


def _break_parsing(monkeypatch):
    real_parse = parse_pipeline.Batch.parse
    calls = []

    def broken(self, cursor):
        calls.append(1)
        if len(calls) == 3:  # a later batch: earlier ones are already inserted
            raise RuntimeError("parsing failed")
        return real_parse(self, cursor)
    monkeypatch.setattr(parse_pipeline.Batch, "parse", broken)


def _break_writing(monkeypatch):
    statements = dict(versions_module._STATEMENTS)
    statements["facilities"] = "SELECT error('writing failed')"
    monkeypatch.setattr(versions_module, "_STATEMENTS", statements)


@pytest.mark.parametrize("breakage, message", [
    (_break_enrichment, "enrichment failed"),
    (_break_parsing, "parsing failed"),
    (_break_writing, "writing failed"),
])
def test_a_failure_leaves_nothing_and_restores_settings(tmp_path, monkeypatch, breakage, message):
    """Whichever stage of the pipeline fails (parser or enricher thread, or the writer), the
    error reaches the caller, no row of any version is left, and a re-run does it all."""
    con = new_warehouse(tmp_path / "w.duckdb")
    store_day(con, DAY1, list(real_records().values())[:50])
    settings = "SELECT name, value FROM duckdb_settings() " \
               "WHERE name IN ('memory_limit', 'preserve_insertion_order') ORDER BY 1"
    before = con.execute(settings).fetchall()
    monkeypatch.setattr(versions_module, "BATCH_SIZE", 10)
    breakage(monkeypatch)
    threads_before = threading.active_count()

    with pytest.raises((RuntimeError, duckdb.Error), match=message):
        normalise_day(con, DAY1)
    assert set(table_counts(con).values()) == {0}
    assert con.execute("SELECT count(*) FROM trials_versions.normalised_days").fetchall() == [(0,)]
    assert con.execute(settings).fetchall() == before
    assert threading.active_count() == threads_before  # parser and enricher joined
    monkeypatch.undo()
    assert normalise_day(con, DAY1).versions_shredded == 50
    assert table_counts(con)["net_profile"] == 50


def test_batches_cover_every_version(tmp_path, monkeypatch):
    """Several batches (and rowid gaps from versions shredded earlier) lose nothing."""
    records = list(real_records().values())[:120]
    con = new_warehouse(tmp_path / "w.duckdb")
    hashes = store_day(con, DAY1, records)
    normalise_versions(con, hashes[::3])  # leave gaps in the payload rowids still to do
    monkeypatch.setattr(versions_module, "BATCH_SIZE", 7)
    result = normalise_day(con, DAY1)
    assert result.versions_shredded == 80 and result.versions_reused == 40
    assert table_counts(con)["studies"] == 120
    expected_sites = sum(len(r["protocolSection"].get("contactsLocationsModule", {})
                             .get("locations", [])) for r in records)
    assert result.day_rows["facilities"] == expected_sites


def test_profile_inputs_for_enrichment(tmp_path):
    """PROFILE_INPUTS_SQL yields exactly net_profile's input keys, from the normalised rows."""
    from netpipeline.normalise.enrichment_tables import PROFILE_INPUTS_SQL

    record = real_records()["NCT02178761"]
    con = new_warehouse(tmp_path / "w.duckdb")
    hashes = store_day(con, DAY1, [record])
    normalise_versions(con)
    con.execute("CREATE TEMP TABLE wanted AS SELECT unnest(?::VARCHAR[]) AS content_hash", [hashes])
    cursor = con.execute(PROFILE_INPUTS_SQL.format(versions_table="wanted"))
    names = [column[0] for column in cursor.description]
    (row,) = [dict(zip(names, values)) for values in cursor.fetchall()]
    protocol = record["protocolSection"]
    assert set(names) == {"content_hash", "nct_id", "brief_title", "official_title", "conditions",
                          "keywords", "condition_mesh_terms", "condition_mesh_ancestors",
                          "eligibility_criteria", "interventions"}
    assert row["conditions"] == protocol["conditionsModule"]["conditions"]
    assert row["keywords"] == protocol["conditionsModule"].get("keywords", [])
    assert row["condition_mesh_terms"] == [
        mesh["term"] for mesh in record["derivedSection"]["conditionBrowseModule"]["meshes"]]
    assert row["interventions"] == [
        {"name": i["name"], "type": i["type"], "other_names": i.get("otherNames", [])}
        for i in protocol["armsInterventionsModule"]["interventions"]]


def test_normalise_on_an_attached_or_in_memory_warehouse(tmp_path):
    """The shredder's parser and enricher cursors follow the caller's database: a warehouse
    ATTACHed and USEd on an in-memory connection, and a purely in-memory one."""
    records = real_records()
    path = tmp_path / "w.duckdb"
    con = new_warehouse(path)
    store_day(con, DAY1, [records["NCT00000410"], records["NCT02178761"]])
    con.close()
    con = duckdb.connect()
    con.execute(f"ATTACH '{path}' AS wh")
    con.execute("USE wh")
    assert normalise_day(con, DAY1).versions_shredded == 2
    con.close()

    memory = duckdb.connect()
    from netpipeline.normalise import ensure_trials_schema
    ensure_trials_schema(memory)
    store_day(memory, DAY1, [records["NCT00000410"]])
    assert normalise_day(memory, DAY1).day_rows["studies"] == 1


_KILLED_RUN = """
import sys, time
from netpipeline import warehouse
from netpipeline.normalise import normalise_day, versions
from netpipeline_tests.test_normalise_support import DAY1

real_insert = versions._insert_batch
def insert_then_hang(con, batch):
    counts = real_insert(con, batch)
    print("inserted", flush=True)   # rows of a first batch are in the open transaction
    time.sleep(600)
    return counts
versions._insert_batch = insert_then_hang
versions.BATCH_SIZE = 20
normalise_day(warehouse.connect(sys.argv[1]), DAY1)
"""


def test_a_killed_run_leaves_nothing(tmp_path):
    """A process killed in the middle of shredding (first batches written, not committed)
    leaves no version rows behind, and the next run shreds everything."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "w.duckdb"
    con = new_warehouse(path)
    store_day(con, DAY1, list(real_records().values())[:60])
    con.close()
    project_root = Path(__file__).resolve().parents[1]
    child = subprocess.Popen([sys.executable, "-c", _KILLED_RUN, str(path)],
                             stdout=subprocess.PIPE, text=True, cwd=project_root)
    try:
        assert child.stdout.readline().strip() == "inserted"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    con = duckdb.connect(str(path))
    assert set(table_counts(con).values()) == {0}
    assert normalise_day(con, DAY1).versions_shredded == 60


def test_enrichment_rows_round_trip_through_json(tmp_path):
    """Profiles and classes reach DuckDB as JSON text (enrichment_tables.Rows): every type,
    NULL, quote, non-ASCII character and the JSON column come back as written."""
    from netpipeline.normalise.enrichment_tables import ENRICHMENT_TABLES, Rows, insert_rows

    con = new_warehouse(tmp_path / "w.duckdb")
    evidence = [{"subtype": "pancreatic", "evidence": "condition: 'pNET' \\u00e9 \"G2\""}]
    profile = {name: None for name, _ in ENRICHMENT_TABLES["net_profile"]}
    profile.update(content_hash="h1", nct_id="NCT01", is_net=True, net_reason="title: 'Ki-67 ≤ 20%'",
                   net_subtypes=["pancreatic", "lung"], net_subtype_evidence=json.dumps(evidence),
                   grades=[], ki67_min=2.5, ki67_max=1e-7, krenning_min=3, requires_dll3=False,
                   prior_prrt="excluded", vocabulary_version="v'1")
    cls = {name: None for name, _ in ENRICHMENT_TABLES["intervention_classes"]}
    cls.update(content_hash="h1", nct_id="NCT01", intervention_id=2, intervention_name="¹⁷⁷Lu-DOTATATE",
               drug="lutetium", mechanism_class="prrt_radioligand")
    assert insert_rows(con, Rows.of("net_profile", [profile])) == 1
    assert insert_rows(con, Rows.of("intervention_classes", [cls])) == 1
    assert insert_rows(con, Rows.of("intervention_classes", [])) == 0
    names = [name for name, _ in ENRICHMENT_TABLES["net_profile"]]
    row = dict(zip(names, con.execute("SELECT * FROM trials_versions.net_profile").fetchall()[0]))
    assert json.loads(row.pop("net_subtype_evidence")) == evidence
    assert row == {k: v for k, v in profile.items() if k != "net_subtype_evidence"}
    names = [name for name, _ in ENRICHMENT_TABLES["intervention_classes"]]
    assert dict(zip(names, con.execute(
        "SELECT * FROM trials_versions.intervention_classes").fetchall()[0])) == cls
