"""raw/ctgov_studies: the day's studies exactly as served by ClinicalTrials.gov."""

from datetime import date
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from netpipeline.ingest.raw_store import PullContext, check_data_date, write_day
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import CtgovApiResource

RAW_STUDIES = dg.AssetKey(["raw", "ctgov_studies"])


@dg.asset(
    key=RAW_STUDIES,
    partitions_def=daily_partitions,
    group_name="ingest",
    kinds={"duckdb", "python"},
    # Every process pulling from ClinicalTrials.gov shares this pool: the client's rate limit is
    # per process, so with a multi-process launcher set `dagster instance concurrency set ctgov_api 1`.
    pool="ctgov_api",
    description=(
        "Every study the NET scope query returns for the data date, JSON exactly as served, stored "
        "once per distinct content (raw.study_payloads) and mapped per day (raw.study_days, raw.pulls). "
        "A day is stored whole or not at all."
    ),
)
def ctgov_studies(context: dg.AssetExecutionContext, ctgov: CtgovApiResource, warehouse: DuckDBResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    scope = ctgov.scope()
    with ctgov.client(ctgov.url_for_day(day)) as client:
        version = client.version()
        check_data_date(day, version.data_date, client.base_url)
        pull_context = PullContext(
            base_url=client.base_url,
            api_version=version.api_version,
            data_timestamp=version.data_timestamp,
            scope_name=scope.name,
            scope_version=scope.version,
            query_params=scope.query_params(),
        )
        with warehouse.get_connection() as con:
            written = write_day(con, day, client.iter_pages(pull_context.query_params, scope.page_size), pull_context, client.stats)
    context.log.info(
        f"{day}: {written.studies} studies in {written.pages} pages ({written.retries} retries); "
        f"{written.new_studies} new, {written.changed_studies} changed, {written.unchanged_studies} unchanged, "
        f"{written.removed_studies} removed vs {written.base_date}"
    )
    return dg.MaterializeResult(
        metadata={
            "studies": written.studies,
            "total_count": written.total_count,
            "pages": written.pages,
            "retries": written.retries,
            "bytes": written.bytes,
            "elapsed_s": written.elapsed_s,
            "data_timestamp": version.data_timestamp.isoformat(),
            "api_version": version.api_version,
            "base_date": str(written.base_date) if written.base_date else "none (first day)",
            "new_studies": written.new_studies,
            "changed_studies": written.changed_studies,
            "unchanged_studies": written.unchanged_studies,
            "removed_studies": written.removed_studies,
            "payloads_added": written.payloads_added,
            "map_rows_written": written.spans_deleted + written.spans_inserted,
            "scope": f"{scope.name} {scope.version} ({Path(ctgov.scope_file).name})",
            "source": dg.MetadataValue.url(client.base_url) if client.base_url.startswith("http") else client.base_url,
        }
    )
