"""One partition per ClinicalTrials.gov data date (the date of /version's dataTimestamp)."""
from dagster import DailyPartitionsDefinition

# end_offset=1: today's data date is a partition as soon as the day starts (UTC), because the
# API publishes each day's data early in the morning.
daily_partitions = DailyPartitionsDefinition(start_date="2026-01-01", end_offset=1, timezone="UTC")
