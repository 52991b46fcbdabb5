"""trials/trial_tables: the day's studies shredded into AACT-style tables plus NET enrichment."""
from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from netpipeline.changes.changelog import drop_changelog
from netpipeline.normalise import day_preview, normalise_day
from netpipeline.normalise.enrich.vocabulary import RULES_VERSION
from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.partitions import daily_partitions

TRIAL_TABLES = dg.AssetKey(["trials", "trial_tables"])


@dg.asset(
    key=TRIAL_TABLES,
    deps=[RAW_STUDIES],
    partitions_def=daily_partitions,
    group_name="normalise",
    kinds={"duckdb", "sql"},
    # The enrichment rules' version: a rules change shows in the UI as a code-version change (and
    # the next materialisation enriches stored versions again, normalise.reenrich).
    code_version=RULES_VERSION,
    description=(
        "Schema `trials`: studies, conditions, keywords, interventions, arm groups, sponsors, sites, "
        "contacts, eligibility, outcomes, MeSH, references, plus net_profile and intervention_classes "
        "(NET enrichment). Each study version is shredded once; per-day views join raw.study_days. "
        "Contract: docs/warehouse.md."
    ),
)
def trial_tables(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as con:
        result = normalise_day(con, day)
        # The day's change-log was computed from the trial tables just replaced; changes/events
        # recomputes it in this run if the day's blocking checks pass.
        stale_events = drop_changelog(con, day)
        preview = day_preview(con, day)
    context.log.info(f"{day}: {result.studies} studies, {result.versions_shredded} versions shredded, "
                     f"{result.versions_reused} reused, in {result.elapsed_s}s")
    return dg.MaterializeResult(metadata={
        **result.as_metadata(),
        "change_log_events_dropped": stale_events,
        "studies_per_s": round(result.versions_shredded / result.elapsed_s, 1) if result.elapsed_s else None,
        "preview": dg.MetadataValue.md(preview.to_markdown(index=False)) if len(preview) else "no studies",
    })
