"""Checks whose slices declare `can_fail` give GX only the rows that could fail; the outcome must be
the one GX gives on every row. Compared here on a day with orphans, bad dates and bad coordinates
(and on a clean day), in the warehouse's own schema (raw.study_days, trials_versions, the views)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import duckdb
import pytest

from netpipeline.ingest.raw_store import store_day_map
from netpipeline.normalise.trials_schema import ensure_trials_schema
from netpipeline.quality.catalog import CHECKS, check_by_name
from netpipeline.quality.day_slices import CHILD_TABLES, DATE_FIELDS

DAY = date(2026, 10, 1)
OTHER_DAY_NCT = "NCT00000099"
PREFILTERED = ("children_have_parent", "date_precision_valid", "site_coordinates_in_range")


def _warehouse(broken: bool) -> duckdb.DuckDBPyConnection:
    """The real raw + trials_versions schema and views: 40 studies on DAY, one on the day before."""
    con = duckdb.connect()
    ensure_trials_schema(con)
    studies = [(DAY, f"NCT{n:08d}", f"h{n}") for n in range(1, 41)] + [(DAY - timedelta(days=1), OTHER_DAY_NCT, "h99")]
    for day in (DAY - timedelta(days=1), DAY):
        store_day_map(con, day, "SELECT unnest($n) AS nct_id, unnest($h) AS content_hash, NULL AS last_update_post_date",
                      {"n": [n for d, n, _ in studies if d == day], "h": [h for d, _, h in studies if d == day]},
                      data_timestamp=datetime.combine(day, time()))
    for day, nct_id, content_hash in studies:
        dates = {f"{f}_raw": "2025-03" for f in DATE_FIELDS} | {f"{f}_precision": "month" for f in DATE_FIELDS}
        dates |= {f: date(2025, 3, 1) for f in DATE_FIELDS}
        columns = ["content_hash", "nct_id", *dates]
        con.execute(f"INSERT INTO trials_versions.studies ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    [content_hash, nct_id, *dates.values()])
    for day in (DAY, DAY - timedelta(days=1)):
        con.execute("INSERT INTO trials_versions.normalised_days VALUES (?, now(), 1, 1)", [day])
    for table in CHILD_TABLES:
        if table == "facilities":
            con.execute("INSERT INTO trials_versions.facilities (content_hash, nct_id, facility_id, name, latitude, "
                        "longitude) SELECT content_hash, nct_id, 1, 'Site', 44.0, -92.5 FROM trials_versions.studies")
            con.execute("INSERT INTO trials_versions.facilities (content_hash, nct_id, facility_id, name) "
                        "VALUES ('h1', 'NCT00000001', 2, 'No geo')")
        else:
            con.execute(f"INSERT INTO trials_versions.{table} (content_hash, nct_id) "
                        "SELECT content_hash, nct_id FROM trials_versions.studies")
    if broken:
        for table in ("facilities", "conditions", "net_profile"):     # orphans: no such study that day
            con.execute(f"INSERT INTO trials_versions.{table} (content_hash, nct_id) VALUES ('h1', 'NCT99999999')")
        # a child row of the day pointing to a study that exists only on the day before
        con.execute("INSERT INTO trials_versions.conditions (content_hash, nct_id) VALUES ('h2', ?)", [OTHER_DAY_NCT])
        field = DATE_FIELDS[0]
        con.execute(f"UPDATE trials_versions.studies SET {field}_precision = 'week' WHERE nct_id = 'NCT00000002'")
        con.execute(f"UPDATE trials_versions.studies SET {field} = NULL WHERE nct_id = 'NCT00000003'")
        con.execute(f"UPDATE trials_versions.studies SET {DATE_FIELDS[-1]}_precision = NULL WHERE nct_id = 'NCT00000004'")
        con.execute("UPDATE trials_versions.facilities SET latitude = 123.4 WHERE nct_id = 'NCT00000005'")
        con.execute("UPDATE trials_versions.facilities SET longitude = -181 WHERE nct_id = 'NCT00000006'")
    return con


def _comparable(outcome) -> tuple:
    sample = sorted((repr(sorted(s.items())) for s in outcome.sample))
    expectations = sorted(repr(sorted(e.items())) for e in outcome.expectations)
    return outcome.passed, outcome.evaluated_rows, outcome.failures, sample, expectations


@pytest.mark.parametrize("broken", [True, False], ids=["broken", "clean"])
@pytest.mark.parametrize("name", PREFILTERED)
def test_prefiltered_check_equals_the_check_on_every_row(name, broken):
    pytest.importorskip("great_expectations")
    from netpipeline.quality.expectations import run_check

    assert all(part.can_fail for part in check_by_name(name).slice_parts(set(CHILD_TABLES)))
    con = _warehouse(broken)
    check = check_by_name(name)
    tables = set(CHILD_TABLES)
    every_row = run_check(con, check, DAY, {"volume_drop_max": 0.1}, tables, prefilter=False)
    prefiltered = run_check(con, check, DAY, {"volume_drop_max": 0.1}, tables, prefilter=True)
    assert _comparable(prefiltered) == _comparable(every_row)
    assert prefiltered.passed is not broken
    if broken:
        expected_failures = {"children_have_parent": 4, "date_precision_valid": 3, "site_coordinates_in_range": 2}
        assert prefiltered.failures == expected_failures[name]
    assert prefiltered.evaluated_rows > 40


def test_every_prefiltered_check_is_compared_here():
    declared = {c.name for c in CHECKS if any(p.can_fail for p in c.slice_parts(set(CHILD_TABLES)))}
    assert declared == set(PREFILTERED)
