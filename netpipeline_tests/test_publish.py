"""Readers never block the pipeline: the published copy, the Parquet tables, the warehouse lock.

Real Dagster runs over the demo replay; the readers are other processes
(netpipeline_tests/warehouse_holder.py), as a notebook or a BI tool would be.
"""
from __future__ import annotations

import time

import dagster as dg
import polars as pl
import pytest

from netpipeline.orchestration.local_runs import run_day
from netpipeline.publish.parquet_tables import (DAILY_TABLES, DATA_FILE, FIRST_SEEN, PARTITION, PARTITIONED_TABLES,
                                               VERSION_TABLES_PUBLISHED)
from netpipeline.warehouse import connect
from netpipeline_tests.conftest import DEMO_DAYS, DEMO_REPLAY
from netpipeline_tests.pipeline_harness import pipeline
from netpipeline_tests.warehouse_holder import Holder, fresh_read

pytestmark = pytest.mark.slow
DAY1, DAY2, DAY3 = DEMO_DAYS
LOCK_WAIT_S = 2


@pytest.fixture(scope="module")
def published_run(tmp_path_factory):
    """Day 1 with its digest; a reader holds the published copy; day 2 with its digest."""
    tmp = tmp_path_factory.mktemp("publish")
    published, parquet = tmp / "published" / "netpipeline.duckdb", tmp / "published" / "parquet"
    env = {"NETPIPELINE_PUBLISHED_WAREHOUSE": str(published), "NETPIPELINE_PUBLISHED_PARQUET": str(parquet),
           "NETPIPELINE_WAREHOUSE_LOCK_WAIT_S": str(LOCK_WAIT_S)}
    with pytest.MonkeyPatch.context() as mp, pipeline(tmp, DEMO_REPLAY, mp, env=env) as h:
        first = [h.run_day(DAY1), *h.tick_digest()[0]]
        reader = Holder(published)
        seen_before = reader.read()
        second = [h.run_day(DAY2), *h.tick_digest()[0]]
        seen_during = reader.read()
        reader.close()
        yield {"h": h, "published": published, "parquet": parquet, "runs": first + second,
               "before": seen_before, "held": seen_during, "fresh": fresh_read(published)}


def test_a_reader_holding_the_published_copy_never_blocks_a_day(published_run):
    runs = published_run["runs"]
    assert [(r.job, r.success) for r in runs] == [("daily_job", True), ("digest_job", True)] * 2, [r.error for r in runs]
    assert all("published/warehouse" in r.materialized for r in runs)
    before, held, fresh = published_run["before"], published_run["held"], published_run["fresh"]
    # The held connection still reads the earlier day, whole and unchanged...
    assert before["days"] == [DAY1] and before["current_day"] == DAY1 and before["digest_days"] == [DAY1]
    assert held == before
    # ...and a connection opened afterwards gets the new day, its digest included.
    assert fresh["days"] == [DAY1, DAY2] and fresh["current_day"] == DAY2
    assert fresh["change_log_days"] == [DAY1, DAY2] and fresh["digest_days"] == [DAY1, DAY2]
    assert int(fresh["events"][0]) > 0 and fresh["studies"] != before["studies"]


def test_the_published_copy_equals_the_working_warehouse(published_run):
    h = published_run["h"]
    working = connect(h.warehouse, read_only=True)
    try:
        assert working.execute("SELECT list(snapshot_date::VARCHAR ORDER BY snapshot_date) FROM raw.pulls").fetchone()[0] \
            == published_run["fresh"]["days"]
        assert working.execute("SELECT count(*) FROM digest.deliveries").fetchone() \
            == connect(published_run["published"], read_only=True).execute("SELECT count(*) FROM digest.deliveries").fetchone()
    finally:
        working.close()
    leftovers = [p.name for p in published_run["published"].parent.rglob(".*.tmp")]
    assert leftovers == []


def test_the_digest_run_republishes_the_copy_but_no_unchanged_parquet(published_run):
    h = published_run["h"]
    records = h.instance.fetch_materializations(dg.AssetKey(["published", "warehouse"]), limit=10, ascending=True).records
    meta = [{k: getattr(v, "value", v) for k, v in r.asset_materialization.metadata.items()} for r in records]
    assert [m["digest_days"] for m in meta] == [[], [DAY1], [DAY1], [DAY1, DAY2]]
    daily, digest = meta[0::2], meta[1::2]
    assert all(m["parquet_files_written"] > 0 for m in daily)
    assert all(m["parquet_files_written"] == 0 and m["parquet_files_unchanged"] > 0 for m in digest)
    # Day 2 wrote its own partitions (versions first seen that day included) and the span map,
    # not day 1's partitions.
    assert daily[1]["parquet_files_unchanged"] == len(PARTITIONED_TABLES)
    assert all(m["size_mb"] > 0 and m["tables"] > 40 and m["path"] == str(published_run["published"]) for m in meta)


def _same_rows(frame: pl.DataFrame, warehouse_rows: list[tuple], columns: list[str]) -> None:
    got = sorted(frame.select(columns).rows(), key=repr)
    assert got == sorted(warehouse_rows, key=repr)


