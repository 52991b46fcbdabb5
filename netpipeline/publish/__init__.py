"""Publication for readers: a consistent copy of the warehouse and open Parquet tables.

DuckDB allows one writing process and no writer beside a reader, so readers (notebooks,
dashboards, BI tools) never open the working warehouse: they open the published copy
read-only, or the Parquet tables. Both are replaced atomically after each day's change-log and
again after its digest (`publish_day`).
"""
from netpipeline.publish.publication import Publication, publish_day

__all__ = ["Publication", "publish_day"]
