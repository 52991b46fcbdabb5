"""The ingest stage's one entry point: pull the scope for a data date and store it in the raw layer.

`pull_day` is what the raw asset runs and what tests call: check that the API serves the requested
data date, pull every page of the scope query and write the day whole (raw_store.write_day). When
the API republishes the same data date during the pull (its page tokens then fail), the pull
starts again from page 1 against the new data version, at most `max_restarts` times; when the API
moves to another data date meanwhile, the day cannot be stored any more and the error says so.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import duckdb

from netpipeline.ingest.client import ApiVersion, CtgovClient, CtgovError, DataVersionChangedError
from netpipeline.ingest.raw_store import DataDateMismatchError, DayWrite, PullContext, check_data_date, write_day
from netpipeline.ingest.scope import Scope

MAX_RESTARTS = 2


@dataclass(frozen=True)
class DayPull:
    """What a stored day was pulled from, and what the write did."""

    version: ApiVersion
    context: PullContext
    written: DayWrite
    restarts: int      # pulls started again from page 1 after a republication

    def summary(self) -> str:
        w = self.written
        restarted = f"; restarted {self.restarts}x after a republication" if self.restarts else ""
        return (f"{w.snapshot_date}: {w.studies} studies in {w.pages} pages ({w.retries} retries{restarted}); "
                f"{w.new_studies} new, {w.changed_studies} changed, {w.unchanged_studies} unchanged, "
                f"{w.removed_studies} removed vs {w.base_date}")

    def metadata(self) -> dict[str, object]:
        w = self.written
        return {
            "studies": w.studies,
            "total_count": w.total_count,
            "pages": w.pages,
            "retries": w.retries,
            "restarts": self.restarts,
            "bytes": w.bytes,
            "elapsed_s": w.elapsed_s,
            "data_timestamp": self.version.data_timestamp.isoformat(),
            "api_version": self.version.api_version,
            "base_date": str(w.base_date) if w.base_date else "none (first day)",
            "new_studies": w.new_studies,
            "changed_studies": w.changed_studies,
            "unchanged_studies": w.unchanged_studies,
            "removed_studies": w.removed_studies,
            "payloads_added": w.payloads_added,
            "map_rows_written": w.spans_deleted + w.spans_inserted,
        }


def pull_day(con: duckdb.DuckDBPyConnection, day: date, client: CtgovClient, scope: Scope,
             max_restarts: int = MAX_RESTARTS) -> DayPull:
    """Store `day` from `client`; raises (storing nothing) when the API serves another data date,
    when the pull is incomplete, or when the data keeps being republished under it."""
    version = client.version()
    check_data_date(day, version.data_date, client.base_url)
    context = PullContext(
        base_url=client.base_url,
        api_version=version.api_version,
        data_timestamp=version.data_timestamp,
        scope_name=scope.name,
        scope_version=scope.version,
        query_params=scope.query_params(),
    )
    restarts = 0
    while True:
        pages = client.iter_pages(context.query_params, scope.page_size, data_version=version)
        try:
            written = write_day(con, day, pages, context, client.stats)
            return DayPull(version, context, written, restarts)
        except DataVersionChangedError as exc:
            if exc.new.data_date != day:
                raise DataDateMismatchError(
                    f"refusing to store {day}: the API moved to data date {exc.new.data_date} during the pull "
                    f"({client.base_url}); {day} is no longer served. Nothing was stored for this day.") from exc
            if restarts >= max_restarts:
                raise CtgovError(
                    f"{client.base_url}: the API republished {day} {restarts + 1} times during the pull; gave up "
                    f"after {restarts + 1} attempts. Nothing was stored for this day.") from exc
            restarts += 1
            version = exc.new
            context = replace(context, api_version=version.api_version, data_timestamp=version.data_timestamp)
