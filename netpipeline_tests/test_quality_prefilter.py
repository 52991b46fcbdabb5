"""Checks whose slices declare `can_fail` give GX only the rows that could fail; the outcome must be
the one GX gives on every row. Compared here on a day with orphans, bad dates and bad coordinates
(and on a clean day), with plain DuckDB tables shaped like the trials views."""
from __future__ import annotations

from datetime import date

import duckdb
import pytest

from netpipeline.quality.catalog import CHECKS, check_by_name
from netpipeline.quality.day_slices import CHILD_TABLES, DATE_FIELDS, slice_parts

DAY = date(2026, 10, 1)
PREFILTERED = ("children_have_parent", "date_precision_valid", "site_coordinates_in_range")


def _warehouse(broken: bool) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA trials")
    dates = ", ".join(f"{f} DATE, {f}_raw VARCHAR, {f}_precision VARCHAR" for f in DATE_FIELDS)
    con.execute(f"CREATE TABLE trials.studies (snapshot_date DATE, nct_id VARCHAR, {dates})")
    for table in CHILD_TABLES:
        extra = ", facility_id INTEGER, name VARCHAR, latitude DOUBLE, longitude DOUBLE" if table == "facilities" else ""
        con.execute(f"CREATE TABLE trials.{table} (snapshot_date DATE, nct_id VARCHAR{extra})")
    good = [(DAY, f"NCT{n:08d}", date(2025, 3, 1), "2025-03", "month") for n in range(1, 41)]
    for day, nct_id, typed, raw, precision in good:
        values = [day, nct_id] + [typed, raw, precision] * len(DATE_FIELDS)
        con.execute(f"INSERT INTO trials.studies VALUES ({', '.join('?' * len(values))})", values)
    con.execute("INSERT INTO trials.studies (snapshot_date, nct_id) VALUES (DATE '2026-09-30', 'NCT00000099')")
    for table in CHILD_TABLES:
        if table == "facilities":
            con.execute("INSERT INTO trials.facilities SELECT snapshot_date, nct_id, 1, 'Site', 44.0, -92.5 "
                        "FROM trials.studies WHERE snapshot_date = ?", [DAY])
            con.execute("INSERT INTO trials.facilities VALUES (?, 'NCT00000001', 2, 'No geo', NULL, NULL)", [DAY])
        else:
            con.execute(f"INSERT INTO trials.{table} SELECT snapshot_date, nct_id FROM trials.studies "
                        "WHERE snapshot_date = ?", [DAY])
    if broken:
        for table in ("facilities", "conditions", "net_profile"):     # orphans: no study that day
            columns = "snapshot_date, nct_id" + (", facility_id" if table == "facilities" else "")
            values = "?, 'NCT99999999'" + (", 1" if table == "facilities" else "")
            con.execute(f"INSERT INTO trials.{table} ({columns}) VALUES ({values})", [DAY])
        con.execute("INSERT INTO trials.conditions VALUES (?, 'NCT00000099')", [DAY])   # parent on another day
        field = DATE_FIELDS[0]
        con.execute(f"UPDATE trials.studies SET {field}_precision = 'week' WHERE nct_id = 'NCT00000002'")
        con.execute(f"UPDATE trials.studies SET {field} = NULL WHERE nct_id = 'NCT00000003'")
        con.execute(f"UPDATE trials.studies SET {DATE_FIELDS[-1]}_precision = NULL WHERE nct_id = 'NCT00000004'")
        con.execute("UPDATE trials.facilities SET latitude = 123.4 WHERE nct_id = 'NCT00000005'")
        con.execute("UPDATE trials.facilities SET longitude = -181 WHERE nct_id = 'NCT00000006'")
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

    assert all(part.can_fail for part in slice_parts(name, set(CHILD_TABLES)))
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
    declared = {c.name for c in CHECKS if any(p.can_fail for p in slice_parts(c.name, set(CHILD_TABLES)))}
    assert declared == set(PREFILTERED)
