"""The child process of bench_pipeline.py that runs the real pipeline: two days, then the facts.

build_definitions() with NETPIPELINE_* pointing at the replay, a scope file without condition
terms (every study is returned), a warehouse in the work dir, a SQLite Dagster instance; then per
day `run_day` (daily_job) and `tick_digest_sensor` (the digest run). Stage times are the steps'
STEP_START -> STEP_SUCCESS/FAILURE events in Dagster's event log, with the RSS and CPU of this
process over each step (process_sampling.py).
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from pipeline_report import print_day
from process_sampling import RssSampler, status_kb
from synth_replay import DAYS

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SUBSCRIPTIONS = PROJECT_ROOT / "data" / "subscriptions.yaml"
SCOPE_YAML = """\
# Benchmark scope: no condition terms, so the replay returns every study of the day.
name: bench-everything
version: "bench-1"
condition_terms: []
page_size: 1000
sort: "StudyFirstPostDate:asc"
"""


def warehouse_bytes(warehouse: Path) -> dict[str, int]:
    wal = warehouse.with_name(warehouse.name + ".wal")
    return {"file": warehouse.stat().st_size if warehouse.exists() else 0,
            "wal": wal.stat().st_size if wal.exists() else 0}


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
    out["rss_after_imports_mb"] = round(status_kb("VmRSS") / 1024)
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
                                     for key, step in steps_of_run(instance, o.run_id, sampler).items()})
        day_out["daily_job_wall_s"] = round(digest_start - run_start, 2)
        day_out["digest_tick_and_run_wall_s"] = round(run_end - digest_start, 2)
        day_out["day_wall_s"] = round(run_end - run_start, 2)
        day_out["day_window"] = sampler.window(run_start, run_end)
        day_out["warehouse_bytes"] = warehouse_bytes(warehouse)
        day_out["outbox_files"] = len(list((work / "outbox").rglob("*"))) if (work / "outbox").exists() else 0
        day_out["facts"] = day_facts(warehouse, day)
        save()
        print_day(args.n, day, day_out, out)
    sampler.stop()
    out["process_peak_rss_mb"] = max(out.get("process_peak_rss_mb", 0), round(max(s[1] for s in sampler.samples) / 1024))
    out["complete"] = all(day in out["days"] for day in DAYS)
    save()


def steps_of_run(instance, run_id: str, sampler: RssSampler) -> dict[str, dict[str, Any]]:
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


def day_facts(warehouse: Path, day: str) -> dict[str, Any]:
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
        facts["table_mb"] = table_sizes(con)
        return facts
    except duckdb.Error as exc:
        return {"error": str(exc)}
    finally:
        con.close()


def table_sizes(con) -> dict[str, float]:
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
