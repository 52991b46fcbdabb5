"""A full disk during a day gives ONE error in words (which day, which step, what is stored, that
the day is unchecked and will not be mailed until re-run), and a re-run after space is freed
matches an uninterrupted run (issue 13: a full disk left 7 of 13 check results and six identical
raw DuckDB errors). The disk is a real one: a small tmpfs under the warehouse's folder, filled."""
from __future__ import annotations

import errno
import re
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from netpipeline.quality.catalog import CHECKS
from netpipeline.quality.results import gate
from netpipeline.storage_errors import DayStored, is_storage_error
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.small_disk import failed_steps, fill, storage_error_message
from netpipeline_tests.small_disk import small_disk as mounted

D1, D2, D3 = "2026-10-01", "2026-10-02", "2026-10-05"
# Columns that record when or by which run a row was written: they differ between any two runs.
_RUN_COLUMNS = {"run_id", "elapsed_s"}
_PORT = re.compile(r"127\.0\.0\.1:\d+")   # each pipeline's replay server has a port of its own


@pytest.fixture
def small_disk(tmp_path):
    """tmp_path/full/warehouse on a 48 MB tmpfs (skipped where mounting is not permitted)."""
    with mounted(tmp_path / "full" / "warehouse") as folder:
        yield folder


def _tables(path: Path) -> dict[str, list[tuple]]:
    """Every table's rows, without the columns that say when or by which run they were written."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2").fetchall():
            columns = [name for name, kind in con.execute(
                "SELECT column_name, data_type FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                [schema, table]).fetchall() if not kind.startswith("TIMESTAMP") and name not in _RUN_COLUMNS]
            select = ", ".join(f'"{c}"::VARCHAR' for c in columns)
            rows = [tuple(None if v is None else _PORT.sub("127.0.0.1:<port>", v) for v in row)
                    for row in con.execute(f"SELECT {select} FROM {schema}.{table}").fetchall()]
            out[f"{schema}.{table}"] = sorted(rows, key=lambda row: tuple("" if v is None else v for v in row))
        return out
    finally:
        con.close()


def _checks_only(h, day: str):
    job = h.defs.resolve_job_def("daily_job")
    checks = {k for k in job.asset_layer.asset_graph.asset_check_keys if k.name in {c.name for c in CHECKS}}
    return job.get_subset(asset_selection=set(), asset_check_selection=checks).execute_in_process(
        partition_key=day, instance=h.instance, raise_on_error=False)


@pytest.mark.slow
def test_a_full_disk_gives_one_error_in_words_and_a_rerun_matches_an_uninterrupted_run(tmp_path, monkeypatch, small_disk):
    snapshots = tmp_path / "replay"
    for day in (D1, D2, D3):
        write_day(snapshots, day, [make_study(nct(i), day) for i in range(1, 12)])
    with pipeline(tmp_path / "clean", snapshots, monkeypatch) as clean:
        assert clean.run_day(D1).success and clean.run_day(D2).success
        expected = _tables(clean.warehouse)

    with pipeline(tmp_path / "full", snapshots, monkeypatch) as h:
        assert h.warehouse.parent == small_disk
        assert h.run_day(D1).success
        # D2 pulled and normalised; then the disk fills up before its checks write their results.
        no_checks = h.defs.resolve_job_def("daily_job").get_subset(
            asset_selection={dg.AssetKey(["raw", "ctgov_studies"]), dg.AssetKey(["trials", "trial_tables"])},
            asset_check_selection=set())
        assert no_checks.execute_in_process(partition_key=D2, instance=h.instance, raise_on_error=False).success
        filler = fill(small_disk)

        result = _checks_only(h, D2)
        assert not result.success
        failed = failed_steps(h.instance, result.run_id)
        assert len(failed) == 1, failed                         # one error, not one per check
        error = storage_error_message(h.instance, result.run_id)
        print(error)
        assert error.startswith(f"{D2}: step check ") and "the disk is full (" in error
        assert "No space left on device" in error
        assert f"Stored now for {D2}: raw pull yes, normalised tables yes, 0 of {len(CHECKS)} check results, " \
               "change-log no." in error
        assert "The day is unchecked and will not be mailed until it is re-run: free space" in error
        # The other checks say why they were not evaluated, pointing at that one error.
        evaluations = [e.event_specific_data for e in result.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
        assert evaluations and all(not e.passed for e in evaluations)
        assert all(f"(see the error of step {failed[0]})" in e.description for e in evaluations)
        filler.unlink()
        con = connect(h.warehouse, read_only=True)
        try:
            assert gate(con, date.fromisoformat(D2)).state == "unchecked"
        finally:
            con.close()

        # Space freed, the day re-run: the warehouse is the one an uninterrupted run wrote.
        assert h.run_day(D2).success
        assert _tables(h.warehouse) == expected

        # A full disk under the pull: the raw step says so, and nothing after it runs.
        filler = fill(small_disk)
        outcome = h.run_day(D3)
        assert not outcome.success and outcome.materialized == []
        failed = failed_steps(h.instance, outcome.run_id)
        assert failed == ["raw__ctgov_studies"], failed
        error = storage_error_message(h.instance, outcome.run_id)
        print(error)
        assert error.startswith(f"{D3}: step raw/ctgov_studies could not write") and "the disk is full" in error
        assert f"Stored now for {D3}: raw pull no, normalised tables no, 0 of {len(CHECKS)} check results" in error
        filler.unlink()


def test_a_lock_conflict_is_not_a_storage_error():
    assert not is_storage_error(duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock is held'))
    assert is_storage_error(OSError(errno.ENOSPC, "No space left on device"))
    assert is_storage_error(duckdb.IOException('Could not write file "w.duckdb.wal": No space left on device'))


def test_what_the_error_says_the_day_needs_follows_what_is_stored():
    day, every = date(2026, 10, 2), len(CHECKS)
    assert DayStored(True, True, every - 1, False, 0).consequence(day, "check x").startswith(
        "The day is unchecked and will not be mailed until it is re-run")
    assert DayStored(True, True, every, False, 0).consequence(day, "changes/events").startswith(
        "The day has no change-log and will not be mailed until it is re-run")
    stored = DayStored(True, True, every, True, 2)
    assert stored.consequence(day, "published/warehouse") == ("The day's data, checks and change-log are stored: "
                                                              "free space (or fix the storage), then materialise "
                                                              "published/warehouse for 2026-10-02 again.")
    assert stored.words().endswith(f"{every} of {every} check results, change-log yes, 2 digest(s) recorded as sent")
