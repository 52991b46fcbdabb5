"""Benchmark: normalise N synthetic study versions, against a plain orjson parse of the same file.

    uv run --frozen python benchmarks/bench_normalise.py [--n 100000] [--repeat 3]

1. Builds (once per N, cached with --db) a DuckDB raw layer of N synthetic studies: the 1,043
   real records of ../shared/ctgov/studies used round-robin as templates, each copy with a
   fresh NCT ID and small perturbations (enrollment, title suffix) so every content hash
   differs; day 1 serves all N, day 2 serves the same N versions again. The same N payloads
   are written, one per line, to a JSONL file next to it.
2. (a) baseline, as the issue defines it: "a plain orjson parse of the same file": open the
   JSONL file, read it line by line and `orjson.loads` each line, timed end to end.
3. (b) the whole normalisation of day 1: `normalise_day` (parse, every trials_versions table,
   NET enrichment, enum findings, the day recorded, COMMIT) plus closing the connection
   (which checkpoints whatever the WAL still holds), on a fresh copy of the raw layer.
4. (c) day 2 right after (b), same process: every version already shredded, nothing re-shredded.
5. (d) for diagnosis: the floor of any json_transform design, a scan of the payloads through
   json_transform with the same STRUCT type, nothing written.
Every measurement runs in its own child process; peak RSS is the child's own high-water mark
(VmHWM of /proc/self/status at its end: interpreter, DuckDB buffers, everything). (a) and (b)
run --repeat times, interleaved; the table shows the best and the median.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
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
from netpipeline.ingest.raw_days import ensure_raw_schema  # noqa: E402
from netpipeline.ingest.raw_store import store_day_map  # noqa: E402

DAY1, DAY2 = datetime.date(2026, 11, 18), datetime.date(2026, 11, 19)
CHUNK = 10_000
TARGET_RATE, TARGET_VS_ORJSON, TARGET_RSS_MB = 20_000, 4.0, 2048


def synthetic_study(template: dict, index: int) -> dict:
    study = orjson.loads(orjson.dumps(template))  # deep copy
    protocol = study["protocolSection"]
    protocol["identificationModule"]["nctId"] = f"NCT9{index:07d}"
    protocol["identificationModule"]["briefTitle"] += f" (copy {index // 1043})"
    enrollment = protocol.get("designModule", {}).get("enrollmentInfo")
    if isinstance(enrollment, dict) and isinstance(enrollment.get("count"), int):
        enrollment["count"] += index % 7
    return study


def build_raw_layer(db_path: Path, jsonl_path: Path, n: int) -> int:
    """The raw layer only (no trials tables: those are created by the run, with its DDL)."""
    templates = [orjson.loads(p.read_bytes()) for p in sorted(CTGOV_STUDIES.glob("NCT*.json"))]
    con = warehouse.connect(db_path)
    ensure_raw_schema(con)
    total_bytes = 0
    day_ncts, day_hashes = [], []
    with jsonl_path.open("wb") as jsonl:
        for start in range(0, n, CHUNK):
            payloads, days = [], []
            for i in range(start, min(start + CHUNK, n)):
                study = synthetic_study(templates[i % len(templates)], i)
                payload = orjson.dumps(study)
                jsonl.write(payload + b"\n")
                digest = content_hash(study)
                nct_id = study["protocolSection"]["identificationModule"]["nctId"]
                payloads.append((digest, nct_id, payload.decode(), len(payload)))
                days.append((nct_id, digest))
                total_bytes += len(payload)
            con.execute(
                f"INSERT INTO raw.study_payloads SELECT h, id, p, b, DATE '{DAY1}' FROM "
                "(SELECT unnest($1) AS h, unnest($2) AS id, unnest($3) AS p, unnest($4) AS b)",
                [list(col) for col in zip(*payloads)],
            )
            day_ncts += [nct_id for nct_id, _ in days]
            day_hashes += [digest for _, digest in days]
    for day in (DAY1, DAY2):
        store_day_map(con, day,
                      "SELECT unnest($n) AS nct_id, unnest($h) AS content_hash, NULL AS last_update_post_date",
                      {"n": day_ncts, "h": day_hashes}, data_timestamp=datetime.datetime.now())
    con.execute("CHECKPOINT")
    con.close()
    return total_bytes


# -- child processes -----------------------------------------------------------------------

def child_orjson(args: argparse.Namespace) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    studies = 0
    with open(args.jsonl, "rb") as lines:
        for line in lines:
            orjson.loads(line)
            studies += 1
    return {"studies": studies, "seconds": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu}


def _record_stages() -> dict[str, float]:
    """Wall seconds spent in each stage of the shredding pipeline (summed over batches; the
    parser and enricher threads run beside the writer, so the stages overlap)."""
    import threading

    from netpipeline.normalise import day, parse_pipeline, versions

    stages: dict[str, float] = {}
    lock = threading.Lock()

    def timed(name, function):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                with lock:
                    stages[name] = stages.get(name, 0.0) + time.perf_counter() - started
        return wrapper

    # Private names of the pipeline: a stage whose function is renamed is just not reported.
    for owner, attribute, name in (
        (getattr(parse_pipeline, "Batch", None), "parse", "parser: read + json_transform -> Arrow"),
        (parse_pipeline, "enrich_batch", "enricher: NET rules of candidates"),
        (versions, "_insert_batch", "writer: INSERT ... SELECT per table"),
        (day, "_day_row_counts", "writer: rows per view for the day"),
    ):
        if hasattr(owner, attribute):
            setattr(owner, attribute, timed(name, getattr(owner, attribute)))

    warehouse.commit = timed("COMMIT (transaction-local rows compressed and written)",
                             warehouse.commit)  # this child process only
    return stages


def child_normalise(args: argparse.Namespace) -> dict:
    from netpipeline.normalise import normalise_day

    stages = _record_stages()
    con = warehouse.connect(args.db)
    con.execute(f"SET threads = {args.threads}")
    started, cpu = time.perf_counter(), time.process_time()
    result = normalise_day(con, DAY1)
    con.close()  # checkpoints what the WAL holds: the data is in the file when the clock stops
    seconds = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    day1_stages = dict(stages)
    con = warehouse.connect(args.db)
    con.execute(f"SET threads = {args.threads}")
    started = time.perf_counter()
    day2 = normalise_day(con, DAY2)
    con.close()
    return {"studies": result.versions_shredded, "seconds": seconds, "cpu_s": cpu_s,
            "stages": day1_stages,
            "rows": result.rows_inserted, "day2_seconds": time.perf_counter() - started,
            "day2_shredded": day2.versions_shredded, "day2_reused": day2.versions_reused,
            "db_mb": Path(args.db).stat().st_size / 1e6}


def child_parse_floor(args: argparse.Namespace) -> dict:
    from netpipeline.normalise.study_json_type import STUDY_JSON_TYPE

    con = warehouse.connect(args.db, read_only=True)
    con.execute(f"SET threads = {args.threads}")
    json_type = json.dumps(STUDY_JSON_TYPE).replace("'", "''")
    started, cpu = time.perf_counter(), time.process_time()
    studies = con.execute(f"SELECT count(json_transform(payload, '{json_type}')) "
                          "FROM raw.study_payloads").fetchall()[0][0]
    return {"studies": studies, "seconds": time.perf_counter() - started,
            "cpu_s": time.process_time() - cpu}


CHILDREN = {"orjson": child_orjson, "normalise": child_normalise, "parse_floor": child_parse_floor}


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # non-Linux fallback


def run_child(kind: str, db: Path, jsonl: Path, threads: int) -> dict:
    """Run one measurement in a fresh process and return its JSON result."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", str(db), "--jsonl", str(jsonl),
         "--threads", str(threads)],
        stdout=subprocess.PIPE, check=True,
    )
    return json.loads(completed.stdout)


