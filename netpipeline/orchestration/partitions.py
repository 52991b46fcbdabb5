"""One partition per ClinicalTrials.gov data date: the publication days, Monday to Friday.

The API publishes a new data date on weekdays only (Friday's data is served all weekend), so the
partitions follow that calendar: no weekend partition shows as missing in the UI, a backfill
range holds only dates the API can have served, and the change-log's previous partition
(`TimeWindowPartitionMapping(-1, -1)`) of a Monday is the Friday before. Keys stay YYYY-MM-DD.
"""
from dagster import TimeWindowPartitionsDefinition

from netpipeline.publication import PUBLICATION_CRON

# end_offset=1: the current publication day is a partition from 00:00 UTC, before the API
# publishes it (~13:00-14:00 UTC), so the /version sensor can request it as soon as it appears.
daily_partitions = TimeWindowPartitionsDefinition(
    start="2026-01-01", cron_schedule=PUBLICATION_CRON, fmt="%Y-%m-%d", timezone="UTC", end_offset=1)
