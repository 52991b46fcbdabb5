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
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import synth_replay  # noqa: E402

DEFAULT_SIZES = (3_000, 100_000, 300_000)
DAYS = (synth_replay.DAY1, synth_replay.DAY2)
SUBSCRIPTIONS = PROJECT_ROOT / "data" / "subscriptions.yaml"
SCOPE_YAML = """\
# Benchmark scope: no condition terms, so the replay returns every study of the day.
name: bench-everything
version: "bench-1"
condition_terms: []
page_size: 1000
sort: "StudyFirstPostDate:asc"
"""
STAGES = (("ingest", "raw/ctgov_studies"), ("normalise", "trials/trial_tables"), ("checks", None),
          ("change-log", "changes/events"), ("digest", "digest/emails"), ("publish (x2)", "published/warehouse"))
BYTES_PER_STUDY = 16_500  # on disk per snapshot day, from the real records (15.7 KB JSON + perturbation)


# --------------------------------------------------------------------------------------------
# measurement helpers (run inside the children)

def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


class RssSampler(threading.Thread):
    """Every `interval` s: (wall time, peak RSS kB since the previous sample, process CPU s)."""

    def __init__(self, interval: float = 0.02, abort_mb: float | None = None, on_abort=None):
        super().__init__(name="rss-sampler", daemon=True)
        self.interval = interval
        self.abort_mb, self.on_abort = abort_mb, on_abort
        self.samples: list[tuple[float, int, float]] = []
        self._halt = threading.Event()
        self.can_reset = self._reset()

    @staticmethod
    def _reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # reset VmHWM to the current RSS (Linux >= 4.0)
            return True
        except OSError:
            return False

    def sample(self) -> None:
        hwm = _status_kb("VmHWM")
        self.samples.append((time.time(), hwm, time.process_time(), _status_kb("VmRSS")))
        if self.can_reset:
            self._reset()
        if self.abort_mb and hwm / 1024 > self.abort_mb and self.on_abort:
            # A safety valve for a shared machine: better a reported failure than the OOM killer.
            self.on_abort(hwm / 1024)

    def run(self) -> None:
        while not self._halt.wait(self.interval):
            self.sample()

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.sample()

    def window(self, start: float, end: float) -> dict[str, float]:
        """Peak RSS, RSS at start and end (MB) and CPU seconds of the process between two wall times."""
        peak, cpu_start, cpu_end, rss_start, rss_end, prev_t = 0, None, None, None, None, None
        for t, hwm, cpu, rss in self.samples:
            if prev_t is not None and t >= start and prev_t <= end:
                peak = max(peak, hwm)
            if t <= start:
                cpu_start, rss_start = cpu, rss
            if cpu_end is None and t >= end:
                cpu_end, rss_end = cpu, rss
            prev_t = t
        first, last = (self.samples[0], self.samples[-1]) if self.samples else ((0, 0, 0.0, 0),) * 2
        cpu_start = first[2] if cpu_start is None else cpu_start
        cpu_end = last[2] if cpu_end is None else cpu_end
        return {"peak_rss_mb": round(peak / 1024), "cpu_s": round(cpu_end - cpu_start, 2),
                "rss_start_mb": round((first[3] if rss_start is None else rss_start) / 1024),
                "rss_end_mb": round((last[3] if rss_end is None else rss_end) / 1024)}


def _dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def _warehouse_bytes(warehouse: Path) -> dict[str, int]:
    wal = warehouse.with_name(warehouse.name + ".wal")
    return {"file": warehouse.stat().st_size if warehouse.exists() else 0,
            "wal": wal.stat().st_size if wal.exists() else 0}


# --------------------------------------------------------------------------------------------
# child: the pipeline