def test_parquet_tables_read_with_polars_alone_match_the_warehouse_views(published_run):
    h, parquet = published_run["h"], published_run["parquet"]
    con = connect(h.warehouse, read_only=True)
    try:
        # The current trials tables: every version published once, the open spans say which are current.
        current = pl.scan_parquet(parquet / "raw/study_spans" / DATA_FILE).filter(pl.col("last_date").is_null())
        for table in VERSION_TABLES_PUBLISHED:
            name = table.source.split(".")[1]
            versions = pl.scan_parquet(parquet / table.folder / "**" / "*.parquet", hive_partitioning=False)
            frame = versions.join(current.select("content_hash"), on="content_hash", how="semi").collect()
            result = con.execute(f"SELECT * EXCLUDE (snapshot_date) FROM trials.current_{name}")
            columns = [d[0] for d in result.description]
            assert frame.columns == columns, name
            rows = result.fetchall()
            assert rows or name == "enum_findings", name
            _same_rows(frame, rows, columns)
            assert sorted(p.name for p in (parquet / table.folder).iterdir()) == [f"{FIRST_SEEN}={d}" for d in (DAY1, DAY2)]
        assert sorted(p.name for p in (parquet / "trials").iterdir()) == ["intervention_classes", "net_profile"]
        for source in ("changes.days", "raw.study_spans"):
            frame = pl.read_parquet(parquet / source.replace(".", "/") / DATA_FILE)
            result = con.execute(f"SELECT * FROM {source}")
            _same_rows(frame, result.fetchall(), [d[0] for d in result.description])
        for table in DAILY_TABLES:
            frame = pl.scan_parquet(parquet / table.folder / "**" / "*.parquet", hive_partitioning=True).collect()
            result = con.execute(f"SELECT * FROM {table.source}")
            columns = [d[0] for d in result.description]
            rows = result.fetchall()
            assert rows, table.source
            _same_rows(frame, rows, columns)
            assert sorted(p.name for p in (parquet / table.folder).iterdir()) == [f"{PARTITION}={d}" for d in (DAY1, DAY2)]
    finally:
        con.close()


def test_a_held_working_warehouse_fails_the_run_in_time_and_a_rerun_loses_nothing(published_run):
    h, published = published_run["h"], published_run["published"]
    stored_before = h.query("SELECT snapshot_date::VARCHAR, studies FROM raw.pulls ORDER BY 1")
    events_before = h.query("SELECT count(*), sum(hash(e::VARCHAR)) FROM changes.events e")
    notebook = Holder(h.warehouse)  # e.g. a notebook left open on the working file
    try:
        started = time.monotonic()
        blocked = h.run_day(DAY3)
        elapsed = time.monotonic() - started
    finally:
        notebook.close()
    assert not blocked.success
    assert str(h.warehouse) in blocked.error and f"(PID {notebook.pid})" in blocked.error
    assert str(published) in blocked.error and "NETPIPELINE_WAREHOUSE_LOCK_WAIT_S=2" in blocked.error
    assert blocked.materialized == []
    # The wait is bounded by the setting (plus the run's own start-up), not dagster_duckdb's ~90 s.
    assert elapsed < LOCK_WAIT_S + 20, elapsed
    assert h.query("SELECT snapshot_date::VARCHAR, studies FROM raw.pulls ORDER BY 1") == stored_before
    assert h.query("SELECT count(*), sum(hash(e::VARCHAR)) FROM changes.events e") == events_before

    rerun = h.run_day(DAY3)
    assert rerun.success, rerun.error
    assert h.query("SELECT snapshot_date::VARCHAR, studies FROM raw.pulls ORDER BY 1")[:2] == stored_before
    assert [d for (d,) in h.query("SELECT snapshot_date::VARCHAR FROM changes.days ORDER BY 1")] == list(DEMO_DAYS)
    assert fresh_read(published)["change_log_days"] == list(DEMO_DAYS)


def test_a_held_working_warehouse_fails_the_digest_in_time_and_a_rerun_sends_each_once(published_run):
    """The digest opens the warehouse through the same lock wait as every step."""
    h, published = published_run["h"], published_run["published"]
    if not h.query("SELECT 1 FROM changes.days WHERE snapshot_date = ?", [DAY3]):
        assert h.run_day(DAY3).success  # this test run alone: day 3's change-log first
    ledger_before = h.query("SELECT * FROM digest.deliveries ORDER BY ALL")
    mail_before = sorted(p.name for p in h.outbox.rglob("*") if p.is_file())
    with Holder(h.warehouse) as notebook:
        started = time.monotonic()
        blocked = run_day(h.defs, h.instance, DAY3, job_name="digest_job")
        elapsed = time.monotonic() - started
    assert not blocked.success and blocked.error.startswith("digest__emails: ")
    assert str(h.warehouse) in blocked.error and f"(PID {notebook.pid})" in blocked.error
    assert str(published) in blocked.error and "NETPIPELINE_WAREHOUSE_LOCK_WAIT_S=2" in blocked.error
    assert blocked.materialized == [] and "published__warehouse" in blocked.skipped
    assert elapsed < LOCK_WAIT_S + 20, elapsed
    # Nothing rendered was sent, nothing stored changed.
    assert sorted(p.name for p in h.outbox.rglob("*") if p.is_file()) == mail_before
    assert h.query("SELECT * FROM digest.deliveries ORDER BY ALL") == ledger_before

    rerun = run_day(h.defs, h.instance, DAY3, job_name="digest_job")
    assert rerun.success, rerun.error
    assert h.query("SELECT * FROM digest.deliveries WHERE snapshot_date < ? ORDER BY ALL", [DAY3]) == ledger_before
    day3 = h.query("SELECT subscriber_id, count(*) FROM digest.deliveries WHERE snapshot_date = ? GROUP BY 1", [DAY3])
    assert day3 and all(n == 1 for _, n in day3)
    assert fresh_read(published)["digest_days"] == list(DEMO_DAYS)
