"""raw/ctgov_studies: the day's studies exactly as served by ClinicalTrials.gov."""

from datetime import date
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from netpipeline.ingest.day_pull import pull_day
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
    with ctgov.client(ctgov.url_for_day(day)) as client, warehouse.get_connection() as con:
        pulled = pull_day(con, day, client, scope)
    context.log.info(pulled.summary())
    return dg.MaterializeResult(
        metadata={
            **pulled.metadata(),
            "scope": f"{scope.name} {scope.version} ({Path(ctgov.scope_file).name})",
            "source": dg.MetadataValue.url(client.base_url) if client.base_url.startswith("http") else client.base_url,
        }
    )