def child_pipeline(args: argparse.Namespace) -> None:
    work = Path(args.workdir)
    results_path = Path(args.results)
    warehouse = work / "warehouse" / "warehouse.duckdb"  # not raw.duckdb: the catalog would shadow schema raw
    scope = work / "scope.yaml"
    scope.write_text(SCOPE_YAML)
    home = work / "dagster_home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    os.environ.update({
        "NETPIPELINE_CTGOV_BASE_URL": args.url_template,
        "NETPIPELINE_WAREHOUSE": str(warehouse),
        "NETPIPELINE_OUTBOX": str(work / "outbox"),
        "NETPIPELINE_PUBLISHED_WAREHOUSE": str(work / "published" / "netpipeline.duckdb"),
        "NETPIPELINE_PUBLISHED_PARQUET": str(work / "published" / "parquet"),
        "NETPIPELINE_SUBSCRIPTIONS": str(SUBSCRIPTIONS),
        "NETPIPELINE_SCOPE": str(scope),
        # The live API allows ~50 requests/min (a 300-page day then takes 6 min of waiting);
        # the benchmark measures the pipeline, not the rate limit.
        "NETPIPELINE_REQUESTS_PER_MINUTE": "1000000",
        "NETPIPELINE_SMTP_HOST": "",
        "DAGSTER_HOME": str(home),
        "DAGSTER_DISABLE_TELEMETRY": "1",
    })
    days = args.days.split(",") if args.days else list(DAYS)
    # --process-per-day: each day in its own process, as the daemon's run launcher does; the
    # results (and the digest sensor's cursor) carry over through the results file.
    out: dict[str, Any] = json.loads(results_path.read_text()) if results_path.exists() else {"n": args.n, "days": {}}

    def save() -> None:
        tmp = results_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(out, indent=1, default=str))
        tmp.replace(results_path)

    def abort(rss_mb: float) -> None:
        out["aborted"] = f"RSS reached {rss_mb:,.0f} MB (> --rss-abort-gb) at {time.strftime('%H:%M:%S')}"
        out["rss_timeline_tail"] = sampler.samples[-50:]
        save()
        print(f"[N={args.n:,}] {out['aborted']}: stopping the pipeline child", flush=True)
        os._exit(3)

    sampler = RssSampler(abort_mb=args.rss_abort_gb * 1024, on_abort=abort)
    sampler.start()
    out["rss_reset_supported"] = sampler.can_reset
    out["process_per_day"] = bool(args.days)

    started = time.perf_counter()
    import dagster as dg  # noqa: F401

    from netpipeline.definitions import build_definitions
    from netpipeline.orchestration.local_runs import run_day, tick_digest_sensor
    imports_pipeline = time.perf_counter() - started
    imports = {"dagster+netpipeline": round(imports_pipeline, 2)}
    if not args.no_preimport:
        t = time.perf_counter()
        import great_expectations  # noqa: F401 - the checks import it lazily (5-9 s): measured apart
        imports["great_expectations"] = round(time.perf_counter() - t, 2)
    out.setdefault("imports_s", {}).update({day: imports for day in days} if args.days else imports)
    out["rss_after_imports_mb"] = round(_status_kb("VmRSS") / 1024)
    defs = build_definitions()
    instance = dg.DagsterInstance.get()
    cursor = out.get("digest_cursor")
    save()
    for day in days:
        day_out: dict[str, Any] = {"steps": {}, "runs": []}
        out["days"][day] = day_out
        run_start = time.time()
        outcome = run_day(defs, instance, day)
        digest_start = time.time()
        cursor, digest_runs, skip = tick_digest_sensor(defs, instance, cursor)
        out["digest_cursor"] = cursor
        run_end = time.time()
        day_out["sensor_skip"] = skip
        for o in [outcome, *digest_runs]:
            day_out["runs"].append({"job": o.job, "success": o.success, "error": o.error,
                                    "failed_checks": o.failed_checks, "skipped": o.skipped})
            # published/warehouse runs in both jobs: the digest run's step is kept apart.
            day_out["steps"].update({(f"{key}@{o.job}" if key in day_out["steps"] else key): step
                                     for key, step in _steps_of_run(instance, o.run_id, sampler).items()})
        day_out["daily_job_wall_s"] = round(digest_start - run_start, 2)
        day_out["digest_tick_and_run_wall_s"] = round(run_end - digest_start, 2)
        day_out["day_wall_s"] = round(run_end - run_start, 2)
        day_out["day_window"] = sampler.window(run_start, run_end)
        day_out["warehouse_bytes"] = _warehouse_bytes(warehouse)
        day_out["outbox_files"] = len(list((work / "outbox").rglob("*"))) if (work / "outbox").exists() else 0
        day_out["facts"] = _facts(warehouse, day)
        save()
        _print_day(args.n, day, day_out, out)
    sampler.stop()
    out["process_peak_rss_mb"] = max(out.get("process_peak_rss_mb", 0), round(max(s[1] for s in sampler.samples) / 1024))
    out["complete"] = all(day in out["days"] for day in DAYS)
    save()


