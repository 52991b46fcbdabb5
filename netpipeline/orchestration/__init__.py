"""The Dagster layer: wires the plain stage functions into partitioned assets, checks, sensors."""
