"""raw.study_spans behind the raw.study_days view: days written in any order, rewritten, back-filled;
what a day writes; and the conversion of a warehouse stored one row per study and day."""
from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, timedelta

import duckdb
import pytest

from netpipeline.ingest.raw_days import (RAW_DDL, RawMigrationError, ensure_raw_schema, replace_day_studies,
                                         span_problems)
from netpipeline.ingest.raw_store import store_day_map
from netpipeline.warehouse import connect

START = date(2026, 1, 1)
MAP_SQL = ("SELECT unnest($n) AS nct_id, unnest($h) AS content_hash, "
           "unnest($h) || '-posted' AS last_update_post_date")


def store(con, day: date, studies: dict[str, str]) -> int:
    return store_day_map(con, day, MAP_SQL, {"n": list(studies), "h": list(studies.values())},
                         data_timestamp=datetime.combine(day, datetime.min.time()))


def view(con) -> dict[date, dict[str, str]]:
    days: dict[date, dict[str, str]] = {}
    for day, nct_id, version, posted in con.execute(
            "SELECT snapshot_date, nct_id, content_hash, last_update_post_date FROM raw.study_days").fetchall():
        assert posted == version + "-posted"
        assert nct_id not in days.setdefault(day, {}), f"{nct_id} twice on {day}"
        days[day][nct_id] = version
    return days


def canonical_spans(days: dict[date, dict[str, str]]) -> set[tuple]:
    """Run-length encoding of the expected maps over the stored days, computed here independently."""
    ordered = sorted(days)
    spans, open_runs = set(), {}
    for i, day in enumerate(ordered):
        for nct_id, (version, first, last_i) in list(open_runs.items()):
            if days[day].get(nct_id) != version:
                spans.add((nct_id, version, first, ordered[last_i]))
                del open_runs[nct_id]
        for nct_id, version in days[day].items():
            if nct_id in open_runs:
                open_runs[nct_id] = (version, open_runs[nct_id][1], i)
            else:
                open_runs[nct_id] = (version, day, i)
    spans |= {(nct_id, version, first, None) for nct_id, (version, first, _) in open_runs.items()}
    return spans


def stored_spans(con) -> set[tuple]:
    return set(con.execute("SELECT nct_id, content_hash, first_date, last_date FROM raw.study_spans").fetchall())


@pytest.fixture
def con(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    ensure_raw_schema(con)
    yield con
    con.close()


@pytest.mark.parametrize("seed", range(6))
def test_days_written_in_any_order_give_the_same_canonical_spans(con, seed):
    """Random day maps over 12 studies and 3 versions each, written forwards, backwards, back-filled
    into gaps and rewritten with other maps: after every write the view is exactly the expected maps
    and the spans are the one canonical encoding of them."""
    rng = random.Random(seed)
    studies = [f"NCT{n:08d}" for n in range(12)]
    expected: dict[date, dict[str, str]] = {}
    for _ in range(40):
        day = START + timedelta(days=rng.randrange(14))
        # Mostly the neighbouring day's versions, so spans grow long and get cut and merged.
        near = [expected[d] for d in sorted(expected, key=lambda d: abs((d - day).days))[:1]]
        base = near[0] if near else {}
        studies_today = {}
        for nct_id in studies:
            roll = rng.random()
            if roll < 0.1:
                continue                                    # absent that day
            if nct_id in base and roll < 0.8:
                studies_today[nct_id] = base[nct_id]
            else:
                studies_today[nct_id] = f"{nct_id}-v{rng.randrange(3)}"
        assert store(con, day, studies_today) == len(studies_today)
        expected[day] = studies_today
        assert view(con) == {d: m for d, m in expected.items() if m}
        assert span_problems(con) == []
        assert stored_spans(con) == canonical_spans(expected)


def test_a_normal_day_writes_only_the_changes(con):
    studies = {f"NCT{n:08d}": f"v{n}" for n in range(1000)}
    store(con, START, studies)
    day2 = dict(studies)
    for n in range(0, 30):
        day2[f"NCT{n:08d}"] += "-changed"
    for n in range(30, 35):
        del day2[f"NCT{n:08d}"]
    day2 |= {f"NCT{n:08d}": f"v{n}" for n in range(1000, 1007)}
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        written = replace_day_studies(cur, START + timedelta(days=1), MAP_SQL,
                                      {"n": list(day2), "h": list(day2.values())})
        cur.execute("ROLLBACK")
    # changed: the open span closes (delete + insert) and a new one opens; gone: closes; new: opens.
    assert (written.studies, written.spans_deleted, written.spans_inserted) == (1002, 30 + 5, 2 * 30 + 5 + 7)
    store(con, START + timedelta(days=1), day2)
    assert con.execute("SELECT count(*) FROM raw.study_spans").fetchall()[0][0] == 1000 + 30 + 7
    # The same map again (a re-pulled day) writes nothing.
    with con.cursor() as cur:
        cur.execute("BEGIN TRANSACTION")
        again = replace_day_studies(cur, START + timedelta(days=1), MAP_SQL, {"n": list(day2), "h": list(day2.values())})
        cur.execute("ROLLBACK")
    assert (again.spans_deleted, again.spans_inserted) == (0, 0)


def test_a_day_mapping_a_study_twice_is_refused(con):
    with pytest.raises(ValueError, match="1 study rows repeat an NCT ID"):
        store_day_map(con, START, "SELECT * FROM (VALUES ('NCT1', 'a', NULL), ('NCT1', 'b', NULL)) t(nct_id, content_hash, last_update_post_date)",
                      data_timestamp=datetime(2026, 1, 1))
    assert con.execute("SELECT count(*) FROM raw.study_spans").fetchall()[0][0] == 0
    assert con.execute("SELECT count(*) FROM raw.pulls").fetchall()[0][0] == 0


def test_span_problems_name_what_is_broken(con):
    store(con, START, {"NCT1": "a", "NCT2": "b"})
    store(con, START + timedelta(days=1), {"NCT1": "a", "NCT2": "c"})
    assert span_problems(con) == []
    con.execute("INSERT INTO raw.study_spans VALUES ('NCT1', 'z', DATE '2026-01-02', NULL, NULL), "
                "('NCT3', 'x', DATE '2026-01-05', NULL, NULL)")
    assert span_problems(con) == ["NCT1 2026-01-02..open: overlaps the span before it",
                                  "NCT3 2026-01-05..open: starts or ends on a day that is not stored"]


# The per-day table of earlier versions of the raw layer, as it was created then.
OLD_STUDY_DAYS = """
CREATE TABLE raw.study_days (snapshot_date DATE NOT NULL, nct_id VARCHAR NOT NULL, content_hash VARCHAR NOT NULL,
    served_sha256 VARCHAR NOT NULL, version_holder VARCHAR, last_update_post_date VARCHAR,
    data_timestamp TIMESTAMP NOT NULL, fetched_at TIMESTAMP NOT NULL)"""
OLD_PULLS_COLUMNS = 19


def old_layout_warehouse(path, days: dict[date, dict[str, str]]) -> duckdb.DuckDBPyConnection:
    """A warehouse as earlier versions wrote it: one raw.study_days row per study and day."""
    con = connect(path)
    con.execute("CREATE SCHEMA raw")
    pulls_ddl = RAW_DDL[RAW_DDL.index("CREATE TABLE IF NOT EXISTS raw.pulls"):]
    old_pulls = pulls_ddl[:pulls_ddl.index("    served_sha256")].rstrip().rstrip(",") + "\n);"
    con.execute(old_pulls)
    con.execute(OLD_STUDY_DAYS)
    for day, studies in days.items():
        stamp = datetime.combine(day, datetime.min.time())
        con.execute("INSERT INTO raw.pulls VALUES (?, ?, '2.0', 'http://x', 's', '1', '{}', ?, ?, 1, 0, 0, ?, 0, "
                    "NULL, 0, 0, 0, 0)", [day, stamp, len(studies), len(studies), stamp])
        for nct_id, version in studies.items():
            con.execute("INSERT INTO raw.study_days VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [day, nct_id, version, hashlib.sha256(f"{nct_id}{day}".encode()).hexdigest(),
                         str(day), version + "-posted", stamp, stamp])
    assert len(con.execute("SELECT * FROM raw.pulls").description) == OLD_PULLS_COLUMNS
    return con


