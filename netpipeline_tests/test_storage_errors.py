"""A full disk during a day gives ONE error in words (which day, which step, what is stored, that
the day is unchecked and will not be mailed until re-run), and a re-run after space is freed
matches an uninterrupted run (issue 13: a full disk left 7 of 13 check results and six identical
raw DuckDB errors). The disk is a real one: a small tmpfs under the warehouse's folder, filled."""
from __future__ import annotations

import errno
import re
import subprocess
from datetime import date
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from netpipeline.quality.catalog import CHECKS
from netpipeline.quality.results import gate
from netpipeline.storage_errors import is_storage_error
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

D1, D2, D3 = "2026-10-01", "2026-10-02", "2026-10-05"
# Columns that record when or by which run a row was written: they differ between any two runs.
_RUN_COLUMNS = {"run_id", "elapsed_s"}
_PORT = re.compile(r"127\.0\.0\.1:\d+")   # each pipeline's replay server has a port of its own


@pytest.fixture
def small_disk(tmp_path):
    """tmp_path/full/warehouse on a 48 MB tmpfs (skipped where mounting is not permitted)."""
    folder = tmp_path / "full" / "warehouse"
    folder.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=48m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here ({mounted.stderr.strip() or mounted.returncode})")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path) -> Path:
    """Fill the disk under `folder` to the last byte; the filler file is returned (delete = free)."""
    filler = folder / "filler.bin"
    with filler.open("wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


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


def _failures(h, run_id: str) -> list[str]:
    return [r.dagster_event.step_key for r in h.instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)]


def _error(h, run_id: str) -> str:
    error = h.instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_FAILURE)[0].dagster_event.event_specific_data.error
    while error is not None and error.cls_name != "WarehouseStorageError":
        error = error.cause
    assert error is not None, "the step failed with something other than a WarehouseStorageError"
    return error.message.split(": ", 1)[1].strip()   # "netpipeline.storage_errors.WarehouseStorageError: ..."


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
        filler = _fill(small_disk)

        result = _checks_only(h, D2)
        assert not result.success
        failed = _failures(h, result.run_id)
        assert len(failed) == 1, failed                         # one error, not one per check
        error = _error(h, result.run_id)
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
        filler = _fill(small_disk)
        outcome = h.run_day(D3)
        assert not outcome.success and outcome.materialized == []
        failed = _failures(h, outcome.run_id)
        assert failed == ["raw__ctgov_studies"], failed
        error = _error(h, outcome.run_id)
        print(error)
        assert error.startswith(f"{D3}: step raw/ctgov_studies could not write") and "the disk is full" in error
        assert f"Stored now for {D3}: raw pull no, normalised tables no, 0 of {len(CHECKS)} check results" in error
        filler.unlink()


def test_a_lock_conflict_is_not_a_storage_error():
    assert not is_storage_error(duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock is held'))
    assert is_storage_error(OSError(errno.ENOSPC, "No space left on device"))
    assert is_storage_error(duckdb.IOException('Could not write file "w.duckdb.wal": No space left on device'))
