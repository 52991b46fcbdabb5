"""A damaged warehouse is refused before anything is written (issue 13: a file truncated to half
took the next raw day, then normalisation failed with "Could not read enough bytes")."""
from __future__ import annotations

import hashlib
import os
import time

import duckdb
import pytest

from netpipeline.digest.day import WarehouseOpener
from netpipeline.integrity import WarehouseDamagedError, damage_from_open_error, probe
from netpipeline.orchestration.resources import WarehouseResource
from netpipeline_tests.factories import make_study, nct, write_day
from netpipeline_tests.pipeline_harness import pipeline

D1, D2 = "2026-10-01", "2026-10-02"


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_a_warehouse_truncated_to_half_is_refused_with_nothing_written(tmp_path, monkeypatch):
    snapshots = tmp_path / "replay"
    for day in (D1, D2):
        write_day(snapshots, day, [make_study(nct(i), day) for i in range(1, 30)])
    with pipeline(tmp_path, snapshots, monkeypatch) as h:
        assert h.run_day(D1).success
        good = h.warehouse.read_bytes()
        con = duckdb.connect(str(h.warehouse))
        started = time.perf_counter()
        probe(con, h.warehouse)                   # the real, whole file passes
        elapsed_ms = (time.perf_counter() - started) * 1000
        con.close()
        print(f"probe of a {len(good):,}-byte warehouse: {elapsed_ms:.1f} ms")
        assert elapsed_ms < 500
        h.warehouse.write_bytes(good[: len(good) // 2])
        before, entries = _digest(h.warehouse), sorted(p.name for p in h.warehouse.parent.iterdir())

        outcome = h.run_day(D2)
        assert not outcome.success and outcome.materialized == []
        assert f"The warehouse file {h.warehouse} is damaged" in outcome.error
        assert "cut short" in outcome.error and "Nothing was written" in outcome.error
        assert "published copy" in outcome.error and "NETPIPELINE_PUBLISHED_WAREHOUSE" in outcome.error
        # The published copy of day 1 exists: the message names it as the way back, not "none there yet".
        assert f"published copy {tmp_path / 'published' / 'netpipeline.duckdb'} (" in outcome.error
        assert "none there yet" not in outcome.error
        # Not a byte written, no staging or WAL left beside it.
        assert _digest(h.warehouse) == before and os.path.getsize(h.warehouse) == len(good) // 2
        assert sorted(p.name for p in h.warehouse.parent.iterdir()) == entries

        # Restored (here: the good bytes put back), the day runs.
        h.warehouse.write_bytes(good)
        assert h.run_day(D2).success


@pytest.mark.parametrize("keep", [0.5, 0.9], ids=["half", "nine_tenths"])
def test_the_warehouse_resource_refuses_a_file_cut_short_and_opens_an_intact_one(tmp_path, keep):
    """Cut short, DuckDB sometimes cannot even open the file (its catalogue is gone) and sometimes
    opens it and answers from the blocks still there: both are refused, in the same words."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.pulls AS SELECT DATE '2026-10-01' + i::INT AS snapshot_date, "
                "repeat('x', 200) || i AS filler FROM range(200000) t(i)")
    con.execute("CHECKPOINT")
    con.close()
    resource = WarehouseResource(database=str(path))
    with resource.get_connection() as con:
        assert con.execute("SELECT count(*) FROM raw.pulls").fetchone() == (200000,)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    with pytest.raises(WarehouseDamagedError, match=f"The warehouse file {path} is damaged: .*Nothing was written"):
        with resource.get_connection():
            pass
    assert path.read_bytes() == data[: int(len(data) * keep)]


def test_the_digest_refuses_a_damaged_file_before_writing_its_ledger(tmp_path):
    """The digest opens the warehouse itself (short blocks, not the resource): its first block probes."""
    path = tmp_path / "w.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.pulls AS SELECT DATE '2026-10-01' + i::INT AS snapshot_date, "
                "repeat('x', 200) || i AS filler FROM range(200000) t(i)")
    con.close()
    cut = path.read_bytes()[: path.stat().st_size // 2]
    path.write_bytes(cut)
    with pytest.raises(WarehouseDamagedError, match="is damaged"):
        with WarehouseOpener(path)():
            pass
    assert path.read_bytes() == cut


def test_a_lock_held_by_another_process_is_not_called_damage(tmp_path):
    error = duckdb.IOException('Could not set lock on file "w.duckdb": Conflicting lock is held')
    assert damage_from_open_error(tmp_path / "w.duckdb", error) is None
