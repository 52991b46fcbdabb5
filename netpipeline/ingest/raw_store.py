"""The raw layer: each data date's studies exactly as served, stored once per distinct content.

A day is written whole or not at all. Pages are staged in a temporary table as they arrive
(memory stays bounded by a page, whatever the size of the registry); only when the pull adds
up to the API's totalCount is the day swapped in, in one transaction: delete the day, insert.
"""
from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from importlib.resources import files

import duckdb
import polars as pl

from netpipeline.ingest.client import PullTally
from netpipeline.ingest.content_hash import content_hash
from netpipeline.ingest.page_parser import ServedStudy
from netpipeline.warehouse import ensure_schema, transaction

RAW_DDL = files("netpipeline.ingest").joinpath("raw_schema.sql").read_text(encoding="utf-8")

_STAGING_SCHEMA = {
    "nct_id": pl.Utf8,
    "content_hash": pl.Utf8,
    "served_sha256": pl.Utf8,
    "payload": pl.Utf8,
    "payload_bytes": pl.Int32,
    "version_holder": pl.Utf8,
    "last_update_post_date": pl.Utf8,
}


class DataDateMismatchError(RuntimeError):
    """The API serves another data date than the partition being written."""


@dataclass(frozen=True)
class PullContext:
    """What the day was pulled from and with; stored in raw.pulls."""

    base_url: str
    api_version: str
    data_timestamp: datetime
    scope_name: str
    scope_version: str
    query_params: dict[str, str]


@dataclass(frozen=True)
class DayWrite:
    snapshot_date: date
    base_date: date | None
    total_count: int
    studies: int
    pages: int
    retries: int
    bytes: int
    elapsed_s: float
    new_studies: int
    changed_studies: int
    unchanged_studies: int
    removed_studies: int
    payloads_added: int

    def as_metadata(self) -> dict[str, object]:
        return asdict(self)


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    ensure_schema(con, RAW_DDL)


def stored_days(con: duckdb.DuckDBPyConnection) -> list[date]:
    return [row[0] for row in con.execute("SELECT snapshot_date FROM raw.pulls ORDER BY 1").fetchall()]


def previous_stored_day(con: duckdb.DuckDBPyConnection, day: date) -> date | None:
    row = con.execute("SELECT max(snapshot_date) FROM raw.pulls WHERE snapshot_date < ?", [day]).fetchone()
    return row[0] if row else None


def check_data_date(partition_day: date, served_day: date, base_url: str) -> None:
    """A stored day is never replaced by records of another data date."""
    if served_day != partition_day:
        raise DataDateMismatchError(
            f"refusing to store {partition_day}: {base_url}/version says the API serves data date {served_day}. "
            "The live API only serves its current data date; past days can only be re-read from the replay "
            "(set NETPIPELINE_CTGOV_BASE_URL to a replay URL with {date})."
        )


def staged_rows(studies: list[ServedStudy]) -> pl.DataFrame:
    rows = {name: [] for name in _STAGING_SCHEMA}
    for study in studies:
        record = study.record
        status = record.get("protocolSection", {}).get("statusModule", {}) or {}
        misc = (record.get("derivedSection") or {}).get("miscInfoModule") or {}
        rows["nct_id"].append(study.nct_id)
        rows["content_hash"].append(content_hash(record))
        rows["served_sha256"].append(study.served_sha256)
        rows["payload"].append(study.raw.decode("utf-8"))
        rows["payload_bytes"].append(len(study.raw))
        rows["version_holder"].append(misc.get("versionHolder"))
        rows["last_update_post_date"].append((status.get("lastUpdatePostDateStruct") or {}).get("date"))
    return pl.DataFrame(rows, schema=_STAGING_SCHEMA)


