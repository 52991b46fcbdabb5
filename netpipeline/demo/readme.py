"""The generated `data/replay/README.md`: what the demo days hold and which edits they plan."""
from __future__ import annotations

from collections import Counter
from typing import Any


def _cell(value: Any, limit: int = 90) -> str:
    if value is None:
        return "—"
    if isinstance(value, list):
        value = " + ".join(str(v) for v in value)
    text = str(value).replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def readme_text(counts: dict[str, int], changes: list[dict[str, Any]], noise: list[dict[str, Any]]) -> str:
    days = list(counts)
    lines = [
        "# Replay snapshots (generated)",
        "",
        "Do not edit: regenerate with `uv run --frozen python -m netpipeline.demo.generate`.",
        "The generator is deterministic, so regenerating gives byte-identical files.",
        "",
        "A fictitious-but-realistic neuroendocrine-tumour trial universe in ClinicalTrials.gov API v2 form:",
        "the ten named programmes with their real NCT ids, sponsors, phases and statuses, about sixty",
        "invented NET trials (fictitious NCT ids) across drugs, subtypes, sponsors and statuses, and",
        "non-NET neighbours a NET query still returns (melanoma and small-cell lung cancer, which MeSH files",
        "under Neuroendocrine Tumors) plus a trial with an unknown drug. Investigators, contacts and most",
        "dates are invented; site coordinates are the real cities' coordinates.",
        "",
        "| data date | studies | folder |",
        "|---|---|---|",
        *[f"| {day} | {counts[day]} | `{day}/` (`version.json`, `studies.jsonl`) |" for day in days],
        "",
        "## On the publication calendar",
        "",
        "Started with `--clock` (see `netpipeline/replay/clock.py`), the replay serves these days the way",
        "ClinicalTrials.gov serves its data: a new data date Monday to Friday once published (09:00 US",
        "Eastern by default), Friday's date all weekend and until Monday's publication, and only the current",
        "date (a per-day URL of any other date answers 404). A stored day is served while it is the latest",
        "stored day on or before the calendar's data date: a publication day without a folder here looks like",
        "a day the API did not refresh. `netpipeline.replay.write_calendar_days` fills a folder with one day",
        "per publication day (hard links to these files) for simulations longer than three days.",
        "",
        "## Planned changes",
        "",
        "Edits between consecutive days that a change-log must report (`netpipeline.demo.generate.PLANNED_CHANGES`).",
        "",
        "| day | NCT id | event | field | old | new |",
        "|---|---|---|---|---|---|",
        *[f"| {c['day']} | {c['nct_id']} | {c['event_type']} | {_cell(c['field'])} | {_cell(c['old'])} | "
          f"{_cell(c['new'])} |" for c in changes],
        "",
        "## Edits that are not changes",
        "",
        "Recorded in `PLANNED_NOISE`; a change-log must not report them as events.",
        "",
        "- every day, every study: `derivedSection.miscInfoModule.versionHolder` is the data date;",
    ]
    per_day = Counter((n["day"], n["kind"]) for n in noise)
    for day in days[1:]:
        lines.append(f"- {day}: MeSH browse lists re-ordered on {per_day[(day, 'browse_lists_reordered')]} studies, "
                     f"`asFound` changed on {per_day[(day, 'as_found_changed')]};")
    for n in noise:
        if n["kind"] in ("facility_renamed", "locations_reordered", "last_update_type_flipped"):
            details = ", ".join(f"{k}={_cell(v, 60)}" for k, v in n["details"].items())
            lines.append(f"- {n['day']}: {n['nct_id']} {n['kind']} ({details});")
    lines[-1] = lines[-1].rstrip(";") + "."
    return "\n".join(lines) + "\n"
