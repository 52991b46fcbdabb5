"""The raw layer on real DuckDB files, fed by the client over real HTTP from the replay."""
from __future__ import annotations

import copy
import hashlib
import random
from datetime import date

import orjson
import pytest

from netpipeline.ingest.client import CtgovClient, CtgovError, IncompletePullError
from netpipeline.ingest.content_hash import content_hash
from netpipeline.ingest.day_pull import pull_day
from netpipeline.ingest.raw_store import DataDateMismatchError, check_data_date, served_bytes, stored_days
from netpipeline.ingest.scope import Scope
from netpipeline.replay.faults import Fault
from netpipeline.replay.server import ReplayServer
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day as write_snapshot

D1, D2 = "2026-11-18", "2026-11-19"


def ingest(con, server, day: str, page_size: int = 10):
    client = CtgovClient(server.day_url(day), requests_per_minute=10_000, timeout_s=2, max_retries=2, sleep=lambda s: None)
    with client:
        return pull_day(con, date.fromisoformat(day), client, Scope("test", "1", (), page_size=page_size, sort="")).written


def table_counts(con) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in ("study_payloads", "study_days", "pulls")}


@pytest.fixture
def two_days(tmp_path):
    studies = [make_study(nct(i)) for i in range(1, 31)]
    write_snapshot(tmp_path / "snap", D1, studies)
    day2 = copy.deepcopy(studies)
    day2[0]["protocolSection"]["statusModule"]["overallStatus"] = "COMPLETED"   # a real change
    leaves = day2[1]["derivedSection"]["conditionBrowseModule"]["browseLeaves"]
    leaves.reverse()                                                            # volatile: MeSH order
    leaves[-1]["asFound"] = "Neuroendocrine Tumor"                              # volatile: asFound
    del day2[2]                                                                 # a study left
    day2.append(make_study(nct(99)))                                            # a study arrived
    write_snapshot(tmp_path / "snap", D2, day2)
    with ReplayServer(tmp_path / "snap") as server:
        yield server, connect(tmp_path / "w.duckdb")


def test_days_store_payloads_once_per_distinct_content(two_days):
    server, con = two_days
    first = ingest(con, server, D1)
    assert (first.studies, first.new_studies, first.payloads_added, first.pages) == (30, 30, 30, 4)
    second = ingest(con, server, D2)
    assert (second.base_date, second.new_studies, second.changed_studies, second.removed_studies) == (date(2026, 11, 18), 1, 1, 1)
    assert second.unchanged_studies == 28  # versionHolder and MeSH order/asFound differ, but are not changes
    assert second.payloads_added == 2      # storage grows with changes, not with days x studies
    # The day's map: the changed study's span closes and a new one opens, the removed one's closes,
    # the new one's opens; the 28 unchanged studies cost nothing.
    assert (first.spans_deleted, first.spans_inserted) == (0, 30)
    assert (second.spans_deleted, second.spans_inserted) == (2, 4)
    assert table_counts(con) == {"study_payloads": 32, "study_days": 60, "pulls": 2}


def test_the_pull_records_a_digest_of_the_served_bytes_and_the_version_holders(two_days):
    server, con = two_days
    ingest(con, server, D1)
    # On a first day every payload is the day's served bytes.
    lines = "\n".join(f"{n}\t{hashlib.sha256(p.encode()).hexdigest()}" for n, p in
                      con.execute("SELECT nct_id, payload FROM raw.study_payloads ORDER BY nct_id").fetchall())
    assert con.execute("SELECT served_sha256, version_holders FROM raw.pulls").fetchall() == [
        (hashlib.sha256(lines.encode()).hexdigest(), [D1])]  # factories.write_day sets versionHolder to the day


def test_rerunning_a_day_is_idempotent(two_days):
    server, con = two_days
    ingest(con, server, D1)
    before = con.execute("SELECT * EXCLUDE (fetched_at) FROM raw.study_days ORDER BY nct_id").fetchall()
    spans = con.execute("SELECT rowid, * FROM raw.study_spans ORDER BY ALL").fetchall()
    again = ingest(con, server, D1)
    assert again.payloads_added == 0
    assert table_counts(con) == {"study_payloads": 30, "study_days": 30, "pulls": 1}
    assert con.execute("SELECT * EXCLUDE (fetched_at) FROM raw.study_days ORDER BY nct_id").fetchall() == before
    assert con.execute("SELECT rowid, * FROM raw.study_spans ORDER BY ALL").fetchall() == spans  # not rewritten