def write_day(
    con: duckdb.DuckDBPyConnection,
    day: date,
    pages: Iterable[tuple[list[ServedStudy], int | None]],
    context: PullContext,
    stats,
) -> DayWrite:
    """Stage every page, verify the pull is complete, then replace the day in one transaction.

    `stats` is the client's PullStats (pages, retries, bytes), read after the pages are consumed.
    Raises IncompletePullError (from PullTally) before touching any stored table.
    """
    ensure_raw_schema(con)
    started = time.monotonic()
    tally = PullTally(context.base_url)
    con.execute("CREATE OR REPLACE TEMP TABLE raw_staging AS SELECT * FROM (SELECT NULL::VARCHAR AS nct_id, NULL::VARCHAR AS content_hash, "
                "NULL::VARCHAR AS served_sha256, NULL::VARCHAR AS payload, NULL::INTEGER AS payload_bytes, "
                "NULL::VARCHAR AS version_holder, NULL::VARCHAR AS last_update_post_date) WHERE false")
    try:
        for studies, page_total in pages:
            tally.add_page(studies, page_total)
            if studies:
                page = staged_rows(studies)  # noqa: F841 - read by DuckDB below
                con.execute("INSERT INTO raw_staging SELECT * FROM page")
        tally.verify()
        fetched_at = datetime.now().replace(microsecond=0)
        base_date = previous_stored_day(con, day)
        with transaction(con):
            con.execute("DELETE FROM raw.study_days WHERE snapshot_date = ?", [day])
            con.execute("DELETE FROM raw.pulls WHERE snapshot_date = ?", [day])
            payloads_added = con.execute(
                """
                INSERT INTO raw.study_payloads
                SELECT content_hash, any_value(nct_id), any_value(payload), any_value(payload_bytes), ?::DATE
                FROM raw_staging s
                WHERE NOT EXISTS (SELECT 1 FROM raw.study_payloads p WHERE p.content_hash = s.content_hash)
                GROUP BY content_hash
                """,
                [day],
            ).fetchone()[0]
            con.execute(
                """
                INSERT INTO raw.study_days
                SELECT ?::DATE, nct_id, content_hash, served_sha256, version_holder, last_update_post_date, ?, ?
                FROM raw_staging
                """,
                [day, context.data_timestamp, fetched_at],
            )
            counts = _compare_with(con, day, base_date)
            result = DayWrite(
                snapshot_date=day,
                base_date=base_date,
                total_count=tally.total or 0,
                studies=len(tally.seen),
                pages=stats.pages,
                retries=stats.retries,
                bytes=stats.bytes,
                elapsed_s=round(stats.elapsed_s or (time.monotonic() - started), 3),
                payloads_added=payloads_added,
                **counts,
            )
            con.execute(
                "INSERT INTO raw.pulls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    day, context.data_timestamp, context.api_version, context.base_url, context.scope_name,
                    context.scope_version, json.dumps(context.query_params, sort_keys=True), result.total_count,
                    result.studies, result.pages, result.retries, result.bytes, fetched_at, result.elapsed_s,
                    base_date, result.new_studies, result.changed_studies, result.unchanged_studies,
                    result.removed_studies,
                ],
            )
    finally:
        con.execute("DROP TABLE IF EXISTS raw_staging")
    return result


def _compare_with(con: duckdb.DuckDBPyConnection, day: date, base_date: date | None) -> dict[str, int]:
    if base_date is None:
        total = con.execute("SELECT count(*) FROM raw.study_days WHERE snapshot_date = ?", [day]).fetchone()[0]
        return {"new_studies": total, "changed_studies": 0, "unchanged_studies": 0, "removed_studies": 0}
    row = con.execute(
        """
        SELECT
            count(*) FILTER (WHERE b.nct_id IS NULL),
            count(*) FILTER (WHERE t.nct_id IS NOT NULL AND b.nct_id IS NOT NULL AND t.content_hash <> b.content_hash),
            count(*) FILTER (WHERE t.nct_id IS NOT NULL AND b.nct_id IS NOT NULL AND t.content_hash = b.content_hash),
            count(*) FILTER (WHERE t.nct_id IS NULL)
        FROM (SELECT nct_id, content_hash FROM raw.study_days WHERE snapshot_date = ?) t
        FULL OUTER JOIN (SELECT nct_id, content_hash FROM raw.study_days WHERE snapshot_date = ?) b USING (nct_id)
        """,
        [day, base_date],
    ).fetchone()
    return dict(zip(("new_studies", "changed_studies", "unchanged_studies", "removed_studies"), row))


def served_bytes(con: duckdb.DuckDBPyConnection, day: date, nct_id: str) -> bytes | None:
    """The stored JSON of a study on a day (the first-served bytes of its content version)."""
    row = con.execute(
        """
        SELECT p.payload FROM raw.study_days d JOIN raw.study_payloads p USING (content_hash)
        WHERE d.snapshot_date = ? AND d.nct_id = ?
        """,
        [day, nct_id],
    ).fetchone()
    return row[0].encode("utf-8") if row else None
