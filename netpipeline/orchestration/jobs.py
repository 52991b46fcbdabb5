"""Jobs: the daily pipeline up to the change-log, and the digest (started by its sensor)."""
import dagster as dg

# Tags the sensors put on the runs they request: which sensor, and which attempt at the same work.
TRIGGER_TAG = "netpipeline/trigger"
ATTEMPT_TAG = "netpipeline/attempt"


# ingest → normalise → checks → change-log → publish, for one data date. Blocking checks stop
# the change-log (and so the publication) inside the run; the digest runs separately, started
# by the digest sensor, and publishes again so readers see the day's deliveries.
daily_job = dg.define_asset_job(
    "daily_job",
    # Not the freshness check: it is about the newest stored date, not this run's partition
    # (raw_freshness_sensor evaluates it).
    selection=dg.AssetSelection.groups("ingest", "normalise", "changes", "publish")
    - dg.AssetSelection.checks(dg.AssetCheckKey(dg.AssetKey(["raw", "ctgov_studies"]), "raw_freshness")),
    description="Pull the day's NET trials, normalise them, check them, compute the change-log and publish for readers.",
)

digest_job = dg.define_asset_job(
    "digest_job",
    selection=dg.AssetSelection.groups("digest", "publish"),
    description="Render and send the day's subscriber digests (exactly once per subscriber and day), then publish again.",
)
