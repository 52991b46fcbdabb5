"""Freshness of the raw layer: on a publication day, its data date must be stored by the
deadline (NETPIPELINE_FRESHNESS_DEADLINE_UTC, default 20:00 UTC), so an outage, a firewall
block or a day of failed pulls turns red in the UI instead of staying silent.

`raw_freshness` is an asset check on raw/ctgov_studies (not partitioned: it is about the newest
stored date, whatever it is). `raw_freshness_sensor` evaluates it on its own every 10 minutes
and records the result whenever it changes, so it turns red (and green again) without anyone
running it; it can also be executed by hand from the UI. "Stored" is a materialisation of the
raw asset's partition, as for the /version sensor. The calendar is `netpipeline.publication`.
"""

import json
from datetime import date

import dagster as dg

from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.resources import DayTriggerResource
from netpipeline.publication import Freshness, freshness, utc_now

RAW_FRESHNESS = dg.AssetCheckKey(RAW_STUDIES, "raw_freshness")
_DESCRIPTION = ("On a publication day (Monday-Friday) that day's data date must be stored by "
                "NETPIPELINE_FRESHNESS_DEADLINE_UTC (default 20:00 UTC); before it, and over the weekend, the "
                "previous publication day's. Evaluated every 10 minutes by raw_freshness_sensor.")


def evaluate_freshness(instance: dg.DagsterInstance, day_trigger: DayTriggerResource) -> Freshness:
    stored = {date.fromisoformat(k) for k in instance.get_materialized_partitions(RAW_STUDIES)}
    return freshness(stored, utc_now(), day_trigger.deadline())


def _metadata(f: Freshness) -> dict[str, object]:
    return {
        "expected_data_date": f.expected.isoformat(),
        "latest_stored": f.latest.isoformat() if f.latest else "none",
        "deadline_utc": f"{f.deadline:%H:%M}",
        "publication_days_not_stored": dg.MetadataValue.json([d.isoformat() for d in f.unstored]),
    }


@dg.asset_check(asset=RAW_STUDIES, name=RAW_FRESHNESS.name, blocking=False, description=_DESCRIPTION)
def raw_freshness(context: dg.AssetCheckExecutionContext, day_trigger: DayTriggerResource) -> dg.AssetCheckResult:
    f = evaluate_freshness(context.instance, day_trigger)
    return dg.AssetCheckResult(passed=f.passed, severity=dg.AssetCheckSeverity.ERROR, description=f.summary(),
                               metadata=_metadata(f))


@dg.sensor(
    minimum_interval_seconds=600,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Evaluates the raw_freshness check every 10 minutes and records it when its result changes.",
)
def raw_freshness_sensor(context: dg.SensorEvaluationContext, day_trigger: DayTriggerResource):
    f = evaluate_freshness(context.instance, day_trigger)
    state = json.dumps({"passed": f.passed, "expected": f.expected.isoformat()}, sort_keys=True)
    if state == context.cursor:
        return dg.SkipReason(f"unchanged: {f.summary()}")
    evaluation = dg.AssetCheckEvaluation(
        asset_key=RAW_STUDIES, check_name=RAW_FRESHNESS.name, passed=f.passed,
        severity=dg.AssetCheckSeverity.ERROR, description=f.summary(), metadata=_metadata(f))
    if not f.passed:
        context.log.error(f.summary())
    return dg.SensorResult(skip_reason=f.summary(), cursor=state, asset_events=[evaluation])
