"""A full disk during a day gives ONE error in words (which day, which step, what is stored, that
the day is unchecked and will not be mailed until re-run, and how), and following that advice
after space is freed matches an uninterrupted run (issue 13: a full disk left 7 of 13 check results and six identical
raw DuckDB errors). The disk is a real one: a small tmpfs under the warehouse's folder, filled."""
from __future__ import annotations

import errno
import re
from datetime import date, datetime
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from netpipeline.ingest.missed_days import MissedDay, record_missed
from netpipeline.quality.catalog import CHECKS, checks_for
from netpipeline.quality.results import gate, run_day_checks
from netpipeline.storage_errors import DayStored, is_storage_error, read_day
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.small_disk import failed_steps, fill, storage_error_message
from netpipeline_tests.small_disk import small_disk as mounted
from netpipeline_tests.test_normalise_support import new_warehouse, store_day

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


def _checks_only(h, day: str, checks_of: list = CHECKS):
    job = h.defs.resolve_job_def("daily_job")
    checks = {k for k in job.asset_layer.asset_graph.asset_check_keys if k.name in {c.name for c in checks_of}}
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

        # Space freed, the advice followed: the raw checks alone, then the steps it names, not the
        # pull (the live API would refuse a past day). The warehouse is the one an uninterrupted run wrote.
        assert f"then first execute the {len(checks_for('raw'))} checks of raw/ctgov_studies alone for {D2}" in error
        assert _checks_only(h, D2, checks_for("raw")).success
        advised = re.search(r"--select '([^']+)' --partition ([0-9-]+)\)", error)
        assert advised and advised.group(2) == D2, error
        followed = h.run_day(D2, advised.group(1).split(","))
        assert followed.success, followed.error
        assert followed.materialized == ["changes/events", "published/warehouse", "trials/trial_tables"]
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
    day, every, raw = date(2026, 10, 2), len(CHECKS), len(checks_for("raw"))
    assert DayStored(True, True, every - 1, False, 0, raw).consequence(day, "check x").startswith(
        "The day is unchecked and will not be mailed until it is re-run")
    assert DayStored(True, True, every, False, 0, raw).consequence(day, "changes/events").startswith(
        "The day has no change-log and will not be mailed until it is re-run")
    stored = DayStored(True, True, every, True, 2, raw)
    assert stored.consequence(day, "published/warehouse") == ("The day's data, checks and change-log are stored: "
                                                              "free space (or fix the storage), then materialise "
                                                              "published/warehouse for 2026-10-02 again.")
    assert stored.words().endswith(f"{every} of {every} check results, change-log yes, 2 digest(s) recorded as sent")


def test_a_stored_pull_is_not_pulled_again_and_a_day_no_longer_served_is_not_re_run():
    """The live API serves only its current data date and the raw step refuses any other
    (check_data_date): the advice never asks for a pull the API can no longer serve."""
    day, every, raw = date(2026, 10, 2), len(CHECKS), len(checks_for("raw"))
    after_pull = "materialise trials/trial_tables, changes/events, published/warehouse for 2026-10-02, not the raw pull"
    unchecked = DayStored(True, True, raw, False, 0, raw).consequence(day, "check x")
    assert after_pull in unchecked and "first execute" not in unchecked and "re-run 2026-10-02" not in unchecked
    assert "--select 'trials/trial_tables,changes/events,published/warehouse' --partition 2026-10-02" in unchecked
    # The raw checks did not run either: they first, alone (they belong to the raw asset).
    assert f"then first execute the {raw} checks of raw/ctgov_studies alone for 2026-10-02"         in DayStored(True, True, 0, False, 0, 0).consequence(day, "check x")
    # Every check stored, no change-log: from the change-log on.
    no_log = DayStored(True, True, every, False, 0, raw).consequence(day, "changes/events")
    assert "then materialise changes/events, published/warehouse for 2026-10-02, not the raw pull" in no_log
    assert "trials/trial_tables" not in no_log and "first execute" not in no_log
    # No pull stored: re-run while the API serves the day, or, once it served a later one, nothing to re-run.
    unpulled = DayStored(False, False, 0, False, 0).consequence(day, "raw/ctgov_studies")
    assert "then re-run 2026-10-02 while the API still serves it" in unpulled and "missed" in unpulled
    past = DayStored(False, False, 0, False, 0, 0, date(2026, 10, 5)).consequence(day, "raw/ctgov_studies")
    assert past.startswith("The day will not be mailed: its pull is not stored and 2026-10-02 can no longer be pulled "
                           "(the live API serves only its current data date, 2026-10-05 or later by now)")
    assert "records it as missed (raw.missed_days)" in past and "re-run" not in past and "materialise" not in past


def test_what_is_stored_for_a_day_is_read_from_the_warehouse(tmp_path):
    days = [date(2026, 10, 1), date(2026, 10, 2), date(2026, 10, 5), date(2026, 10, 6)]
    con = new_warehouse(tmp_path / "w.duckdb")
    try:
        for day in (days[0], days[2]):
            store_day(con, day, [make_study(nct(i), day.isoformat()) for i in range(1, 4)])
        run_day_checks(con, days[0], "raw", volume_drop_max=1.0)
        first = read_day(con, days[0])
        assert (first.raw, first.normalised, first.checks, first.raw_checks) == (True, False, len(checks_for("raw")),
                                                                                  len(checks_for("raw")))
        assert first.served_later == days[2]
        # 10-02: not stored, and the API served 10-05 since: no longer pullable.
        assert read_day(con, days[1]) == DayStored(False, False, 0, False, 0, 0, days[2])
        assert read_day(con, days[2]).served_later is None
        # The sensor found 10-06 missed while the API served 10-07: 10-05 is past too.
        record_missed(con, [MissedDay(days[3], datetime(2026, 10, 7, 15), 6, "disk full", date(2026, 10, 7))])
        assert read_day(con, days[2]).served_later == date(2026, 10, 7)
        assert "can no longer be pulled" in read_day(con, days[3]).consequence(days[3], "raw/ctgov_studies")
    finally:
        con.close()