def _steps_of_run(instance, run_id: str, sampler: RssSampler) -> dict[str, dict[str, Any]]:
    steps: dict[str, dict[str, Any]] = {}
    metadata: dict[str, dict[str, Any]] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        kind = event.event_type_value
        step = steps.setdefault(entry.step_key, {})
        if kind == "STEP_START":
            step["start"] = entry.timestamp
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE"):
            step["end"] = entry.timestamp
            step["status"] = "ok" if kind == "STEP_SUCCESS" else "failed"
        elif kind == "STEP_SKIPPED":
            step["status"] = "skipped"
        elif kind == "ASSET_MATERIALIZATION":
            mat = event.event_specific_data.materialization
            values = {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
            metadata[entry.step_key] = {"asset": mat.asset_key.to_user_string(),
                                        **{k: values[k] for k in ("elapsed_s", "studies", "versions_shredded",
                                                                  "events", "sent", "payloads_added", "changed_studies",
                                                                  "new_studies", "removed_studies", "unchanged_studies",
                                                                  "copy_s", "size_mb", "parquet_mb_written",
                                                                  "parquet_files_written", "parquet_rows_written")
                                           if k in values}}
        elif kind == "ASSET_CHECK_EVALUATION":
            step.setdefault("checks", []).append(event.event_specific_data.check_name)
    for key, step in steps.items():
        if "start" in step and "end" in step:
            step["seconds"] = round(step["end"] - step["start"], 3)
            step.update(sampler.window(step["start"], step["end"]))
        if key in metadata:
            step["metadata"] = metadata[key]
    return steps


def _facts(warehouse: Path, day: str) -> dict[str, Any]:
    import duckdb
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        q = lambda sql: con.execute(sql, [day]).fetchone()  # noqa: E731
        facts = {
            "studies": q("SELECT count(*) FROM raw.study_days WHERE snapshot_date = ?")[0],
            "payloads_total": con.execute("SELECT count(*) FROM raw.study_payloads").fetchone()[0],
            "payloads_first_seen": q("SELECT count(*) FROM raw.study_payloads WHERE first_seen_date = ?")[0],
            "net_trials": q("SELECT count(*) FROM trials.net_profile WHERE snapshot_date = ? AND is_net")[0],
            "events": q("SELECT count(*) FROM changes.events WHERE snapshot_date = ?")[0],
        }
        pull = con.execute("SELECT new_studies, changed_studies, unchanged_studies, removed_studies FROM raw.pulls "
                           "WHERE snapshot_date = ?", [day]).fetchone()
        if pull:
            facts.update(dict(zip(("new", "changed", "unchanged", "removed"), pull)))
        failed = con.execute("SELECT check_name, severity FROM quality.check_results WHERE snapshot_date = ? AND NOT passed",
                             [day]).fetchall()
        facts["failed_checks"] = [f"{name} ({severity})" for name, severity in failed]
        facts["table_mb"] = _table_sizes(con)
        return facts
    except duckdb.Error as exc:
        return {"error": str(exc)}
    finally:
        con.close()


def _table_sizes(con) -> dict[str, float]:
    """MB of storage blocks per table (256 KB blocks, overflow blocks included; approximate:
    DuckDB packs small segments of several columns into shared blocks)."""
    block = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
    sizes = {}
    for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE NOT temporary "
                                     "ORDER BY 1, 2").fetchall():
        name = f"{schema}.{table}"
        quoted = name.replace("'", "''")
        blocks = con.execute(
            f"SELECT count(DISTINCT b) FROM (SELECT block_id AS b FROM pragma_storage_info('{quoted}') WHERE persistent "
            f"UNION ALL SELECT unnest(additional_block_ids) FROM pragma_storage_info('{quoted}') WHERE persistent)"
        ).fetchone()[0]
        sizes[name] = round(blocks * block / 1e6, 2)
    return sizes


