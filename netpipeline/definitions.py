"""The Dagster code location: `dagster dev -m netpipeline.definitions` or workspace.yaml."""
import dagster as dg

from netpipeline.orchestration.assets import changes, digest, publish, raw, trials
from netpipeline.orchestration.checks import QUALITY_CHECKS
from netpipeline.orchestration.day_trigger import ctgov_version_sensor
from netpipeline.orchestration.freshness import raw_freshness, raw_freshness_sensor
from netpipeline.orchestration.jobs import daily_job, digest_job
from netpipeline.orchestration.resources import build_resources
from netpipeline.orchestration.sensors import digest_sensor


def build_definitions(resource_overrides: dict[str, object] | None = None) -> dg.Definitions:
    """Definitions with resources read from the NETPIPELINE_* variables as they are now
    (`resource_overrides`: e.g. a client with tiny backoffs for a simulation)."""
    return dg.Definitions(
        assets=dg.load_assets_from_modules([raw, trials, changes, digest, publish]),
        asset_checks=[*QUALITY_CHECKS, raw_freshness],
        jobs=[daily_job, digest_job],
        # No schedule: the API's calendar is not the clock's (weekends, publication hour), so the
        # /version sensor is the trigger (docs/architecture.md, "Calendar").
        sensors=[ctgov_version_sensor, digest_sensor, raw_freshness_sensor],
        resources={**build_resources(), **(resource_overrides or {})},
        # One process: DuckDB allows one writer, and a subprocess per step costs ~5 s here.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