def test_a_warehouse_of_the_per_day_layout_is_converted_without_losing_a_row(tmp_path):
    days = {START: {"NCT1": "a", "NCT2": "b", "NCT3": "c"},
            START + timedelta(days=1): {"NCT1": "a", "NCT2": "b2"},
            START + timedelta(days=3): {"NCT1": "a", "NCT2": "b2", "NCT3": "c"}}   # a gap: 2026-01-03 not stored
    con = old_layout_warehouse(tmp_path / "old.duckdb", days)
    before = con.execute("SELECT snapshot_date, nct_id, content_hash, last_update_post_date, data_timestamp, "
                         "fetched_at FROM raw.study_days ORDER BY ALL").fetchall()
    ensure_raw_schema(con)
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = 'study_days'").fetchall() == [("VIEW",)]
    assert con.execute("SELECT * FROM raw.study_days ORDER BY ALL").fetchall() == before
    assert stored_spans(con) == canonical_spans(days) and span_problems(con) == []
    # The served-bytes hashes of each day survive as one digest per day.
    for day, studies in days.items():
        lines = "\n".join(f"{n}\t{hashlib.sha256(f'{n}{day}'.encode()).hexdigest()}" for n in sorted(studies))
        assert con.execute("SELECT served_sha256, version_holders FROM raw.pulls WHERE snapshot_date = ?",
                           [day]).fetchall() == [(hashlib.sha256(lines.encode()).hexdigest(), [str(day)])]
    # And the converted warehouse takes the next day like any other.
    store(con, START + timedelta(days=4), {"NCT1": "a2"})
    assert view(con)[START + timedelta(days=4)] == {"NCT1": "a2"} and span_problems(con) == []
    con.close()


def test_a_conversion_that_would_lose_rows_changes_nothing(tmp_path):
    con = old_layout_warehouse(tmp_path / "old.duckdb", {START: {"NCT1": "a"}})
    # A row for a day raw.pulls does not list: the view could not show it.
    con.execute("INSERT INTO raw.study_days VALUES (DATE '2026-02-01', 'NCT1', 'a', 's', NULL, NULL, now(), now())")
    with pytest.raises(RawMigrationError, match="days without a raw.pulls row: 2026-02-01; nothing was changed"):
        ensure_raw_schema(con)
    assert con.execute("SELECT table_type FROM information_schema.tables WHERE table_schema = 'raw' "
                       "AND table_name = 'study_days'").fetchall() == [("BASE TABLE",)]
    assert con.execute("SELECT count(*) FROM raw.study_days").fetchall()[0][0] == 2
    assert len(con.execute("SELECT * FROM raw.pulls").description) == OLD_PULLS_COLUMNS
