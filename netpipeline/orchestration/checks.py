"""Asset checks: the Great Expectations suites of netpipeline.quality, run per partition.

Blocking checks stop everything downstream in the run (change-log, and through the digest
sensor's gate, the digest). Every outcome is also written to quality.check_results.
"""
import time
import warnings
from datetime import date

import dagster as dg
from dagster_duckdb import DuckDBResource

from netpipeline.orchestration.assets.raw import RAW_STUDIES
from netpipeline.orchestration.assets.trials import TRIAL_TABLES
from netpipeline.orchestration.partitions import daily_partitions
from netpipeline.orchestration.resources import QualityGateResource
from netpipeline.quality.catalog import checks_for
from netpipeline.storage_errors import WarehouseStorageError


def _build_check(check, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    # Partitioned checks are a Dagster "preview" feature; they are what gives each day its own
    # check results in the UI, so we use them and silence the warning at load time.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return _define_check(check, asset_key)


def _define_check(check, asset_key: dg.AssetKey) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=asset_key,
        name=check.name,
        description=check.description,
        blocking=check.severity == "blocking",
        partitions_def=daily_partitions,
    )
    def _check(context: dg.AssetCheckExecutionContext, warehouse: DuckDBResource, quality_gate: QualityGateResource):
        # Imported here, not at module level: it loads Great Expectations (5-9 s).
        from netpipeline.quality.results import run_day_check

        day = date.fromisoformat(context.partition_key)
        started = time.monotonic()
        severity = dg.AssetCheckSeverity.ERROR if check.severity == "blocking" else dg.AssetCheckSeverity.WARN
        try:
            with warehouse.get_connection() as con:
                o = run_day_check(con, day, check, quality_gate.volume_drop_max, run_id=context.op_execution_context.run_id,
                                  volume_rise_max=quality_gate.volume_rise_max)
        except WarehouseStorageError as exc:
            # Reported once: the first step it hit raised it in words; the checks after it say so
            # (WARN: a blocking ERROR would fail the step again; the day stays unchecked, since no
            # result was recorded, so the gate is closed all the same).
            earlier = _storage_failure_step(context)
            if earlier is None:
                raise
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                       metadata={"storage_error": str(exc)[:2000]},
                                       description=f"not evaluated: the warehouse could not be written "
                                                   f"(see the error of step {earlier})")
        if not o.passed:
            context.log.warning(o.summary())
        return dg.AssetCheckResult(
            passed=o.passed,
            severity=severity,
            description=o.summary(),
            metadata={
                "severity": check.severity,
                "evaluated_rows": o.evaluated_rows,
                "failures": o.failures,
                "failure_share": o.failure_share,
                "offending_nct_ids": dg.MetadataValue.json(o.offending_nct_ids),
                "offending_sample": dg.MetadataValue.json(o.sample),
                "expectations": dg.MetadataValue.json(o.expectations),
                "tables": o.table,
                "elapsed_s": round(time.monotonic() - started, 2),
            },
        )

    return _check


def _storage_failure_step(context: dg.AssetCheckExecutionContext) -> str | None:
    """The step of this run that already failed with a WarehouseStorageError, if any."""
    for record in context.instance.all_logs(context.run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
        error = record.dagster_event.event_specific_data.error
        while error is not None:
            if error.cls_name == WarehouseStorageError.__name__:
                return record.dagster_event.step_key
            error = error.cause
    return None


QUALITY_CHECKS = [_build_check(c, RAW_STUDIES) for c in checks_for("raw")] + [
    _build_check(c, TRIAL_TABLES) for c in checks_for("trials")
]