def stage_rows(day_out: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per stage: seconds (sum of its steps), CPU s, peak RSS (max), step count."""
    steps = day_out["steps"]
    rows = []
    for stage, asset in STAGES:
        if asset is None:
            keys = [k for k, s in steps.items() if s.get("checks")]
        else:
            keys = [k for k, s in steps.items() if s.get("metadata", {}).get("asset") == asset
                    or k == asset.replace("/", "__")]
        timed = [steps[k] for k in keys if "seconds" in steps[k]]
        row = {"stage": stage, "steps": len(keys),
               "seconds": round(sum(s["seconds"] for s in timed), 3) if timed else None,
               "cpu_s": round(sum(s.get("cpu_s", 0) for s in timed), 2) if timed else None,
               "peak_rss_mb": max((s.get("peak_rss_mb", 0) for s in timed), default=None),
               "rss_before_mb": min(timed, key=lambda s: s["start"]).get("rss_start_mb") if timed else None,
               "status": ",".join(sorted({s.get("status", "?") for s in (steps[k] for k in keys)})) or "not run"}
        if stage == "checks" and timed:
            slowest = max(keys, key=lambda k: steps[k].get("seconds", 0))
            row["note"] = f"{len(keys)} check steps, slowest {slowest} {steps[slowest].get('seconds', 0):.2f} s"
        rows.append(row)
    timed = [s for s in steps.values() if "seconds" in s]
    rows.append({"stage": "all steps", "steps": len(timed), "seconds": round(sum(s["seconds"] for s in timed), 3),
                 "cpu_s": round(sum(s.get("cpu_s", 0) for s in timed), 2),
                 "peak_rss_mb": max((s.get("peak_rss_mb", 0) for s in timed), default=None),
                 "rss_before_mb": min(timed, key=lambda s: s["start"]).get("rss_start_mb") if timed else None, "status": ""})
    window = day_out.get("day_window", {})
    rows.append({"stage": "day wall (2 runs + sensor)", "steps": None, "seconds": day_out.get("day_wall_s"),
                 "cpu_s": window.get("cpu_s"), "peak_rss_mb": window.get("peak_rss_mb"),
                 "rss_before_mb": window.get("rss_start_mb"), "status": ""})
    return rows


def _print_day(n: int, day: str, day_out: dict[str, Any], out: dict[str, Any]) -> None:
    studies = day_out["facts"].get("studies") or n
    print(f"\n[N={n:,}] {day}: {studies:,} studies; runs: "
          + ", ".join(f"{r['job']} {'ok' if r['success'] else 'FAILED'}" for r in day_out["runs"])
          + f"\n  {'stage':<28}{'seconds':>8}{'cpu s':>8}{'studies/s':>10}{'peak MB':>8}{'RSS at':>8}", flush=True)
    for row in stage_rows(day_out):
        rate = f"{studies / row['seconds']:>10,.0f}" if row.get("seconds") else f"{'-':>10}"
        print(f"  {row['stage']:<28}{_num(row['seconds'], 8, 2)}{_num(row['cpu_s'], 8, 1)}{rate}"
              f"{_num(row['peak_rss_mb'], 8, 0)}{_num(row.get('rss_before_mb'), 8, 0)}  {row.get('note', row['status'])}",
              flush=True)
    wh = day_out["warehouse_bytes"]
    facts = {k: v for k, v in day_out["facts"].items() if k != "table_mb"}
    print(f"  warehouse {(wh['file'] + wh['wal']) / 1e6:,.1f} MB; facts {json.dumps(facts)}", flush=True)
    for r in day_out["runs"]:
        if r["error"]:
            print(f"  ERROR in {r['job']}: {r['error'][:500]}", flush=True)


def _num(value, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width},.{digits}f}"


# --------------------------------------------------------------------------------------------
# child: baselines

def child_baselines(args: argparse.Namespace) -> None:
    import duckdb
    import orjson

    out: dict[str, Any] = {}
    for day in DAYS:
        path = Path(args.workdir) / "replay" / day / "studies.jsonl"
        res: dict[str, Any] = {"bytes": path.stat().st_size}
        studies, parse_s = 0, 0.0
        started = time.perf_counter()
        with path.open("rb") as fh:
            while lines := fh.readlines(64 << 20):
                t = time.perf_counter()
                for line in lines:
                    orjson.loads(line)
                parse_s += time.perf_counter() - t
                studies += len(lines)
        res["studies"] = studies
        res["orjson_parse_s"] = round(parse_s, 2)
        res["orjson_read_and_parse_s"] = round(time.perf_counter() - started, 2)
        con = duckdb.connect()
        con.execute("SET threads = 2")
        con.execute("SET memory_limit = '1GB'")
        quoted = str(path).replace("'", "''")
        for name, sql in (("duckdb_read_ndjson_objects_s", f"SELECT count(*) FROM read_ndjson_objects('{quoted}')"),
                          ("duckdb_read_json_s", f"SELECT count(*) FROM read_json('{quoted}', format='newline_delimited')")):
            t = time.perf_counter()
            try:
                count = con.execute(sql).fetchone()[0]
                res[name] = round(time.perf_counter() - t, 2)
                assert count == studies, (name, count, studies)
            except duckdb.Error as exc:
                res[name] = None
                res[name + "_error"] = str(exc)[:300]
        con.close()
        out[day] = res
    out["peak_rss_mb"] = round(_status_kb("VmHWM") / 1024)
    Path(args.results).write_text(json.dumps(out, indent=1))


# --------------------------------------------------------------------------------------------
# parent

def machine() -> dict[str, Any]:
    import dagster
    import duckdb
    info = {"nproc": os.cpu_count(), "python": platform.python_version(), "duckdb": duckdb.__version__,
            "dagster": dagster.__version__, "os": platform.platform()}
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        info["cpu"] = platform.processor()
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")))
        info["ram_gb"] = round(kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    try:
        info["os_release"] = next(line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                                  if line.startswith("PRETTY_NAME="))
    except (OSError, StopIteration):
        pass
    info.update(_code_version())
    for mod in ("polars", "pyarrow", "orjson", "great_expectations", "httpx"):
        try:
            info[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            pass
    return info


def _code_version() -> dict[str, Any]:
    """HEAD, and a digest of each stage's code as it is on disk (others edit the tree meanwhile)."""
    import hashlib
    out: dict[str, Any] = {}
    try:
        out["git_head"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True,
                                         text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "netpipeline"], cwd=PROJECT_ROOT,
                               capture_output=True, text=True, check=True).stdout.splitlines()
        out["uncommitted_files_in_netpipeline"] = len(dirty)
    except (OSError, subprocess.CalledProcessError):
        pass
    for package in ("ingest", "normalise", "quality", "changes", "digest"):
        digest = hashlib.sha256()
        for path in sorted((PROJECT_ROOT / "netpipeline" / package).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(PROJECT_ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        out[f"code_{package}"] = digest.hexdigest()[:10]
    return out


class Replay:
    """`python -m netpipeline.replay` in its own process (the API is remote: its memory and CPU
    are not the pipeline's)."""

    def __init__(self, snapshots: Path):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "netpipeline.replay", "--snapshots", str(snapshots), "--port", "0"],
            cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True, start_new_session=True)
        self.base = self.proc.stdout.readline().split(": ", 1)[1].strip()
        self.url_template = self.proc.stdout.readline().split(": ", 1)[1].strip()

    def warm(self, day: str) -> float:
        """Index the day and run the pull's query once (its result rows are cached)."""
        import httpx

        from netpipeline.ingest.scope import Scope
        params = Scope("bench-everything", "bench-1", ()).query_params()  # what the pull sends (SCOPE_YAML)
        started = time.perf_counter()
        response = httpx.get(self.url_template.replace("{date}", day) + "/studies",
                             params={**params, "pageSize": "1", "countTotal": "true"}, timeout=3600)
        response.raise_for_status()
        return time.perf_counter() - started

    def rss_mb(self) -> int:
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) // 1024
        except OSError:
            pass
        return 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def run_child(kind: str, n: int, work: Path, results: Path, timeout_s: float | None,
              url_template: str = "", rss_abort_gb: float = 12.0, no_preimport: bool = False,
              extra: list[str] | None = None) -> tuple[dict[str, Any] | None, str]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--n", str(n), "--workdir", str(work),
           "--results", str(results), "--url-template", url_template, "--rss-abort-gb", str(rss_abort_gb),
           *(["--no-preimport"] if no_preimport else []), *(extra or [])]
    log = results.with_suffix(".log")  # Dagster's console log (DEBUG) and anything else on stderr
    with log.open("wb") as stderr:
        proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, start_new_session=True, stderr=stderr)
        status = _wait_child(proc, timeout_s)
    if status != "ok":
        tail = log.read_bytes()[-3000:].decode("utf-8", "replace")
        print(f"  child {kind}: {status}; last lines of {log}:\n{tail}", flush=True)
    data = json.loads(results.read_text()) if results.exists() else None
    return data, status


