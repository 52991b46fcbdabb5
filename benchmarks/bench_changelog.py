"""Benchmark: the change-log (compute_changelog + write_changelog) over two days of N synthetic studies.

    uv run --frozen python benchmarks/bench_changelog.py                 # smoke: N=2,000, seconds
    uv run --frozen python benchmarks/bench_changelog.py --n 100000      # the target: < 5 s on 2 cores

1. Builds (untimed) a temp DuckDB warehouse the way the pipeline does: N synthetic NET studies
   (compact API v2 records, 3-8 sites, 2 arms, 2 interventions, sectioned criteria) written as
   raw day 1; day 2 is the same studies re-served with a new versionHolder and re-ordered MeSH
   browse lists (volatile: same content hash), `--changed` of them edited (status, sites, site
   status, eligibility, dates, enrolment, phase, sponsor, title, arms, interventions, results),
   a few added and removed, and a few edited in ways that must give no event (facility name
   touched up, sites re-listed, posting-date type flip). Both days are normalised with
   `netpipeline.normalise.normalise_day` (the real shredder and NET enrichment; no
   trials_versions row is inserted by hand).
2. Times, in a fresh connection with `SET threads = --threads`: compute_changelog(day 2) and
   write_changelog, and prints one table row.

`--warehouse PATH` keeps the built warehouse (and reuses it when PATH exists) to re-time
without rebuilding.
"""
from __future__ import annotations

import argparse
import datetime
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from netpipeline import warehouse  # noqa: E402
from netpipeline.changes.changelog import compute_changelog, write_changelog  # noqa: E402
from netpipeline.quality.results import run_all_day_checks  # noqa: E402
from netpipeline.ingest.content_hash import content_hash  # noqa: E402
from netpipeline.ingest.raw_store import store_day_map  # noqa: E402
from netpipeline.normalise import ensure_trials_schema, normalise_day  # noqa: E402

DAY1, DAY2 = datetime.date(2026, 11, 18), datetime.date(2026, 11, 19)
CHUNK = 10_000
TARGET_S = 5.0
COUNTRIES = [("United States", "Minnesota", "Rochester", 44.02, -92.47), ("United States", "Texas", "Houston", 29.76, -95.37),
             ("United States", "Massachusetts", "Boston", 42.36, -71.06), ("France", None, "Lyon", 45.75, 4.85),
             ("Germany", None, "Essen", 51.46, 7.01), ("Spain", None, "Barcelona", 41.39, 2.16),
             ("Italy", None, "Milan", 45.46, 9.19), ("Japan", None, "Tokyo", 35.68, 139.69),
             ("Korea, Republic of", None, "Seoul", 37.57, 126.98), ("United Kingdom", None, "London", 51.51, -0.13)]
KINDS = ["University Hospital", "Cancer Center", "Medical Center", "Clinic", "Institute of Oncology"]
DRUGS = [("DRUG", "Everolimus"), ("DRUG", "Lanreotide"), ("DRUG", "Octreotide LAR"), ("DRUG", "Cabozantinib"),
         ("DRUG", "Sunitinib"), ("DRUG", "Temozolomide"), ("DRUG", "Capecitabine"), ("RADIATION", "177Lu-DOTATATE"),
         ("BIOLOGICAL", "Tarlatamab"), ("DRUG", "Surufatinib")]
