"""The raw layer: each data date's studies exactly as served, stored once per distinct content.

A day is written whole or not at all. Pages are staged as they arrive, one Parquet file per
page in a private folder beside the warehouse file (deleted afterwards, whatever happens), so
memory stays bounded by a couple of pages whatever the size of the registry: a 300,000-study
day is ~5 GB of JSON (raw_staging). Only when the pull adds up to the API's totalCount is the
day swapped in, in one transaction: new payloads inserted from the staged files, the day's
version spans edited (raw_days) and its raw.pulls row replaced.

Staging keeps the payload only for contents not already stored on the latest stored day: on a
day after the first, ~99 % of the studies are unchanged and their 16 KB are not written twice.
(The filter is only an optimisation: the swap still inserts a payload only where raw.study_payloads
lacks its content hash.) The next page is fetched, parsed and hashed (page_parser) in a
background thread while the current one is staged. The swap and its checkpoint run under a
DuckDB memory limit (MEMORY_LIMIT). Measurements: docs/benchmarks.md.
"""
from __future__ import annotations

import gc
import json
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime

import duckdb

from netpipeline.ingest.pull_tally import PullTally
from netpipeline.ingest.page_parser import ServedStudy
from netpipeline.ingest.raw_days import SERVED_DIGEST_SQL, ensure_raw_schema, replace_day_studies
from netpipeline.ingest.raw_staging import Staging, page_table, prefetched
from netpipeline.quality.results import drop_day_results
from netpipeline.warehouse import memory_limit_at_most, transaction

# DuckDB's buffers while the day is swapped in. DuckDB compresses a row group (122,880 rows, so
# ~2 GB of 16 KB payloads) only when it is flushed, and spills it meanwhile: on a 100,000-study
# day the swap took 18.8 s at 512 MB (RSS +600 MB), 14.3 s at 768 MB (+820 MB), 14.2 s at 1 GB
# (+1,050 MB) and 8.6 s at 4 GB. A lower limit set by the caller is kept.
MEMORY_LIMIT = "768MB"


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
    spans_deleted: int      # raw.study_spans rows: what the day's map cost (grows with changes)
    spans_inserted: int

    def as_metadata(self) -> dict[str, object]:
        return asdict(self)


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


def _ingest_settings(con: duckdb.DuckDBPyConnection):
    """memory_limit at most MEMORY_LIMIT while the day is written (restored afterwards)."""
    return memory_limit_at_most(con, MEMORY_LIMIT)


def _known_hashes(con: duckdb.DuckDBPyConnection, day: date) -> set[str]:
    """Content hashes of the latest stored day up to `day` (all have payloads stored)."""
    latest = con.execute("SELECT max(snapshot_date) FROM raw.pulls WHERE snapshot_date <= ?", [day]).fetchone()[0]
    if latest is None:
        return set()
    column = con.execute("SELECT content_hash FROM raw.study_days WHERE snapshot_date = ?", [latest]).fetchnumpy()
    return set(column["content_hash"].tolist())


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
    known = _known_hashes(con, day)
    staging = Staging(con)
    try:
        for studies, page_total in prefetched(pages):
            tally.add_page(studies, page_total)
            if studies:
                staging.add(page_table(studies, known))
            studies = None
        tally.verify()
        del known
        with _ingest_settings(con):
            result = _swap_day(con, day, staging, tally, context, stats, started)
            # Write the day into the file now, within the memory limit: otherwise the checkpoint
            # runs when the caller closes the connection, with DuckDB's default limit (80 % of
            # RAM), and took the process from 1.1 to 2.2 GB RSS on a 100,000-study day.
            con.execute("CHECKPOINT")
    finally:
        staging.remove()
        # What young collections missed (cycles promoted while alive) waits here for one full one.
        gc.collect()
    return result


