"""changes/events: the day's typed change events against the latest earlier normalised day."""
from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from netpipeline.changes.changelog import ChangeLogError, compute_changelog, write_changelog
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.quality.results import blocking_failures

CHANGE_EVENTS = dg.AssetKey(["changes", "events"])


@dg.asset(
    key=CHANGE_EVENTS,
    # The self-dependency on the previous day makes backfills run in date order, so each day is
    # compared with the day before it (the base is the latest earlier normalised day).
    deps=[TRIAL_TABLES, dg.AssetDep(CHANGE_EVENTS, partition_mapping=dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1))],
    partitions_def=daily_partitions,
    group_name="changes",
    kinds={"duckdb", "python"},
    description="Schema `changes`: events (new trial, left scope, status, phase, enrolment, sites, eligibility, dates, "
                "interventions/arms, sponsor, results, title) and one summary row per day (changes.days).",
)
def change_events(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as con:
        failed = blocking_failures(con, day)
        if failed:
            # The in-run gate already skips this step; this refuses a manual materialisation too.
            raise ChangeLogError(f"{day}: blocking quality checks failed, no change-log: {'; '.join(failed)}")
        log = compute_changelog(con, day)
        write_changelog(con, log)
    counts = log.counts_by_type()
    context.log.info(f"{day}: {len(log.events)} events against {log.base_date or 'nothing (baseline day)'}")
    preview = "\n".join(f"| {e['nct_id']} | {e['event_type']} | {e['field'] or ''} | {_cell(e['old_value'])} | "
                        f"{_cell(e['new_value'])} | {e['significance']} |" for e in log.events[:15])
    return dg.MaterializeResult(metadata={
        "events": len(log.events),
        "base_date": str(log.base_date) if log.base_date else "none (baseline day)",
        "events_by_type": dg.MetadataValue.json(counts),
        "trials_with_most_changes": dg.MetadataValue.json(dict(log.busiest_trials(5))),
        "elapsed_s": round(log.elapsed_s, 3),
        "preview": dg.MetadataValue.md("| NCT ID | event | field | old | new | significance |\n|---|---|---|---|---|---|\n" + preview)
        if preview else "no events",
    })


def _cell(value: str | None) -> str:
    return "" if value is None else value.replace("|", "/").replace("\n", " ")[:60]