STATUSES = ["RECRUITING", "NOT_YET_RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "TERMINATED"]


def nct(i: int) -> str:
    return f"NCT9{i:07d}"


def location(rng: random.Random, i: int) -> dict:
    country, state, city, lat, lon = COUNTRIES[rng.randrange(len(COUNTRIES))]
    loc = {"facility": f"{city} {KINDS[i % len(KINDS)]} {rng.randrange(40)}", "status": rng.choice(STATUSES[:3]),
           "city": city, "country": country, "geoPoint": {"lat": round(lat + rng.uniform(-0.1, 0.1), 4),
                                                         "lon": round(lon + rng.uniform(-0.1, 0.1), 4)}}
    if state:
        loc["state"] = state
    return loc


def criteria(rng: random.Random) -> str:
    inclusion = ["Age >= 18 years", "Histologically confirmed well-differentiated neuroendocrine tumour",
                 f"Ki-67 index <= {rng.choice([10, 20, 55])}%", "Measurable disease per RECIST 1.1",
                 f"ECOG performance status 0-{rng.choice([1, 2])}", "Adequate bone marrow, liver and renal function"]
    exclusion = [f"Prior PRRT within {rng.choice([6, 12])} months", "Pregnancy or breast-feeding",
                 "Uncontrolled hypertension", "Other malignancy within 3 years"]
    return ("Inclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in inclusion) +
            "\n\nExclusion Criteria:\n\n" + "\n".join(f"* {line}" for line in exclusion))


def synthetic_study(i: int, day: datetime.date) -> dict:
    rng = random.Random(i)
    drugs = rng.sample(DRUGS, 2)
    arms = [{"label": f"Arm {x}: {d[1]}", "type": t, "interventionNames": [f"{d[0].title()}: {d[1]}"]}
            for x, d, t in (("A", drugs[0], "EXPERIMENTAL"), ("B", drugs[1], "ACTIVE_COMPARATOR"))]
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct(i), "briefTitle": f"{drugs[0][1]} Versus {drugs[1][1]} in Progressive "
                                                                    f"Pancreatic Neuroendocrine Tumours ({i})",
                                     "organization": {"fullName": "Benchmark Org", "class": "OTHER"}},
            "statusModule": {"overallStatus": rng.choice(STATUSES[:3]),
                             "startDateStruct": {"date": f"202{rng.randrange(3, 6)}-0{rng.randrange(1, 10)}", "type": "ACTUAL"},
                             "primaryCompletionDateStruct": {"date": f"2028-0{rng.randrange(1, 10)}-15", "type": "ESTIMATED"},
                             "completionDateStruct": {"date": f"2029-0{rng.randrange(1, 10)}-28", "type": "ESTIMATED"},
                             "lastUpdatePostDateStruct": {"date": "2026-10-01", "type": "ESTIMATED"}},
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": f"Sponsor {i % 300}", "class": "INDUSTRY"}},
            "conditionsModule": {"conditions": ["Pancreatic Neuroendocrine Tumor", "Neuroendocrine Tumors"]},
            "designModule": {"studyType": "INTERVENTIONAL", "phases": [rng.choice(["PHASE2", "PHASE3"])],
                             "enrollmentInfo": {"count": rng.randrange(20, 400), "type": "ESTIMATED"}},
            "armsInterventionsModule": {"armGroups": arms,
                                        "interventions": [{"type": t, "name": n, "armGroupLabels": [a["label"]]}
                                                          for (t, n), a in zip(drugs, arms)]},
            "eligibilityModule": {"eligibilityCriteria": criteria(rng), "sex": "ALL", "minimumAge": "18 Years"},
            "contactsLocationsModule": {"locations": [location(rng, k) for k in range(rng.randrange(3, 9))]},
        },
        "derivedSection": {
            "miscInfoModule": {"versionHolder": day.isoformat()},
            "conditionBrowseModule": {
                "meshes": [{"id": "D018358", "term": "Neuroendocrine Tumors"}],
                "browseLeaves": [{"id": "M1", "name": "Neuroendocrine Tumors", "asFound": "Neuroendocrine", "relevance": "HIGH"},
                                 {"id": "M2", "name": "Pancreatic Neoplasms", "relevance": "LOW"},
                                 {"id": "M3", "name": "Neoplasms", "relevance": "LOW"}],
                "browseBranches": [{"abbrev": "BC04", "name": "Neoplasms"}, {"abbrev": "All", "name": "All Conditions"}],
            },
        },
        "hasResults": False,
    }


