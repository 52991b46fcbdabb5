"""Benchmark: shred N study versions into trials_versions, against a plain orjson.loads baseline.

    uv run --frozen python benchmarks/bench_normalise.py [--n 100000] [--threads 2]

1. Builds a temp DuckDB raw layer of N synthetic studies: the 1,043 real records of
   ../shared/ctgov/studies used round-robin as templates, each copy with a fresh NCT ID and
   small perturbations (enrollment, title suffix) so every content hash differs.
2. Baseline (a): a child process reads the payloads back (untimed, in chunks) and times
   `orjson.loads` of every payload: the cost of merely parsing the JSON in Python.
3. (b): a child process times `normalise_versions(con)` over all N, commit included.
4. (c), for diagnosis: the floor of any json_transform design on this machine, a scan of the
   payloads through json_transform with the same STRUCT type and nothing written.
Each measurement runs in its own child process; peak RSS is the child's own high-water mark
(VmHWM of /proc/self/status, read at its end: interpreter, DuckDB buffers, everything). The
parent's ru_maxrss would not do: Linux carries the parent's peak into a forked child.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CTGOV_STUDIES = PROJECT_ROOT.parent / "shared" / "ctgov" / "studies"
sys.path.insert(0, str(PROJECT_ROOT))

from netpipeline import warehouse  # noqa: E402
from netpipeline.ingest.content_hash import content_hash  # noqa: E402
from netpipeline.normalise import ensure_trials_schema, normalise_versions  # noqa: E402

DAY = "2026-11-18"
CHUNK = 10_000


def synthetic_study(template: dict, index: int) -> dict:
    study = orjson.loads(orjson.dumps(template))  # deep copy
    protocol = study["protocolSection"]
    protocol["identificationModule"]["nctId"] = f"NCT9{index:07d}"
    protocol["identificationModule"]["briefTitle"] += f" (copy {index // 1043})"
    enrollment = protocol.get("designModule", {}).get("enrollmentInfo")
    if isinstance(enrollment, dict) and isinstance(enrollment.get("count"), int):
        enrollment["count"] += index % 7
    return study


def build_raw_layer(db_path: Path, n: int) -> int:
    templates = [orjson.loads(p.read_bytes()) for p in sorted(CTGOV_STUDIES.glob("NCT*.json"))]
    con = warehouse.connect(db_path)
    ensure_trials_schema(con)
    total_bytes = 0
    for start in range(0, n, CHUNK):
        payloads, days = [], []
        for i in range(start, min(start + CHUNK, n)):
            study = synthetic_study(templates[i % len(templates)], i)
            payload = orjson.dumps(study).decode()
            digest = content_hash(study)
            nct_id = study["protocolSection"]["identificationModule"]["nctId"]
            payloads.append((digest, nct_id, payload, len(payload)))
            days.append((nct_id, digest))
            total_bytes += len(payload)
        con.execute(
            "INSERT INTO raw.study_payloads SELECT h, id, p, b, DATE '" + DAY + "' FROM "
            "(SELECT unnest($1) AS h, unnest($2) AS id, unnest($3) AS p, unnest($4) AS b)",
            [list(col) for col in zip(*payloads)],
        )
        con.execute(
            "INSERT INTO raw.study_days SELECT DATE '" + DAY + "', id, h, h, NULL, NULL, "
            "now()::TIMESTAMP, now()::TIMESTAMP FROM (SELECT unnest($1) AS id, unnest($2) AS h)",
            [list(col) for col in zip(*days)],
        )
    con.execute("CHECKPOINT")
    con.close()
    return total_bytes


def child_orjson(db_path: Path, threads: int) -> dict:
    con = warehouse.connect(db_path, read_only=True)
    parse_s, studies = 0.0, 0
    cursor = con.execute("SELECT payload FROM raw.study_payloads")
    while chunk := cursor.fetchmany(CHUNK):
        started = time.perf_counter()
        for (payload,) in chunk:
            orjson.loads(payload)
        parse_s += time.perf_counter() - started
        studies += len(chunk)
    return {"studies": studies, "seconds": parse_s}


def child_normalise(db_path: Path, threads: int) -> dict:
    con = warehouse.connect(db_path)
    con.execute(f"SET threads = {threads}")
    started = time.perf_counter()
    counts = normalise_versions(con)
    seconds = time.perf_counter() - started
    con.close()
    return {"studies": counts["studies"], "seconds": seconds, "rows": counts}


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # non-Linux fallback


def child_parse_floor(db_path: Path, threads: int) -> dict:
    from netpipeline.normalise.study_json_type import STUDY_JSON_TYPE

    con = warehouse.connect(db_path, read_only=True)
    con.execute(f"SET threads = {threads}")
    json_type = json.dumps(STUDY_JSON_TYPE).replace("'", "''")
    started = time.perf_counter()
    studies = con.execute(f"SELECT count(json_transform(payload, '{json_type}')) "
                          "FROM raw.study_payloads").fetchall()[0][0]
    return {"studies": studies, "seconds": time.perf_counter() - started}


def run_child(kind: str, db_path: Path, threads: int) -> dict:
    """Run one measurement in a fresh process and return its JSON result."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", str(db_path),
         "--threads", str(threads)],
        stdout=subprocess.PIPE, check=True,
    )
    return json.loads(completed.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--db", type=Path, help="raw layer to reuse (built if missing)")
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](args.db, args.threads)
        result["peak_rss_mb"] = peak_rss_mb()
        result["cpu_s"] = time.process_time()
        print(json.dumps(result))
        return
    if not CTGOV_STUDIES.is_dir():
        raise SystemExit(f"needs the real records in {CTGOV_STUDIES}")
    with tempfile.TemporaryDirectory(prefix="bench_normalise_") as tmp:
        # Not "raw.duckdb": DuckDB names the catalog after the file, shadowing schema raw.
        template_db = args.db or Path(tmp) / "bench_template.duckdb"
        if not template_db.exists():
            started = time.perf_counter()
            payload_bytes = build_raw_layer(template_db, args.n)
            print(f"built raw layer: {args.n:,} studies, {payload_bytes / 1e6:,.0f} MB of JSON "
                  f"in {time.perf_counter() - started:.1f} s")
        # Normalise a copy so a reused --db stays an unnormalised raw layer.
        work_db = Path(tmp) / "work.duckdb"
        work_db.write_bytes(template_db.read_bytes())
        baseline = run_child("orjson", work_db, args.threads)
        floor = run_child("parse_floor", work_db, args.threads)
        shred = run_child("normalise", work_db, args.threads)
    rows = [("(a) orjson.loads", baseline), ("(b) normalise_versions", shred),
            ("(c) json_transform only", floor)]
    print(f"\nthreads={args.threads}  cpus={os.cpu_count()}  load avg={os.getloadavg()[0]:.2f}  "
          "peak RSS = VmHWM of each child process")
    print(f"{'step':<24}{'N':>9}{'seconds':>10}{'studies/s':>12}{'vs orjson':>11}"
          f"{'peak RSS MB':>13}{'child CPU s':>13}")
    for name, result in rows:
        rate = result["studies"] / result["seconds"]
        ratio = baseline["seconds"] / result["seconds"]
        print(f"{name:<24}{result['studies']:>9,}{result['seconds']:>10.2f}{rate:>12,.0f}"
              f"{ratio:>10.2f}x{result['peak_rss_mb']:>13,.0f}{result['cpu_s']:>13.1f}")
    print("rows inserted:", ", ".join(f"{t}={n:,}" for t, n in shred["rows"].items()))


CHILDREN = {"orjson": child_orjson, "normalise": child_normalise, "parse_floor": child_parse_floor}

if __name__ == "__main__":
    main()
