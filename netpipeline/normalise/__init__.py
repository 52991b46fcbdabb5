"""Normalise raw study versions into AACT-style tables (schema trials_versions, views trials).

Public API:
- ensure_trials_schema(con): idempotent DDL (also the raw tables if missing).
- normalise_day(con, day) -> NormaliseResult: shred the day's new versions, record the day.
- day_preview(con, day): the day's first studies, NET first (the asset's preview).
- normalise_versions(con, content_hashes=None) -> dict[str, int]: shred versions, rows per table.
Contract of the tables and views: docs/warehouse.md.
"""
from netpipeline.normalise.day import NormaliseResult, day_preview, normalise_day
from netpipeline.normalise.trials_schema import ensure_trials_schema
from netpipeline.normalise.versions import normalise_versions

__all__ = ["NormaliseResult", "day_preview", "ensure_trials_schema", "normalise_day", "normalise_versions"]