# --- day-2 edits: (kind, function); the first ones are changes, the last ones must give no event ---

def _status(s, rng):
    s["protocolSection"]["statusModule"]["overallStatus"] = "TERMINATED"
    s["protocolSection"]["statusModule"]["whyStopped"] = "Sponsor decision"


def _site_added(s, rng):
    s["protocolSection"]["contactsLocationsModule"]["locations"].append(
        {"facility": "Newly Opened Cancer Centre", "status": "RECRUITING", "city": "Vienna", "country": "Austria",
         "geoPoint": {"lat": 48.21, "lon": 16.37}})


def _site_removed(s, rng):
    s["protocolSection"]["contactsLocationsModule"]["locations"].pop(0)


def _site_status(s, rng):
    s["protocolSection"]["contactsLocationsModule"]["locations"][-1]["status"] = "COMPLETED"


def _eligibility(s, rng):
    module = s["protocolSection"]["eligibilityModule"]
    module["eligibilityCriteria"] = module["eligibilityCriteria"].replace("Pregnancy or breast-feeding",
                                                                          "Pregnancy, breast-feeding or planned pregnancy")


def _date(s, rng):
    s["protocolSection"]["statusModule"]["primaryCompletionDateStruct"] = {"date": "2030-03-31", "type": "ESTIMATED"}


def _enrollment(s, rng):
    s["protocolSection"]["designModule"]["enrollmentInfo"]["count"] += 25


def _phase(s, rng):
    s["protocolSection"]["designModule"]["phases"] = ["PHASE2", "PHASE3"]


def _sponsor(s, rng):
    s["protocolSection"]["sponsorCollaboratorsModule"]["leadSponsor"] = {"name": "Acquirer Pharma", "class": "INDUSTRY"}


def _title(s, rng):
    s["protocolSection"]["identificationModule"]["briefTitle"] += " (Amended)"


def _arm(s, rng):
    module = s["protocolSection"]["armsInterventionsModule"]
    module["armGroups"].append({"label": "Arm C: Surufatinib", "type": "EXPERIMENTAL"})
    module["interventions"].append({"type": "DRUG", "name": "Surufatinib 300 mg", "armGroupLabels": ["Arm C: Surufatinib"]})


def _results(s, rng):
    s["hasResults"] = True
    s["protocolSection"]["statusModule"]["resultsFirstPostDateStruct"] = {"date": DAY2.isoformat(), "type": "ACTUAL"}


def _rename_facility(s, rng):  # no event: the same site
    s["protocolSection"]["contactsLocationsModule"]["locations"][0]["facility"] += ", Department of Oncology"


def _reorder_sites(s, rng):  # no event
    s["protocolSection"]["contactsLocationsModule"]["locations"].reverse()


def _flip_posting_type(s, rng):  # no event
    s["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"]["type"] = "ACTUAL"


EDITS = [_status, _site_added, _site_removed, _site_status, _eligibility, _date, _enrollment, _phase, _sponsor, _title,
         _arm, _results]
NO_EVENT_EDITS = [_rename_facility, _reorder_sites, _flip_posting_type]


def day_two(study: dict, i: int, plan: dict[int, object]) -> dict:
    study = orjson.loads(orjson.dumps(study))  # a deep copy, 10x faster than copy.deepcopy
    study["derivedSection"]["miscInfoModule"]["versionHolder"] = DAY2.isoformat()
    if i % 3 == 0:  # volatile: browse lists re-ordered, asFound changed
        module = study["derivedSection"]["conditionBrowseModule"]
        module["browseLeaves"].reverse()
        module["browseBranches"].reverse()
        module["browseLeaves"][-1]["asFound"] = "Pancreatic Neuroendocrine Tumor"
    if i in plan:
        plan[i](study, random.Random(i))
    return study


