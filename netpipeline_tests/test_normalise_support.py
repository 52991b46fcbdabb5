"""Shared builders for the normalise tests: a raw layer in a tmp DuckDB file from real records.

Named test_normalise_* so it lives with the normalise tests; it holds no tests itself.
"""
from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path

import duckdb
import orjson
import pytest

from netpipeline import warehouse
from netpipeline.ingest.content_hash import content_hash
from netpipeline.ingest.raw_store import store_day_map
from netpipeline.normalise import ensure_trials_schema

CTGOV = Path(__file__).resolve().parents[1].parent / "shared" / "ctgov"
STUDIES_DIR = CTGOV / "studies"
SPEC = CTGOV / "ctgov-openapi.yaml"
DAY1 = datetime.date(2026, 11, 18)
DAY2 = datetime.date(2026, 11, 19)


def real_records() -> dict[str, dict]:
    """nct_id -> parsed record of every genuine record; skips the test when they are absent."""
    if not STUDIES_DIR.is_dir():
        pytest.skip(f"genuine ClinicalTrials.gov records not found at {STUDIES_DIR} "
                    "(a checkout outside the team's machines)")
    records = {}
    for path in sorted(STUDIES_DIR.glob("NCT*.json")):
        record = orjson.loads(path.read_bytes())
        records[record["protocolSection"]["identificationModule"]["nctId"]] = record
    return records


def new_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    con = warehouse.connect(path)
    ensure_trials_schema(con)
    return con


def store_day(
    con: duckdb.DuckDBPyConnection, day: datetime.date, records: Iterable[dict]
) -> list[str]:
    """Write records as one raw day, the way raw_store does: payloads once, the day's version map.

    Returns the content hashes of the day.
    """
    hashes, ncts = [], []
    for record in records:
        payload = orjson.dumps(record)
        digest = content_hash(record)
        nct_id = record["protocolSection"]["identificationModule"]["nctId"]
        con.execute(
            "INSERT INTO raw.study_payloads SELECT ?, ?, ?, ?, ? "
            "WHERE NOT EXISTS (SELECT 1 FROM raw.study_payloads WHERE content_hash = ?)",
            [digest, nct_id, payload.decode(), len(payload), day, digest],
        )
        hashes.append(digest)
        ncts.append(nct_id)
    store_day_map(con, day, "SELECT unnest($n) AS nct_id, unnest($h) AS content_hash, NULL AS last_update_post_date",
                  {"n": ncts, "h": hashes}, data_timestamp=datetime.datetime(2026, 11, 18, 9),
                  fetched_at=datetime.datetime(2026, 11, 18, 10))
    return hashes


def table_counts(con: duckdb.DuckDBPyConnection, schema: str = "trials_versions") -> dict[str, int]:
    from netpipeline.normalise.trials_schema import VERSION_TABLES

    return {table: con.execute(f"SELECT count(*) FROM {schema}.{table}").fetchall()[0][0]
            for table in VERSION_TABLES}


def minimal_record(nct_id: str = "NCT09999999") -> dict:
    """A record with only the identification module (everything else missing)."""
    return {"protocolSection": {"identificationModule": {"nctId": nct_id, "briefTitle": "Bare"}},
            "hasResults": False}
