"""changes/events: the day's typed change events against the latest earlier normalised day.

Backfills run in date order: the asset depends on its own previous partition
(TimeWindowPartitionMapping(-1, -1)), so a backfill of many days materialises day D only after
day D-1, and each day is compared with the day before it. Outside a backfill (a manual run, a
re-execution) a day can still be computed before an earlier day exists: it then compares with
the latest earlier normalised day, records that base, and stays so until it is re-materialised;
the metadata of the earlier day, when it arrives, lists such later days.
"""
from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from netpipeline.changes.day import PREVIOUS_DAY_NOTE, changelog_day
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.orchestration.partitions import daily_partitions

CHANGE_EVENTS = dg.AssetKey(["changes", "events"])
PREVIOUS_DAY = dg.TimeWindowPartitionMapping(start_offset=-1, end_offset=-1)


@dg.asset(
    key=CHANGE_EVENTS,
    # The self-dependency on the previous day makes backfills run in date order, so each day is
    # compared with the day before it (the base is the latest earlier normalised day).
    deps=[TRIAL_TABLES, dg.AssetDep(CHANGE_EVENTS, partition_mapping=PREVIOUS_DAY)],
    partitions_def=daily_partitions,
    group_name="changes",
    kinds={"duckdb", "python"},
    description="Schema `changes`: events (new trial, left scope, status, phase, enrolment, sites, eligibility, dates, "
                "interventions/arms, sponsor, results, title) against the latest earlier normalised day, and one "
                "summary row per day (changes.days). Backfills run in date order (self-dependency on the previous "
                "day). Contract: docs/warehouse.md#changes.",
)
def change_events(context: dg.AssetExecutionContext, warehouse: DuckDBResource) -> dg.MaterializeResult:
    day = date.fromisoformat(context.partition_key)
    with warehouse.get_connection() as con:
        report = changelog_day(con, day)
    log, stale, base_note = report.log, report.later_days_with_older_base, report.base_note
    context.log.info(f"{day}: {len(log.events)} events against {log.base_date or 'nothing (baseline day)'}")
    if base_note != PREVIOUS_DAY_NOTE:
        context.log.warning(f"{day}: {base_note}")
    if stale:
        context.log.warning(f"{day}: later days were computed without it; re-materialise them: "
                            + ", ".join(f"{d} (base {b or 'none'})" for d, b in stale))
    return dg.MaterializeResult(metadata={
        "events": len(log.events),
        "trials_changed": log.trials_changed(),
        "trials_in_scope": log.trials_in_scope,
        "base_date": str(log.base_date) if log.base_date else "none (baseline day)",
        "base": base_note,
        # What the digests of this day say too ("Changes since Monday 9 November").
        "changes_since": (f"{log.base_date:%A} {log.base_date.day} {log.base_date:%B %Y}" if log.base_date
                          else "nothing (baseline day)"),
        # Data dates the API published between the base and this day that were never stored
        # (raw.missed_days): what this comparison spans without seeing.
        "missed_days_since_base": dg.MetadataValue.json(
            [{"day": str(m.snapshot_date), "attempts": m.attempts, "last_error": m.last_error}
             for m in report.missed_since_base]),
        "events_by_type": dg.MetadataValue.json(log.counts_by_type()),
        "events_by_significance": dg.MetadataValue.json(log.counts_by_significance()),
        "trials_with_most_changes": dg.MetadataValue.json([{"nct_id": n, "events": c} for n, c in log.busiest_trials(5)]),
        "later_days_to_rematerialise": dg.MetadataValue.json([str(d) for d, _ in stale]),
        "elapsed_s": round(log.elapsed_s, 3),
        "preview": dg.MetadataValue.md(_preview_md(log.preview(20))) if log.events else "no events",
    })


def _preview_md(events: list[dict]) -> str:
    rows = "\n".join(f"| {e['nct_id']} | {e['event_type']} | {e['field'] or ''} | {_cell(e['old_value'])} | "
                     f"{_cell(e['new_value'])} | {e['significance']} |" for e in events)
    return "| NCT ID | event | field | old | new | significance |\n|---|---|---|---|---|---|\n" + rows


def _cell(value: str | None) -> str:
    return "" if value is None else value.replace("|", "/").replace("\n", " ")[:60]
