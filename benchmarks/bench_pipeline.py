"""Benchmark: the whole pipeline at registry scale (replay -> raw -> trials -> checks -> changes -> digest).

    uv run --frozen python benchmarks/bench_pipeline.py                    # N = 3,000, 100,000, 300,000
    uv run --frozen python benchmarks/bench_pipeline.py --n 3000           # one size (repeatable, or 3000,100000)
    uv run --frozen python benchmarks/bench_pipeline.py --workdir /big --keep   # keep snapshots and warehouses

For each N:
1. Generates two replay days of N synthetic studies from the genuine records in
   ../shared/ctgov/studies (benchmarks/synth_replay.py: fresh NCT IDs, perturbed so every
   content differs, 2 % made NET-like; day 2 has ~1 % real changes, 0.05 % removed and 0.05 %
   new, and volatile-only differences everywhere else). Streams to disk.
2. Starts the replay server in its own process (`python -m netpipeline.replay`), the stand-in
   for the remote API, and indexes both days before anything is timed (a warm-up request).
3. Baselines, in a child process, per day file: orjson.loads of every line of studies.jsonl,
   and DuckDB scans of the same file (read_ndjson_objects, and read_json with its detected schema).
4. The real pipeline in a fresh child process: build_definitions() with NETPIPELINE_* pointing at
   the replay, a scope file without condition terms (every study is returned), a warehouse in the
   work dir, a SQLite Dagster instance; then per day `run_day` (daily_job: raw/ctgov_studies, its
   asset checks, trials/trial_tables, its checks, changes/events) and `tick_digest_sensor` (the
   digest run). Stage times are the steps' STEP_START -> STEP_SUCCESS/FAILURE events in Dagster's
   event log. Peak RSS is this process's own high-water mark: a sampler thread reads VmHWM from
   /proc/self/status every 20 ms and resets it (`echo 5 > /proc/self/clear_refs`), so each sample
   is the true peak of its interval and a stage's peak is the largest sample overlapping it.
   CPU seconds of the process are given next to wall seconds (the machine may be shared), and
   the RSS the process already held when a stage started. Imports (Dagster, Great
   Expectations...) are done before the first run and reported apart, unless --no-preimport;
   --process-per-day runs each day in a fresh process, as a run launcher does.
The per-day rows are printed as each day ends; a size whose child exceeds --timeout-min is
stopped and reported with what it measured. Results are also written as JSON (--json).
Results and how to read them: docs/benchmarks.md.
The pieces, beside this file: pipeline_child.py (step 4), pipeline_baselines.py (step 3),
replay_process.py (step 2), process_sampling.py (RSS and CPU), pipeline_report.py (the tables),
machine_info.py (what it ran on).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_replay  # noqa: E402
from machine_info import machine  # noqa: E402
from pipeline_baselines import child_baselines  # noqa: E402
from pipeline_child import child_pipeline  # noqa: E402
from pipeline_report import print_scaling, print_size_table  # noqa: E402
from replay_process import Replay  # noqa: E402
from synth_replay import DAYS  # noqa: E402

DEFAULT_SIZES = (3_000, 100_000, 300_000)
BYTES_PER_STUDY = 16_500  # on disk per snapshot day, from the real records (15.7 KB JSON + perturbation)


def run_child(kind: str, n: int, work: Path, results: Path, timeout_s: float | None,
              url_template: str = "", rss_abort_gb: float = 12.0, no_preimport: bool = False,
              extra: list[str] | None = None) -> tuple[dict[str, Any] | None, str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--n", str(n), "--workdir", str(work),
           "--results", str(results), "--url-template", url_template, "--rss-abort-gb", str(rss_abort_gb),
           *(["--no-preimport"] if no_preimport else []), *(extra or [])]
    log = results.with_suffix(".log")  # Dagster's console log (DEBUG) and anything else on stderr
    with log.open("wb") as stderr:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, start_new_session=True, stderr=stderr)
        status = wait_child(proc, timeout_s)
    if status != "ok":
        tail = log.read_bytes()[-3000:].decode("utf-8", "replace")
        print(f"  child {kind}: {status}; last lines of {log}:\n{tail}", flush=True)
    data = json.loads(results.read_text()) if results.exists() else None
    return data, status


def wait_child(proc: subprocess.Popen, timeout_s: float | None) -> str:
    status = "ok"
    try:
        proc.wait(timeout=timeout_s)
        if proc.returncode != 0:
            status = f"child exited with status {proc.returncode}"
    except subprocess.TimeoutExpired:
        status = f"stopped after {timeout_s / 60:.0f} min (--timeout-min)"
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait()
        raise
    return status


def bench_size(n: int, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {"n": n, "status": "ok"}
    need = n * BYTES_PER_STUDY * 2 + n * 8_000 + 200_000_000  # two snapshot days + warehouse + staging
    free = shutil.disk_usage(work).free
    result["disk_free_gb_before"] = round(free / 1e9, 1)
    if free < need:
        result["status"] = f"skipped: needs ~{need / 1e9:.1f} GB free in {work}, has {free / 1e9:.1f} GB"
        print(f"\n[N={n:,}] {result['status']}", flush=True)
        return result
    print(f"\n[N={n:,}] generating the replay in {work / 'replay'} ...", flush=True)
    manifest = synth_replay.generate(work / "replay", n, args.net_every, progress=lambda m: print(m, flush=True))
    result["replay"] = manifest
    print(f"[N={n:,}] replay: day 1 {manifest['day1_studies']:,} studies ({manifest['day1_bytes'] / 1e9:.2f} GB), "
          f"day 2 {manifest['day2_studies']:,} ({manifest['changed']:,} changed, {manifest['removed']:,} removed, "
          f"{manifest['new_on_day2']:,} new), {manifest['net_like']:,} NET-like; "
          f"{'reused' if manifest.get('reused') else 'generated in %.0f s' % manifest['seconds']}", flush=True)

    print(f"[N={n:,}] baselines (child process) ...", flush=True)
    baselines, status = run_child("baselines", n, work, work / "baselines.json", args.timeout_min * 60)
    result["baselines"] = baselines
    result["baselines_status"] = status

    replay = Replay(work / "replay")
    try:
        result["replay_index_s"] = {day: round(replay.warm(day), 1) for day in DAYS}
        result["replay_server_rss_mb"] = replay.rss_mb()
        print(f"[N={n:,}] replay server {replay.base} indexed both days in "
              + ", ".join(f"{s:.1f} s" for s in result["replay_index_s"].values())
              + f" (server RSS {result['replay_server_rss_mb']:,} MB, not part of the pipeline's)", flush=True)
        started = time.perf_counter()
        results_path = work / "pipeline.json"
        results_path.unlink(missing_ok=True)
        # A kept work dir is reused for its replay only: the pipeline starts from nothing
        # (an earlier run's warehouse would turn day 1 into a day with nothing new).
        for leftover in ("warehouse", "dagster_home", "outbox"):
            shutil.rmtree(work / leftover, ignore_errors=True)
        for days in ([[d] for d in DAYS] if args.process_per_day else [list(DAYS)]):
            pipeline, status = run_child("pipeline", n, work, results_path, args.timeout_min * 60, replay.url_template,
                                         args.rss_abort_gb, args.no_preimport,
                                         ["--days", ",".join(days)] if args.process_per_day else [])
            if status != "ok":
                break
        result["pipeline"] = pipeline
        result["pipeline_status"] = status
        result["pipeline_child_wall_s"] = round(time.perf_counter() - started, 1)
        if status != "ok":
            result["status"] = status
    finally:
        replay.stop()
    print_size_table(result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", action="append", help="study count(s): 3000 or 3000,100000 (repeatable)")
    parser.add_argument("--workdir", type=Path, help="where snapshots and warehouses go (default: a temp dir)")
    parser.add_argument("--keep", action="store_true", help="keep the snapshots and warehouses")
    parser.add_argument("--net-every", type=int, default=50, help="every k-th study is made NET-like (default 50: 2 %%)")
    parser.add_argument("--timeout-min", type=float, default=30.0, help="per size and child process (default 30)")
    parser.add_argument("--rss-abort-gb", type=float, default=12.0,
                        help="stop the pipeline child if its RSS passes this (default 12; the target is 2)")
    parser.add_argument("--no-preimport", action="store_true",
                        help="do not import Great Expectations before the first run: the first check step pays it, "
                             "as in a fresh run process")
    parser.add_argument("--process-per-day", action="store_true",
                        help="run each day in a fresh process, as a run launcher would (imports paid every day)")
    parser.add_argument("--days", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="write all results here (default <workdir>/bench_pipeline.json)")
    parser.add_argument("--child", choices=("pipeline", "baselines"), help=argparse.SUPPRESS)
    parser.add_argument("--results", help=argparse.SUPPRESS)
    parser.add_argument("--url-template", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.n = int(args.n[0])
        {"pipeline": child_pipeline, "baselines": child_baselines}[args.child](args)
        return
    synth_replay.require_ctgov()
    sizes = sorted({int(x.replace("_", "")) for arg in (args.n or []) for x in arg.split(",") if x.strip()}) or list(DEFAULT_SIZES)
    root = args.workdir or Path(tempfile.mkdtemp(prefix="bench_pipeline_"))
    root.mkdir(parents=True, exist_ok=True)
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()))
    print(f"sizes: {', '.join(f'{n:,}' for n in sizes)}; work dir {root}; load average at start "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    all_results: dict[str, Any] = {"machine": info, "command": " ".join([Path(sys.executable).name, *sys.argv]),
                                   "started": time.strftime("%Y-%m-%d %H:%M:%S"), "sizes": []}
    json_path = args.json or root / "bench_pipeline.json"
    try:
        for n in sizes:
            work = root / f"n{n}"
            work.mkdir(parents=True, exist_ok=True)
            load_before = os.getloadavg()
            result = bench_size(n, work, args)
            result["load_average_before"] = load_before
            result["load_average_after"] = os.getloadavg()
            all_results["sizes"].append(result)
            json_path.write_text(json.dumps(all_results, indent=1, default=str))
            if not args.keep:
                shutil.rmtree(work, ignore_errors=True)
        print_scaling(all_results["sizes"])
    finally:
        if not args.keep and args.workdir is None:
            # results JSON is kept next to the (removed) work dirs only if asked for elsewhere
            if args.json is None:
                kept = Path(tempfile.gettempdir()) / "bench_pipeline_last.json"
                if json_path.exists():
                    shutil.copy(json_path, kept)
                    print(f"\nresults JSON: {kept}")
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"\nresults JSON: {json_path}")


if __name__ == "__main__":
    main()
