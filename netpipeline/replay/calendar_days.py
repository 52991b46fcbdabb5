"""A snapshot folder with one day per publication day, built from a few stored days.

The clock serves the latest stored day on or before the calendar's data date, so a simulation of
N publication days needs N day folders. `write_calendar_days` makes them cheaply: each target day's
`studies.jsonl` is a hard link (a copy across file systems) to a source day's file, cycling
through the source days in order unless a mapping is given, and its `version.json` is the source's
with the data date in `dataTimestamp` replaced by the target day. Study bytes are untouched (their
`versionHolder` still names the source day; nothing downstream reads it as the data date).
"""
from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

import orjson

from .snapshots import SnapshotStore


def write_calendar_days(source: Path, target: Path, days: list[date],
                        content: dict[date, str] | None = None) -> dict[date, str]:
    """Create `target/<day>/` for every day; returns which source day each one serves."""
    store = SnapshotStore(Path(source))
    sources = store.days()
    if not sources:
        raise ValueError(f"no snapshot days in {source}")
    plan = {day: (content or {}).get(day) or sources[i % len(sources)] for i, day in enumerate(sorted(days))}
    for day, src in plan.items():
        if not store.has_day(src):
            raise ValueError(f"no snapshot for source day {src} in {source}")
        folder = Path(target) / day.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        studies = folder / "studies.jsonl"
        studies.unlink(missing_ok=True)
        try:
            os.link(store.root / src / "studies.jsonl", studies)
        except OSError:
            shutil.copyfile(store.root / src / "studies.jsonl", studies)
        version = store.version(src)
        stamp = str(version.get("dataTimestamp", ""))
        version["dataTimestamp"] = day.isoformat() + (stamp[10:] if len(stamp) > 10 else "T09:00:05")
        (folder / "version.json").write_bytes(orjson.dumps(version))
    return plan
