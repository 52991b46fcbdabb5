"""A full disk under the copy for readers (issue 13): the publication step says which day, what
could not be written, that the working warehouse holds the day and what readers have now; the
previous publication stays whole and the working warehouse is not touched. Real tmpfs disks."""
from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from netpipeline.definitions import build_definitions
from netpipeline.quality.catalog import CHECKS
from netpipeline.quality.results import gate
from netpipeline.warehouse import connect
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.small_disk import (
    failed_steps,
    fill,
    small_disk,
    storage_error_message,
)

D1, D2 = "2026-10-01", "2026-10-02"
PUBLISH = ["published/warehouse"]


def _files(folder: Path) -> dict[str, str]:
    """Every file under `folder` (but the filler) by its bytes' hash."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "filler.bin"}


def _open_spans_without_version(parquet: Path) -> int:
    """Open spans of the published span map whose version has no published row: what a reader
    joining the two would lose."""
    con = duckdb.connect()
    try:
        return con.execute(
            f"SELECT count(*) FROM read_parquet('{parquet}/raw/study_spans/*.parquet') s WHERE s.last_date IS NULL "
            f"AND s.content_hash NOT IN (SELECT content_hash FROM "
            f"read_parquet('{parquet}/trials_versions/studies/*/*.parquet', hive_partitioning = true))").fetchone()[0]
    finally:
        con.close()


@pytest.mark.slow
def test_a_full_disk_under_the_publication_keeps_the_previous_one_and_says_what_readers_have(tmp_path, monkeypatch):
    snapshots = tmp_path / "replay"
    write_day(snapshots, D1, [make_study(nct(i), D1) for i in range(1, 12)])
    write_day(snapshots, D2, [make_study(nct(i), D2, **({"statusModule.overallStatus": "COMPLETED"} if i < 4 else {}))
                              for i in range(1, 15)])
    with small_disk(tmp_path / "readers", "24m") as disk:
        copy, parquet = disk / "netpipeline.duckdb", disk / "parquet"
        env = {"NETPIPELINE_PUBLISHED_WAREHOUSE": str(copy), "NETPIPELINE_PUBLISHED_PARQUET": str(parquet)}
        with pipeline(tmp_path, snapshots, monkeypatch, env=env) as h:
            assert h.run_day(D1).success
            published = _files(disk)
            assert copy.name in published and any(k.startswith("parquet/raw/study_spans/") for k in published)

            # The copy's disk is full: D2 is stored, checked and change-logged; only its publication fails.
            filler = fill(disk)
            outcome = h.run_day(D2)
            assert not outcome.success and failed_steps(h.instance, outcome.run_id) == ["published__warehouse"]
            error = storage_error_message(h.instance, outcome.run_id)
            print(error)
            assert error.startswith(f"{D2}: step published/warehouse could not write the published copy {copy}: "
                                    "the disk is full (") and "No space left on device" in error
            assert (f"The working warehouse is not affected; it holds for {D2}: raw pull yes, normalised tables yes, "
                    f"{len(CHECKS)} of {len(CHECKS)} check results, change-log yes.") in error
            assert f"Readers keep the previous published copy {copy} (written " in error
            assert f"then materialise published/warehouse for {D2} again" in error
            assert _files(disk) == published        # the previous publication whole, no temporary file left
            con = connect(h.warehouse)              # opens for writing: the integrity probe passes
            try:
                assert gate(con, date.fromisoformat(D2)).passed
            finally:
                con.close()

            # The copy elsewhere, the open tables' disk with room for a few files only: the copy is
            # replaced, the open tables partly; the span map is still the previous one, whole.
            monkeypatch.setenv("NETPIPELINE_PUBLISHED_WAREHOUSE", str(tmp_path / "copy" / "netpipeline.duckdb"))
            h.defs = build_definitions()
            os.truncate(filler, filler.stat().st_size - 48 * 1024)
            outcome = h.run_day(D2, assets=PUBLISH)
            assert not outcome.success
            error = storage_error_message(h.instance, outcome.run_id)
            print(error)
            assert error.startswith(f"{D2}: step published/warehouse could not write the open tables under {parquet}: "
                                    "the disk is full (")
            assert f"The published copy {tmp_path / 'copy' / 'netpipeline.duckdb'} is new (it holds {D2})." in error
            now = _files(disk)
            replaced = {k for k in now if published.get(k) != now[k]} - {copy.name}
            assert f"Of the open tables, {len(replaced)} file(s) were replaced before the error" in error
            assert not any(Path(k).name.startswith(".") for k in now), "a temporary file was left behind"
            # The span map is written last: cut short before it, readers still join on the previous one.
            assert {k for k in now if "study_spans" in k or k.endswith("_state.json")} <= set(published) - replaced
            assert _open_spans_without_version(parquet) == 0

            # Space freed: publishing again completes the open tables.
            filler.unlink()
            assert h.run_day(D2, assets=PUBLISH).success
            assert _open_spans_without_version(parquet) == 0
            spans = h.query("SELECT count(*) FROM raw.study_spans WHERE last_date IS NULL")[0][0]
            con = duckdb.connect()
            try:
                assert con.execute(f"SELECT count(*) FROM read_parquet('{parquet}/raw/study_spans/*.parquet') "
                                   "WHERE last_date IS NULL").fetchone()[0] == spans == 14
            finally:
                con.close()