def _swap_day(con: duckdb.DuckDBPyConnection, day: date, staging: Staging, tally: PullTally,
              context: PullContext, stats, started: float) -> DayWrite:
    fetched_at = datetime.now().replace(microsecond=0)
    base_date = previous_stored_day(con, day)
    staged = staging.relation()
    # Distinct studies have distinct contents (the nctId is part of the content), so no GROUP BY
    # is needed, which would hold every payload in a hash table. Checked, not assumed.
    repeated = con.execute(f"SELECT count(*) - count(DISTINCT content_hash) FROM {staged}").fetchone()[0]
    with transaction(con):
        # The spans first: the edit reads raw.pulls as stored before this write.
        mapped = replace_day_studies(con, day, f"SELECT nct_id, content_hash, last_update_post_date FROM {staged}")
        served_digest, version_holders = con.execute(
            f"SELECT {SERVED_DIGEST_SQL}, list(DISTINCT version_holder ORDER BY version_holder) "
            f"FILTER (WHERE version_holder IS NOT NULL) FROM {staged}").fetchall()[0]
        con.execute("DELETE FROM raw.pulls WHERE snapshot_date = ?", [day])
        drop_day_results(con, day)   # they judged the data replaced here (and what was normalised from it)
        if repeated:
            insert_payloads = f"""
                INSERT INTO raw.study_payloads
                SELECT content_hash, any_value(nct_id), any_value(payload), any_value(payload_bytes), ?::DATE
                FROM {staged} s
                WHERE payload IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM raw.study_payloads p WHERE p.content_hash = s.content_hash)
                GROUP BY content_hash"""
        else:
            insert_payloads = f"""
                INSERT INTO raw.study_payloads
                SELECT content_hash, nct_id, payload, payload_bytes, ?::DATE
                FROM {staged} s
                WHERE payload IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM raw.study_payloads p WHERE p.content_hash = s.content_hash)"""
        payloads_added = con.execute(insert_payloads, [day]).fetchone()[0]
        counts = _compare_with(con, staged, base_date)
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
            spans_deleted=mapped.spans_deleted,
            spans_inserted=mapped.spans_inserted,
            **counts,
        )
        con.execute(
            "INSERT INTO raw.pulls VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                day, context.data_timestamp, context.api_version, context.base_url, context.scope_name,
                context.scope_version, json.dumps(context.query_params, sort_keys=True), result.total_count,
                result.studies, result.pages, result.retries, result.bytes, fetched_at, result.elapsed_s,
                base_date, result.new_studies, result.changed_studies, result.unchanged_studies,
                result.removed_studies, served_digest, version_holders,
            ],
        )
    return result


def _compare_with(con: duckdb.DuckDBPyConnection, staged: str, base_date: date | None) -> dict[str, int]:
    """New / changed / unchanged / removed studies of the staged day against the base day."""
    if base_date is None:
        total = con.execute(f"SELECT count(*) FROM {staged}").fetchone()[0]
        return {"new_studies": total, "changed_studies": 0, "unchanged_studies": 0, "removed_studies": 0}
    row = con.execute(
        f"""
        SELECT
            count(*) FILTER (WHERE b.nct_id IS NULL),
            count(*) FILTER (WHERE t.nct_id IS NOT NULL AND b.nct_id IS NOT NULL AND t.content_hash <> b.content_hash),
            count(*) FILTER (WHERE t.nct_id IS NOT NULL AND b.nct_id IS NOT NULL AND t.content_hash = b.content_hash),
            count(*) FILTER (WHERE t.nct_id IS NULL)
        FROM (SELECT nct_id, content_hash FROM {staged}) t
        FULL OUTER JOIN (SELECT nct_id, content_hash FROM raw.study_days WHERE snapshot_date = ?) b USING (nct_id)
        """,
        [base_date],
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


def store_day_map(con: duckdb.DuckDBPyConnection, day: date, studies_sql: str, params: dict | None = None, *,
                  data_timestamp: datetime, fetched_at: datetime | None = None) -> int:
    """Store a day's study -> version map written by a tool, not pulled (tests, benchmarks, repairs).

    `studies_sql` gives (nct_id, content_hash, last_update_post_date); the payloads must already be in
    raw.study_payloads. The day's raw.pulls row says so: base_url 'manual', no pages. Returns the studies.
    """
    fetched_at = fetched_at or datetime.now().replace(microsecond=0)
    with transaction(con):
        studies = replace_day_studies(con, day, studies_sql, params).studies
        con.execute("DELETE FROM raw.pulls WHERE snapshot_date = ?", [day])
        con.execute(
            "INSERT INTO raw.pulls (snapshot_date, data_timestamp, base_url, scope_name, scope_version, query_params, "
            "total_count, studies, pages, retries, bytes, fetched_at, elapsed_s, base_date, new_studies, "
            "changed_studies, unchanged_studies, removed_studies) "
            "VALUES (?, ?, 'manual', 'manual', '0', '{}', ?, ?, 0, 0, 0, ?, 0, ?, 0, 0, 0, 0)",
            [day, data_timestamp, studies, studies, fetched_at, previous_stored_day(con, day)])
    return studies
