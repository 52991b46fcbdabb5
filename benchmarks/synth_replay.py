"""Synthetic two-day replay snapshots at registry scale, built from the genuine API v2 records.

    uv run --frozen python benchmarks/synth_replay.py --n 100000 --out /tmp/replay-100k

Study i of day 1 is real record i mod 1,043 of ../shared/ctgov/studies ("copy" i // 1,043) with:
- a fresh NCT ID (NCT9xxxxxxx, never a real one) and no nctIdAliases;
- perturbations so every content differs: a title suffix, the enrolment count, the org study ID;
- its free text (descriptions, eligibility, outcomes, arms, references, results; every string of
  40+ characters outside titles, conditions, keywords, MeSH and intervention names) and its
  facility names put through a letter substitution drawn per copy: each record keeps its own
  redundancy, but the ~290 copies of a record no longer compress against each other, which
  would make the warehouse (zstd over neighbouring strings) unrealistically small;
- studyFirstPostDate moved on by 5 days per copy, so copies do not sit next to each other in the
  pull's sort order;
- every `--net-every`-th study (default 50, i.e. 2 %) made NET-like: NET conditions, condition
  MeSH term, keywords, a Ki-67 / SSTR-imaging / prior-SSA eligibility block and a NET drug, so
  the normaliser's NET enrichment (Python rules) runs on them.
Day 2 is day 1 with `versionHolder` moved on (every study, volatile), the MeSH browse lists of
every 10th study reversed (volatile), and ~1 % real changes, cycling through status, enrolment,
primary completion date, a site added, eligibility text, title, phase and lead sponsor; plus
0.05 % studies removed and 0.05 % new ones.

Generation streams: two worker processes build chunks of lines and the parent appends them to the
two `studies.jsonl` files in order; nothing holds more than a few chunks.
"""
from __future__ import annotations

import argparse
import datetime
import functools
import json
import multiprocessing
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

import orjson

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CTGOV = PROJECT_ROOT.parent / "shared" / "ctgov"
CTGOV_STUDIES = CTGOV / "studies"
GENERATOR_VERSION = "4"
DAY1, DAY2 = "2026-11-18", "2026-11-19"
DAYS = (DAY1, DAY2)
CHUNK = 1000

NET_CONDITIONS = (
    "Neuroendocrine Tumors", "Pancreatic Neuroendocrine Tumor", "Carcinoid Tumor",
    "Gastroenteropancreatic Neuroendocrine Tumor", "Neuroendocrine Carcinoma", "Pheochromocytoma",
    "Merkel Cell Carcinoma", "Lung Neuroendocrine Neoplasm",
)
NET_DRUGS = ("Lutetium Lu 177 dotatate", "Everolimus", "Sunitinib", "Cabozantinib", "Octreotide LAR",
             "Lanreotide", "Capecitabine and temozolomide", "Tarlatamab")
NET_ELIGIBILITY = (
    "* Histologically confirmed, well-differentiated neuroendocrine tumour (G1 or G2), Ki-67 index \\<= 20%\n"
    "* Somatostatin receptor positive disease on 68Ga-DOTATATE PET/CT (Krenning score \\>= 2)\n"
    "* Prior treatment with somatostatin analogues is allowed\n"
)
CHANGE_KINDS = ("status", "enrollment", "primary_completion", "site_added", "eligibility", "title", "phase", "sponsor")


def require_ctgov() -> Path:
    if not CTGOV_STUDIES.is_dir():
        sys.exit(f"error: the genuine ClinicalTrials.gov records are not at {CTGOV_STUDIES}.\n"
                 "The benchmark builds its synthetic registry from them; run it on a checkout that has "
                 "../shared/ctgov beside the project (the team machines do).")
    return CTGOV_STUDIES


_TEMPLATES: list[bytes] = []


def _load_templates() -> None:
    global _TEMPLATES
    _TEMPLATES = [p.read_bytes() for p in sorted(require_ctgov().glob("NCT*.json"))]


def nct_of(i: int) -> str:
    return f"NCT9{i:07d}"


def _ps(study: dict[str, Any], module: str) -> dict[str, Any]:
    return study["protocolSection"].setdefault(module, {})