def _wait_child(proc: subprocess.Popen, timeout_s: float | None) -> str:
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


def print_size_table(result: dict[str, Any]) -> None:
    n = result["n"]
    pipeline = result.get("pipeline") or {}
    baselines = result.get("baselines") or {}
    print(f"\n=== N = {n:,}: seconds and studies/s per stage (per day), peak RSS of the pipeline process "
          f"[{result.get('pipeline_status', result['status'])}] ===")
    print(f"{'stage':<28}{'day':>4}{'seconds':>9}{'cpu s':>8}{'studies/s':>11}{'peak RSS MB':>12}{'RSS at start':>13}  note")
    for i, (day, day_out) in enumerate((pipeline.get("days") or {}).items(), start=1):
        studies = (day_out.get("facts") or {}).get("studies") or n
        for row in stage_rows(day_out):
            rate = f"{studies / row['seconds']:>11,.0f}" if row.get("seconds") else f"{'-':>11}"
            print(f"{row['stage']:<28}{i:>4}{_num(row['seconds'], 9, 2)}{_num(row['cpu_s'], 8, 1)}{rate}"
                  f"{_num(row['peak_rss_mb'], 12, 0)}{_num(row.get('rss_before_mb'), 13, 0)}  {row.get('note', row['status'])}")
        wh = day_out.get("warehouse_bytes", {})
        print(f"{'warehouse on disk after day':<28}{i:>4}  {(wh.get('file', 0) + wh.get('wal', 0)) / 1e6:,.1f} MB")
    days = list((pipeline.get("days") or {}).values())
    if len(days) == 2:
        size = [d["warehouse_bytes"]["file"] + d["warehouse_bytes"]["wal"] for d in days]
        f2 = days[1].get("facts", {})
        touched = (f2.get("changed") or 0) + (f2.get("new") or 0)
        per_study_day1 = size[0] / max(1, days[0].get("facts", {}).get("studies") or n)
        growth = size[1] - size[0]
        print(f"day-2 growth: {growth / 1e6:+,.1f} MB for {touched:,} changed+new studies = "
              f"{growth / max(1, touched) / 1e3:,.1f} KB per changed study (day 1: {per_study_day1 / 1e3:,.1f} KB per study)")
        t1, t2 = days[0].get("facts", {}).get("table_mb", {}), days[1].get("facts", {}).get("table_mb", {})
        if t1 and t2:
            deltas = sorted(((t2.get(k, 0) - t1.get(k, 0), k) for k in set(t1) | set(t2)), reverse=True)
            print("  largest tables after day 2 (MB, day-2 growth): " + ", ".join(
                f"{k} {t2.get(k, 0):,.1f} ({d:+,.1f})" for d, k in sorted(((t2.get(k, 0) - t1.get(k, 0), k) for k in t2),
                                                                     key=lambda x: -t2.get(x[1], 0))[:6]))
            print("  largest day-2 growth (MB): " + ", ".join(f"{k} {d:+,.1f}" for d, k in deltas[:8] if d > 0))
    if pipeline:
        print(f"process peak RSS {pipeline.get('process_peak_rss_mb', '-')} MB; imports before the first run "
              f"{pipeline.get('imports_s')} s, RSS after imports {pipeline.get('rss_after_imports_mb')} MB")
    for day, b in baselines.items():
        if not isinstance(b, dict):
            continue
        s = b["studies"]
        parts = [f"orjson.loads {b['orjson_parse_s']:.1f} s ({s / b['orjson_parse_s']:,.0f}/s)"]
        for key, label in (("duckdb_read_ndjson_objects_s", "read_ndjson_objects"), ("duckdb_read_json_s", "read_json")):
            if b.get(key):
                parts.append(f"DuckDB {label} {b[key]:.1f} s ({s / b[key]:,.0f}/s)")
            elif key + "_error" in b:
                parts.append(f"DuckDB {label} failed: {b[key + '_error'][:80]}")
        print(f"baseline {day} ({b['bytes'] / 1e9:.2f} GB): " + "; ".join(parts))
    if result.get("replay_index_s"):
        print(f"replay server indexing (not timed in the stages): {result['replay_index_s']}")
    sys.stdout.flush()