def _insert_payloads(con, day: datetime.date, studies: list[dict]) -> None:
    """One chunk of a day: its payloads into raw.study_payloads, its study -> version rows into
    the day's map table (stored as the day's map once every chunk is in: store_day_map replaces
    the whole day, so calling it per chunk kept only the last chunk)."""
    rows = [(content_hash(s), s["protocolSection"]["identificationModule"]["nctId"], orjson.dumps(s).decode()) for s in studies]
    hashes, ncts, payloads = (list(col) for col in zip(*rows))
    params = {"h": hashes, "n": ncts, "p": payloads, "day": day}
    con.execute("INSERT INTO raw.study_payloads SELECT h, any_value(n), any_value(p), any_value(strlen(p)), $day FROM "
                "(SELECT unnest($h) AS h, unnest($n) AS n, unnest($p) AS p) "
                "WHERE h NOT IN (SELECT content_hash FROM raw.study_payloads) GROUP BY h", params)
    con.execute(f"INSERT INTO {_map_table(day)} SELECT unnest($n), unnest($h)", {"n": ncts, "h": hashes})


def _map_table(day: datetime.date) -> str:
    return f"bench_map_{day:%Y%m%d}"


def _store_map(con, day: datetime.date) -> None:
    store_day_map(con, day, f"SELECT nct_id, content_hash, NULL AS last_update_post_date FROM {_map_table(day)}",
                  data_timestamp=datetime.datetime.combine(day, datetime.time()))
    con.execute(f"DROP TABLE {_map_table(day)}")


