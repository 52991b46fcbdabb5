"""The tables bench_pipeline.py prints: per day as it ends, per size, and the scaling between sizes."""
from __future__ import annotations

import json
import math
import sys
from typing import Any

STAGES = (("ingest", "raw/ctgov_studies"), ("normalise", "trials/trial_tables"), ("checks", None),
          ("change-log", "changes/events"), ("digest", "digest/emails"), ("publish (x2)", "published/warehouse"))


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


def print_day(n: int, day: str, day_out: dict[str, Any], out: dict[str, Any]) -> None:
    studies = day_out["facts"].get("studies") or n
    print(f"\n[N={n:,}] {day}: {studies:,} studies; runs: "
          + ", ".join(f"{r['job']} {'ok' if r['success'] else 'FAILED'}" for r in day_out["runs"])
          + f"\n  {'stage':<28}{'seconds':>8}{'cpu s':>8}{'studies/s':>10}{'peak MB':>8}{'RSS at':>8}", flush=True)
    for row in stage_rows(day_out):
        rate = f"{studies / row['seconds']:>10,.0f}" if row.get("seconds") else f"{'-':>10}"
        print(f"  {row['stage']:<28}{num(row['seconds'], 8, 2)}{num(row['cpu_s'], 8, 1)}{rate}"
              f"{num(row['peak_rss_mb'], 8, 0)}{num(row.get('rss_before_mb'), 8, 0)}  {row.get('note', row['status'])}",
              flush=True)
    wh = day_out["warehouse_bytes"]
    facts = {k: v for k, v in day_out["facts"].items() if k != "table_mb"}
    print(f"  warehouse {(wh['file'] + wh['wal']) / 1e6:,.1f} MB; facts {json.dumps(facts)}", flush=True)
    for r in day_out["runs"]:
        if r["error"]:
            print(f"  ERROR in {r['job']}: {r['error'][:500]}", flush=True)


def num(value, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width},.{digits}f}"


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
            print(f"{row['stage']:<28}{i:>4}{num(row['seconds'], 9, 2)}{num(row['cpu_s'], 8, 1)}{rate}"
                  f"{num(row['peak_rss_mb'], 12, 0)}{num(row.get('rss_before_mb'), 13, 0)}  {row.get('note', row['status'])}")
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
                print(f"{stage:<12}{day_index + 1:>4}" + "".join(num(v, 12, 2) for v in values) + f"  {', '.join(exps)}")