def _make_net_like(study: dict[str, Any], i: int) -> None:
    cond = _ps(study, "conditionsModule")
    cond["conditions"] = [NET_CONDITIONS[(i // 50) % len(NET_CONDITIONS)], *(cond.get("conditions") or [])[:2]]
    cond["keywords"] = ["neuroendocrine neoplasm", "somatostatin analogue", *(cond.get("keywords") or [])[:3]]
    browse = study.setdefault("derivedSection", {}).setdefault("conditionBrowseModule", {})
    browse["meshes"] = [{"id": "D018358", "term": "Neuroendocrine Tumors"}, *(browse.get("meshes") or [])]
    elig = _ps(study, "eligibilityModule")
    text = elig.get("eligibilityCriteria") or "Inclusion Criteria:\n\n"
    head = "Inclusion Criteria:"
    at = text.find(head)
    elig["eligibilityCriteria"] = (text[:at + len(head)] + "\n\n" + NET_ELIGIBILITY + text[at + len(head):]
                                   if at >= 0 else head + "\n\n" + NET_ELIGIBILITY + "\n" + text)
    arms = _ps(study, "armsInterventionsModule")
    interventions = arms.get("interventions") or []
    drug = {"type": "DRUG", "name": NET_DRUGS[(i // 50) % len(NET_DRUGS)]}
    arms["interventions"] = [drug, *interventions[1:]] if interventions else [drug]


_LOWER = "abcdefghijklmnopqrstuvwxyz"
_KEEP_TEXT = {"identificationModule", "conditionsModule", "derivedSection", "name", "otherNames", "nctId"}


@functools.lru_cache(maxsize=1024)
def _substitution(copy: int) -> dict[int, int]:
    letters = list(_LOWER)
    random.Random(copy).shuffle(letters)
    return str.maketrans(_LOWER, "".join(letters))


def _scramble(node: Any, table: dict[int, int]) -> Any:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in _KEEP_TEXT:
                continue
            if isinstance(value, str):
                if len(value) >= 40 or key == "facility":
                    node[key] = value.translate(table)
            elif isinstance(value, (dict, list)):
                _scramble(value, table)
    elif isinstance(node, list):
        for k, value in enumerate(node):
            if isinstance(value, str):
                if len(value) >= 40:
                    node[k] = value.translate(table)
            elif isinstance(value, (dict, list)):
                _scramble(value, table)
    return node


def _shift_first_post(study: dict[str, Any], copy: int) -> None:
    struct = study["protocolSection"].get("statusModule", {}).get("studyFirstPostDateStruct")
    if isinstance(struct, dict) and isinstance(struct.get("date"), str) and len(struct["date"]) == 10:
        moved = datetime.date.fromisoformat(struct["date"]) + datetime.timedelta(days=5 * copy)
        struct["date"] = min(moved, datetime.date(2026, 11, 1)).isoformat()


def day1_study(i: int, net_every: int) -> dict[str, Any]:
    copy = i // len(_TEMPLATES)
    study = orjson.loads(_TEMPLATES[i % len(_TEMPLATES)])
    if copy:
        _scramble(study, _substitution(copy))
        _shift_first_post(study, copy)
    ident = _ps(study, "identificationModule")
    ident["nctId"] = nct_of(i)
    ident.pop("nctIdAliases", None)
    ident["briefTitle"] = f"{ident.get('briefTitle', '')} [synthetic {i}]"
    ident.setdefault("orgStudyIdInfo", {})["id"] = f"SYN-{i}"
    enrollment = _ps(study, "designModule").get("enrollmentInfo")
    if isinstance(enrollment, dict) and isinstance(enrollment.get("count"), int):
        enrollment["count"] += i % 97
    if net_every and i % net_every == 0:
        _make_net_like(study, i)
    return study


def _change(study: dict[str, Any], i: int) -> str:
    kind = CHANGE_KINDS[(_mix(i) // 100) % len(CHANGE_KINDS)]
    ps = study["protocolSection"]
    status = ps.setdefault("statusModule", {})
    if kind == "status":
        status["overallStatus"] = "COMPLETED" if status.get("overallStatus") != "COMPLETED" else "TERMINATED"
    elif kind == "enrollment":
        info = ps.setdefault("designModule", {}).setdefault("enrollmentInfo", {"type": "ESTIMATED"})
        info["count"] = int(info.get("count") or 0) + 25
    elif kind == "primary_completion":
        status["primaryCompletionDateStruct"] = {"date": "2029-12", "type": "ESTIMATED"}
    elif kind == "site_added":
        locations = ps.setdefault("contactsLocationsModule", {}).setdefault("locations", [])
        locations.append({"facility": f"Synthetic Cancer Centre {i}", "status": "RECRUITING", "city": "Lyon",
                          "zip": "69008", "country": "France", "geoPoint": {"lat": 45.764, "lon": 4.8357}})
    elif kind == "eligibility":
        elig = ps.setdefault("eligibilityModule", {})
        elig["eligibilityCriteria"] = (elig.get("eligibilityCriteria") or "") + "\n* Adequate organ function (amended)"
    elif kind == "title":
        ident = ps["identificationModule"]
        ident["briefTitle"] = ident.get("briefTitle", "") + " (amended)"
    elif kind == "phase":
        design = ps.setdefault("designModule", {})
        design["phases"] = ["PHASE3"] if design.get("phases") != ["PHASE3"] else ["PHASE2"]
    elif kind == "sponsor":
        ps.setdefault("sponsorCollaboratorsModule", {})["leadSponsor"] = {"name": f"Synthetic Pharma {i % 7}", "class": "INDUSTRY"}
    status["lastUpdatePostDateStruct"] = {"date": DAY2, "type": "ACTUAL"}
    return kind


def _set_version_holder(study: dict[str, Any], day: str) -> None:
    study.setdefault("derivedSection", {}).setdefault("miscInfoModule", {})["versionHolder"] = day


def _mix(i: int) -> int:
    """A fixed pseudo-random permutation of i (Knuth's multiplicative hash): which studies change
    must not line up with which are NET-like (every k-th), or no NET trial would ever change."""
    return ((i * 2654435761) % 4294967296) >> 12  # the high bits: the low ones keep i's parity


def is_changed(i: int) -> bool:
    return _mix(i) % 100 == 37


def is_removed(i: int) -> bool:
    return _mix(i) % 2000 == 1999


def _chunk(args: tuple[int, int, int, int]) -> tuple[bytes, bytes, int, int, int]:
    """Lines of studies [start, stop) for both days, plus counts (net-like, changed, removed)."""
    start, stop, n, net_every = args
    day1, day2 = [], []
    net = changed = removed = 0
    for i in range(start, stop):
        if i < n:
            study = day1_study(i, net_every)
            net += bool(net_every and i % net_every == 0)
            _set_version_holder(study, DAY1)
            day1.append(orjson.dumps(study))
            if is_removed(i):
                removed += 1
                continue
            _set_version_holder(study, DAY2)
            if i % 10 == 3:  # volatile only: MeSH browse lists in another order
                browse = study.get("derivedSection", {}).get("conditionBrowseModule") or {}
                for key in ("browseLeaves", "browseBranches"):
                    if isinstance(browse.get(key), list):
                        browse[key].reverse()
            if is_changed(i):
                _change(study, i)
                changed += 1
            day2.append(orjson.dumps(study))
        else:  # new on day 2
            study = day1_study(i, net_every)
            _set_version_holder(study, DAY2)
            day2.append(orjson.dumps(study))
    join = lambda lines: b"\n".join(lines) + b"\n" if lines else b""  # noqa: E731
    return join(day1), join(day2), net, changed, removed


def generate(out: Path, n: int, net_every: int = 50, workers: int = 2, progress=None) -> dict[str, Any]:
    """Write `out/<DAY1>` and `out/<DAY2>`; return the manifest (also written to out/manifest.json)."""
    require_ctgov()
    started = time.perf_counter()
    new_on_day2 = max(1, n // 2000)
    expected = {"n": n, "net_every": net_every, "generator": GENERATOR_VERSION, "new_on_day2": new_on_day2}
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in expected} == expected:
            manifest["reused"] = True
            return manifest
    out.mkdir(parents=True, exist_ok=True)
    manifest_path.unlink(missing_ok=True)
    files = {}
    for day in (DAY1, DAY2):
        (out / day).mkdir(exist_ok=True)
        (out / day / "version.json").write_bytes(orjson.dumps({"apiVersion": "2.0.5", "dataTimestamp": f"{day}T09:00:05"}))
        files[day] = (out / day / "studies.jsonl").open("wb")
    tasks = [(s, min(s + CHUNK, n + new_on_day2), n, net_every) for s in range(0, n + new_on_day2, CHUNK)]
    totals = {"net_like": 0, "changed": 0, "removed": 0}
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(workers, initializer=_load_templates) as pool:
        for done, (d1, d2, net, changed, removed) in enumerate(pool.imap(_chunk, tasks), start=1):
            files[DAY1].write(d1)
            files[DAY2].write(d2)
            totals["net_like"] += net
            totals["changed"] += changed
            totals["removed"] += removed
            if progress and done % 50 == 0:
                progress(f"  generated {min(done * CHUNK, n)} / {n} studies ({time.perf_counter() - started:.0f} s)")
    for fh in files.values():
        fh.close()
    manifest = {**expected, **totals, "days": [DAY1, DAY2],
                "day1_studies": n, "day2_studies": n - totals["removed"] + new_on_day2,
                "day1_bytes": (out / DAY1 / "studies.jsonl").stat().st_size,
                "day2_bytes": (out / DAY2 / "studies.jsonl").stat().st_size,
                "seconds": round(time.perf_counter() - started, 1), "reused": False}
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--net-every", type=int, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    print(json.dumps(generate(args.out, args.n, args.net_every, args.workers, progress=print), indent=1))


if __name__ == "__main__":
    main()