def print_scaling(results: list[dict[str, Any]]) -> None:
    done = [r for r in results if (r.get("pipeline") or {}).get("days")]
    if len(done) < 2:
        return
    sizes = [r["n"] for r in done]
    for metric, label in (("seconds", "wall seconds"), ("cpu_s", "CPU seconds of the process (less sensitive to other load)")):
        print(f"\n=== scaling, {label} per stage vs N: exponent k in t ~ N^k between consecutive sizes "
              "(k <= 1.1: linear or better) ===")
        print(f"{'stage':<12}{'day':>4}" + "".join(f"{n:>12,}" for n in sizes) + "  exponents")
        for day_index in (0, 1):
            for stage, _ in STAGES + (("all steps", None),):
                values = []
                for r in done:
                    days = list(r["pipeline"]["days"].values())
                    row = next((x for x in stage_rows(days[day_index]) if x["stage"] == stage), None) \
                        if len(days) > day_index else None
                    values.append(row[metric] if row else None)
                exps = [f"{math.log(tb / ta) / math.log(b / a):.2f}" if ta and tb else "-"
                        for (a, ta), (b, tb) in zip(zip(sizes, values), list(zip(sizes, values))[1:])]
                print(f"{stage:<12}{day_index + 1:>4}" + "".join(_num(v, 12, 2) for v in values) + f"  {', '.join(exps)}")


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
