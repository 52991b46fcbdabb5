"""Demo data: a deterministic generator of the replay snapshots in `data/replay/`."""
