"""Deterministic generator of the replay snapshots in `data/replay/`.

    uv run --frozen python -m netpipeline.demo.generate [--out DIR]

writes, for each data date, `<day>/version.json` and `<day>/studies.jsonl` (one compact study per
line, sorted by NCT id, UTF-8, trailing newline) plus a generated `README.md`. Output is
byte-identical on every run: all randomness is seeded, no clock is read, and every list is built
in a fixed order.

`PLANNED_CHANGES` lists the edits between consecutive days that a change-log must report, and
`PLANNED_NOISE` the edits it must not report; both are recorded by the code that applies the edits.
"""
from __future__ import annotations

import argparse
import copy
import functools
from pathlib import Path
from typing import Any

import orjson

from netpipeline.demo.catalogue import DAY_ONE_SPECS
from netpipeline.demo.daily_changes import DAYS, EDITS_BY_DAY, set_version_holder, shuffle_browse_lists
from netpipeline.demo.edits import DayEdits
from netpipeline.demo.readme import readme_text
from netpipeline.demo.records import build_study

API_VERSION = "2.0.5"
DEFAULT_OUT = Path(__file__).resolve().parents[2] / "data" / "replay"


@functools.cache
def _build() -> tuple[dict[str, list[dict[str, Any]]], list[dict[str, Any]], list[dict[str, Any]]]:
    studies = {spec["nct_id"]: build_study(spec) for spec in DAY_ONE_SPECS}
    days: dict[str, list[dict[str, Any]]] = {}
    changes: list[dict[str, Any]] = []
    noise: list[dict[str, Any]] = []
    for day in DAYS:
        if day in EDITS_BY_DAY:
            studies = copy.deepcopy(studies)  # the previous day keeps its own records
            edits = DayEdits(day, studies)
            EDITS_BY_DAY[day](edits)
            shuffle_browse_lists(edits)
            changes.extend(edits.changes)
            noise.extend(edits.noise)
        set_version_holder(studies, day)
        days[day] = [studies[nct_id] for nct_id in sorted(studies)]
    return days, changes, noise


def build_days() -> dict[str, list[dict[str, Any]]]:
    """Day -> that day's study records (API v2 dicts), sorted by NCT id. A fresh copy on every call."""
    return copy.deepcopy(_build()[0])


PLANNED_CHANGES: list[dict[str, Any]] = copy.deepcopy(_build()[1])
PLANNED_NOISE: list[dict[str, Any]] = copy.deepcopy(_build()[2])


def studies_jsonl(studies: list[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(study) + b"\n" for study in studies)


def version_json(day: str) -> bytes:
    return orjson.dumps({"apiVersion": API_VERSION, "dataTimestamp": f"{day}T09:00:05"}) + b"\n"


def generate(out_dir: Path) -> None:
    """Write every day's snapshot and the README under out_dir (created if missing)."""
    days = _build()[0]
    for day, studies in days.items():
        day_dir = out_dir / day
        day_dir.mkdir(parents=True, exist_ok=True)
        (day_dir / "version.json").write_bytes(version_json(day))
        (day_dir / "studies.jsonl").write_bytes(studies_jsonl(studies))
    counts = {day: len(studies) for day, studies in days.items()}
    (out_dir / "README.md").write_text(readme_text(counts, PLANNED_CHANGES, PLANNED_NOISE), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Regenerate the demo replay snapshots.")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    generate(args.out)
    print(f"wrote {len(DAYS)} days and {len(PLANNED_CHANGES)} planned changes to {args.out}")


if __name__ == "__main__":
    main()