def build(db_path: Path, n: int, changed: float, chunk: int = CHUNK) -> dict[str, float]:
    """Raw days 1 and 2 plus normalise_day of each; returns setup timings."""
    rng = random.Random(2026)
    n_changed = max(len(EDITS), round(n * changed))
    picked = rng.sample(range(n), n_changed + max(len(NO_EVENT_EDITS), n // 500) + 2 * max(1, n // 2000))
    edits = picked[:n_changed]
    quiet = picked[n_changed:n_changed + max(len(NO_EVENT_EDITS), n // 500)]
    removed = set(picked[n_changed + len(quiet):])
    plan = {i: EDITS[k % len(EDITS)] for k, i in enumerate(edits)}
    plan.update({i: NO_EVENT_EDITS[k % len(NO_EVENT_EDITS)] for k, i in enumerate(quiet)})
    added = range(n, n + len(removed))  # as many new trials as removed ones
    con = warehouse.connect(db_path)
    ensure_trials_schema(con)
    started = time.perf_counter()
    for day in (DAY1, DAY2):
        con.execute(f"CREATE TEMP TABLE {_map_table(day)} (nct_id VARCHAR, content_hash VARCHAR)")
    for start in range(0, n, chunk):
        day1 = [synthetic_study(i, DAY1) for i in range(start, min(start + chunk, n))]
        _insert_payloads(con, DAY1, day1)
        day2 = [day_two(s, i, plan) for i, s in zip(range(start, start + chunk), day1) if i not in removed]
        if start + chunk >= n:
            day2 += [synthetic_study(i, DAY2) for i in added]
        _insert_payloads(con, DAY2, day2)
    for day in (DAY1, DAY2):
        _store_map(con, day)
    raw_s = time.perf_counter() - started
    started = time.perf_counter()
    normalise_day(con, DAY1)
    norm1_s = time.perf_counter() - started
    started = time.perf_counter()
    normalise_day(con, DAY2)
    norm2_s = time.perf_counter() - started
    # Only a day that passed its quality gate is a base (quality.results.gate): check day 1.
    started = time.perf_counter()
    failed = [o.summary() for o in run_all_day_checks(con, DAY1, volume_drop_max=1.0)
              if not o.passed and o.check.severity == "blocking"]
    if failed:
        raise SystemExit(f"day 1 of the benchmark failed its blocking checks: {failed}")
    checks1_s = time.perf_counter() - started
    # What the log must hold: one event per edit (the arm edit also adds an intervention), none for
    # the quiet edits, a left_scope / new_trial per removed / added study.
    expected = len(edits) + sum(plan[i] is _arm for i in edits) + len(removed) + len(added)
    con.execute("CREATE OR REPLACE TABLE main.bench_expected AS SELECT ? AS events", [expected])
    con.execute("CHECKPOINT")
    con.close()
    return {"raw_s": raw_s, "normalise_day1_s": norm1_s, "normalise_day2_s": norm2_s, "checks_day1_s": checks1_s}


def measure(db_path: Path, threads: int) -> dict:
    con = warehouse.connect(db_path)
    con.execute(f"SET threads = {threads}")
    con.execute("DROP SCHEMA IF EXISTS changes CASCADE")
    differing = con.execute(
        "SELECT count(*) FROM (SELECT nct_id, content_hash FROM raw.study_days WHERE snapshot_date = ?) a "
        "FULL JOIN (SELECT nct_id, content_hash FROM raw.study_days WHERE snapshot_date = ?) b USING (nct_id) "
        "WHERE a.content_hash IS DISTINCT FROM b.content_hash", [DAY1, DAY2]).fetchone()[0]
    studies = con.execute("SELECT count(*) FROM raw.study_days WHERE snapshot_date = ?", [DAY2]).fetchone()[0]
    expected = con.execute("SELECT events FROM main.bench_expected").fetchone()[0]
    started = time.perf_counter()
    log = compute_changelog(con, DAY2)
    compute_s = time.perf_counter() - started
    started = time.perf_counter()
    write_changelog(con, log)
    write_s = time.perf_counter() - started
    stored = con.execute("SELECT count(*) FROM changes.events WHERE snapshot_date = ?", [DAY2]).fetchone()[0]
    con.close()
    assert stored == len(log.events)
    return {"studies": studies, "differing": differing, "events": len(log.events), "expected_events": expected,
            "trials": log.trials_changed(),
            "compute_s": compute_s, "write_s": write_s, "by_type": Counter(e["event_type"] for e in log.events)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2_000, help="studies per day (default 2,000: a smoke run; target: 100000)")
    parser.add_argument("--changed", type=float, default=0.01, help="share of studies edited on day 2 (default 0.01)")
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads for the timed part (default 2)")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="studies generated at a time (bounds the memory)")
    parser.add_argument("--warehouse", type=Path, help="keep the built warehouse here (reused when it exists)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_changelog_") as tmp:
        db_path = args.warehouse or Path(tmp) / "bench.duckdb"
        setup = {}
        if not db_path.exists():
            setup = build(db_path, args.n, args.changed, args.chunk)
            print("setup (untimed): " + ", ".join(f"{k} {v:.1f}" for k, v in setup.items()), flush=True)
        result = measure(db_path, args.threads)
    total = result["compute_s"] + result["write_s"]
    print()
    print("| N | changed (versions differing) | events | trials with events | compute s | write s | compute+write s | target |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {result['studies']:,} | {result['differing']:,} | {result['events']:,} | {result['trials']:,} | "
          f"{result['compute_s']:.2f} | {result['write_s']:.2f} | {total:.2f} | < {TARGET_S:.0f} s on {args.threads} threads: "
          f"{'met' if total < TARGET_S else 'MISSED'} |")
    print()
    print("events by type: " + ", ".join(f"{k} {v}" for k, v in sorted(result["by_type"].items())))
    print(f"events as planned by the edits: {result['expected_events']:,} "
          f"({'match' if result['expected_events'] == result['events'] else 'MISMATCH'})")
    return {**result, **setup, "total_s": total}


if __name__ == "__main__":
    outcome = main()
    if outcome["events"] != outcome["expected_events"]:
        sys.exit("the change-log does not hold the events the edits planned: the timing above is not of a correct change-log")
