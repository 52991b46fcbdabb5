"""published/warehouse: the warehouse as readers see it (a consistent copy and Parquet tables).

In both jobs: after the day's change-log (daily_job) and again after its digest (digest_job),
so the copy holds the day's digest.deliveries too. Skipped when its upstream is (a blocking
check failed): readers keep the last whole day.
"""
from datetime import date
from pathlib import Path

import dagster as dg

from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
from netpipeline.orchestration.assets.digest import DIGEST_EMAILS
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import PublishedResource, WarehouseResource
from netpipeline.publish import publish_day

PUBLISHED_WAREHOUSE = dg.AssetKey(["published", "warehouse"])


@dg.asset(
    key=PUBLISHED_WAREHOUSE,
    deps=[CHANGE_EVENTS, DIGEST_EMAILS],
    partitions_def=daily_partitions,
    group_name="publish",
    kinds={"duckdb", "parquet"},
    description="For readers, never opened by the pipeline: a consistent copy of the warehouse "
                "(NETPIPELINE_PUBLISHED_WAREHOUSE, open it read-only) and the analyst tables as Parquet "
                "(NETPIPELINE_PUBLISHED_PARQUET, hive-partitioned by snapshot_date), each replaced atomically. "
                "Contract: docs/warehouse.md#published-copy-and-open-tables.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource,
                        published: PublishedResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as con:
        p = publish_day(con, day, Path(published.warehouse_copy), Path(published.parquet_dir))
    context.log.info(p.summary())
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(p.copy.path)),
        "size_mb": round(p.copy.bytes / 1e6, 2),
        "days": dg.MetadataValue.json([str(d) for d in p.days]),
        "change_log_days": dg.MetadataValue.json([str(d) for d in p.change_log_days]),
        "digest_days": dg.MetadataValue.json([str(d) for d in p.digest_days]),
        "tables": p.tables,
        "copy_s": p.copy.seconds,
        "parquet_dir": dg.MetadataValue.path(str(p.parquet.root)),
        "parquet_files_written": p.parquet.files_written,
        "parquet_files_unchanged": p.parquet.files_unchanged,
        "parquet_rows_written": p.parquet.rows,
        "parquet_mb_written": round(p.parquet.bytes_written / 1e6, 2),
        "parquet_files_removed": p.parquet.files_removed,
        "elapsed_s": p.seconds,
    })