@pytest.mark.parametrize("fault", [Fault("wrong_total", amount=2), Fault("missing_study", skip=1),
                                   Fault("duplicate_study", skip=2), Fault("http_500", times=-1, skip=1)])
def test_a_failed_pull_stores_nothing_and_keeps_what_was_stored(two_days, fault):
    server, con = two_days
    ingest(con, server, D1)
    before = (table_counts(con), con.execute("SELECT * FROM raw.study_days ORDER BY nct_id").fetchall())
    server.add_faults([fault])
    with pytest.raises((IncompletePullError, CtgovError)):
        ingest(con, server, D1)          # the same day, re-run, fails mid-pull
    server.clear_faults()
    with pytest.raises((IncompletePullError, CtgovError)):
        server.add_faults([fault])
        ingest(con, server, D2)          # a new day fails
    assert (table_counts(con), con.execute("SELECT * FROM raw.study_days ORDER BY nct_id").fetchall()) == before
    assert stored_days(con) == [date(2026, 11, 18)]


def test_another_data_date_is_refused():
    check_data_date(date(2026, 11, 18), date(2026, 11, 18), "http://x")
    with pytest.raises(DataDateMismatchError, match="refusing to store 2026-11-18.*serves data date 2026-11-19"):
        check_data_date(date(2026, 11, 18), date(2026, 11, 19), "http://x")


def test_every_real_record_keeps_its_bytes_through_the_raw_layer(shared_ctgov, tmp_path):
    files = sorted((shared_ctgov / "studies").glob("NCT*.json"))
    day = tmp_path / "snap" / "2025-01-02"
    day.mkdir(parents=True)
    (day / "version.json").write_text('{"apiVersion": "2.0.5", "dataTimestamp": "2025-01-02T09:00:05"}')
    (day / "studies.jsonl").write_bytes(b"\n".join(f.read_bytes().strip() for f in files) + b"\n")
    con = connect(tmp_path / "w.duckdb")
    with ReplayServer(tmp_path / "snap") as server:
        written = ingest(con, server, "2025-01-02", page_size=200)
    assert written.studies == len(files) == 1043
    for f in files:
        assert served_bytes(con, date(2025, 1, 2), f.stem) == f.read_bytes().strip(), f.stem


def test_content_hash_ignores_whitespace_and_volatile_fields_only(shared_ctgov):
    rng = random.Random(7)
    for f in sorted((shared_ctgov / "studies").glob("NCT*.json"))[::5]:
        record = orjson.loads(f.read_bytes())
        pretty = orjson.loads(orjson.dumps(record, option=orjson.OPT_INDENT_2))
        assert content_hash(pretty) == content_hash(record)
        volatile = copy.deepcopy(record)
        volatile["derivedSection"]["miscInfoModule"]["versionHolder"] = "2031-01-01"
        for module in ("conditionBrowseModule", "interventionBrowseModule"):
            for key in ("browseLeaves", "browseBranches"):
                rng.shuffle(volatile["derivedSection"].get(module, {}).get(key, []))
        assert content_hash(volatile) == content_hash(record), f.stem
        changed = copy.deepcopy(record)
        changed["protocolSection"]["identificationModule"]["briefTitle"] += " (amended)"
        assert content_hash(changed) != content_hash(record)


def test_staging_files_are_removed_and_engine_settings_restored_whatever_happens(two_days, tmp_path):
    server, con = two_days
    before = con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    ingest(con, server, D1)
    server.add_faults([Fault("missing_study", skip=1)])
    with pytest.raises(IncompletePullError):
        ingest(con, server, D2)
    assert not list(tmp_path.glob(".raw-staging-*"))  # the private Parquet folder beside w.duckdb
    assert con.execute("SELECT current_setting('memory_limit')").fetchone()[0] == before


def test_an_unchanged_day_stages_no_payload_and_stores_none(two_days):
    server, con = two_days
    ingest(con, server, D1)
    size = con.execute("SELECT sum(payload_bytes) FROM raw.study_payloads").fetchone()[0]
    again = ingest(con, server, D1)
    assert (again.payloads_added, again.studies) == (0, 30)
    assert con.execute("SELECT sum(payload_bytes) FROM raw.study_payloads").fetchone()[0] == size