# -- report --------------------------------------------------------------------------------

def machine_info() -> str:
    model = next((line.split(":", 1)[1].strip() for line in
                  Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name")),
                 platform.processor() or "?")
    mem_kb = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal:")), 0)
    import duckdb
    return (f"nproc={os.cpu_count()}  cpu={model!r}  ram={mem_kb / 2**20:.1f} GiB  "
            f"python={platform.python_version()}  duckdb={duckdb.__version__}  "
            f"orjson={orjson.__version__}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2,
                        help="DuckDB threads (default: nproc)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of (a) and (b), interleaved")
    parser.add_argument("--db", type=Path, help="raw layer to reuse (built if missing; the JSONL "
                        "file is the same path with suffix .jsonl)")
    parser.add_argument("--jsonl", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child", choices=list(CHILDREN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = CHILDREN[args.child](args)
        result["peak_rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
        return
    if not CTGOV_STUDIES.is_dir():
        raise SystemExit(f"needs the real records in {CTGOV_STUDIES}")
    with tempfile.TemporaryDirectory(prefix="bench_normalise_") as tmp:
        # Not "raw.duckdb": DuckDB names the catalog after the file, shadowing schema raw.
        template_db = args.db or Path(tmp) / "bench_template.duckdb"
        jsonl = template_db.with_suffix(".jsonl")
        if not (template_db.exists() and jsonl.exists()):
            template_db.unlink(missing_ok=True)
            started = time.perf_counter()
            payload_bytes = build_raw_layer(template_db, jsonl, args.n)
            print(f"built raw layer: {args.n:,} studies, {payload_bytes / 1e6:,.0f} MB of JSON "
                  f"in {time.perf_counter() - started:.1f} s")
        load_before = os.getloadavg()
        baselines, shreds = [], []
        for _ in range(args.repeat):
            baselines.append(run_child("orjson", template_db, jsonl, args.threads))
            # Normalise a fresh copy each time, so a reused --db stays an unnormalised raw layer.
            work_db = Path(tmp) / "work.duckdb"
            shutil.copyfile(template_db, work_db)
            shreds.append(run_child("normalise", work_db, jsonl, args.threads))
            work_db.unlink()
        floor = run_child("parse_floor", template_db, jsonl, args.threads)
        load_after = os.getloadavg()
        # Read now: without --db the JSONL lives in the temporary folder removed on leaving it.
        jsonl_bytes = jsonl.stat().st_size
    report(args, jsonl_bytes, baselines, shreds, floor, load_before, load_after)


def report(args, jsonl_bytes, baselines, shreds, floor, load_before, load_after) -> None:
    def rate(result):
        return result["studies"] / result["seconds"]

    base_best = max(baselines, key=rate)
    base_median = statistics.median(rate(r) for r in baselines)
    print(f"\n{machine_info()}")
    print(f"N={args.n:,}  DuckDB threads={args.threads}  repeat={args.repeat}  load average "
          f"before/after={load_before[0]:.2f}/{load_after[0]:.2f} (1 min)  "
          f"JSONL={jsonl_bytes / 1e6:,.0f} MB")
    print("(a) = open the JSONL file of the N payloads, read it line by line, orjson.loads each "
          "line; timed end to end\n(b) = normalise_day of day 1 (all N versions new) + close; "
          "(c) = normalise_day of day 2 (same N versions) + close; (d) = diagnosis only")
    print(f"\n{'step':<36}{'N':>9}{'seconds':>9}{'studies/s':>11}{'median/s':>10}"
          f"{'vs (a)':>8}{'peak RSS MB':>12}{'CPU s':>7}")
    # CPU s: the child's CPU time (all threads) over the timed part of the best run.

    def row(name, results, n=None, seconds_key="seconds"):
        rates = [r["studies"] / r[seconds_key] if r[seconds_key] else 0 for r in results]
        best = results[rates.index(max(rates))]
        median = statistics.median(rates)
        print(f"{name:<36}{n if n is not None else best['studies']:>9,}{best[seconds_key]:>9.2f}"
              f"{max(rates):>11,.0f}{median:>10,.0f}{max(rates) / rate(base_best):>7.2f}x"
              f"{max(r['peak_rss_mb'] for r in results):>12,.0f}{best['cpu_s']:>7.1f}")
        return max(rates), median

    row("(a) orjson.loads of the file", baselines)
    best, median = row("(b) normalise_day, all new", shreds)
    day2 = [dict(r, studies=r["day2_reused"]) for r in shreds]
    print(f"{'(c) normalise_day, nothing new':<36}{day2[0]['studies']:>9,}"
          f"{min(r['day2_seconds'] for r in day2):>9.2f}{'':>11}{'':>10}{'':>8}"
          f"{'':>12}{'':>7}   versions re-shredded: {max(r['day2_shredded'] for r in day2)}")
    row("(d) json_transform scan only", [floor])
    shred = max(shreds, key=rate)
    print(f"\nwhere the {shred['seconds']:.2f} s of the best (b) went (wall seconds per stage; the "
          "parser and enricher threads overlap the writer):")
    for stage, seconds in shred["stages"].items():
        print(f"  {stage:<58}{seconds:7.2f}")
    print("\nrows inserted:", ", ".join(f"{t}={n:,}" for t, n in shred["rows"].items()))
    print(f"warehouse file after (b): {shred['db_mb']:,.0f} MB")
    ratio = best / rate(base_best)
    rss = max(r["peak_rss_mb"] for r in shreds)
    print(f"\ntargets (2 cores, N=100,000): >= {TARGET_RATE:,} studies/s: "
          f"{'met' if best >= TARGET_RATE else 'NOT met'} (best {best:,.0f}, median {median:,.0f}); "
          f">= {TARGET_VS_ORJSON:.0f}x orjson: {'met' if ratio >= TARGET_VS_ORJSON else 'NOT met'} "
          f"({ratio:.2f}x, median {median / base_median:.2f}x); "
          f"peak RSS <= {TARGET_RSS_MB:,} MB: {'met' if rss <= TARGET_RSS_MB else 'NOT met'} "
          f"({rss:,.0f} MB)")


if __name__ == "__main__":
    main()
