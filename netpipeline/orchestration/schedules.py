"""The daily schedule: the fallback when the /version sensor is off or misses a day."""
import dagster as dg

from netpipeline.orchestration.jobs import daily_job

# 10:00 UTC: ClinicalTrials.gov publishes the day's data early in the morning (US Eastern).
daily_schedule = dg.build_schedule_from_partitioned_job(daily_job, hour_of_day=10, minute_of_hour=0)
