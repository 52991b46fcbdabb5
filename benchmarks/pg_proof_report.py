"""The scale-out proof's verdict (does PostgreSQL hold what the runs reported?) and its printed report."""
from __future__ import annotations

from typing import Any

from pg_cluster import DB_NAME


def storage_ok(report: dict[str, Any]) -> bool:
    """PostgreSQL holds every run with the outcome Dagster reported, and exactly the
    materialisations the runs produced; nothing went to SQLite."""
    child, pg = report["dagster"], report["postgres"]
    pg_runs = {r["run_id"]: r for r in pg["runs"]}
    from_dagster = sorted((asset, run["day"]) for run in child["runs"] for asset in run["materialised"])
    from_postgres = sorted((m["asset"], m["partition"]) for m in pg["materialisations"] for _ in range(m["count"]))
    return (
        set(pg_runs) == {run["run_id"] for run in child["runs"]}
        and all(pg_runs[run["run_id"]]["status"] == ("SUCCESS" if run["success"] else "FAILURE") for run in child["runs"])
        and all(pg_runs[run["run_id"]]["partition"] == run["day"] for run in child["runs"])
        and from_dagster == from_postgres
        and not report["sqlite_files"]
    )


def runs_ok(report: dict[str, Any]) -> bool:
    runs = report["dagster"]["runs"]
    return bool(runs) and all(run["success"] and "raw/ctgov_studies" in run["materialised"] for run in runs)


def format_report(report: dict[str, Any]) -> str:
    child, pg = report["dagster"], report["postgres"]
    days = [run["day"] for run in child["runs"]]
    out = [
        f"PostgreSQL {report['server_version']} at 127.0.0.1:{report['port']} (binaries {report['pg_bin']}, "
        f"running as {report['pg_user']}; initdb {report['initdb_s']} s, start {report['pg_start_s']} s)",
        f"Dagster instance: run storage {child['run_storage']}, event log {child['event_log_storage']}; "
        f"{pg['tables']} tables in database {DB_NAME!r}; SQLite files in DAGSTER_HOME: {report['sqlite_files'] or 'none'}",
        f"replay snapshot: {', '.join(f'{d} {n} studies' for d, n in report['studies_per_day'].items())}",
        "",
        f"runs of {child['job']} (execute_in_process in a child process, {report['worker_s']} s incl. imports):",
    ]
    pg_runs = {r["run_id"]: r for r in pg["runs"]}
    for run in child["runs"]:
        row = pg_runs.get(run["run_id"], {})
        out.append(f"  {run['day']}  run {run['run_id'][:8]}  success={run['success']}  {run['seconds']:>6.2f} s  "
                   f"postgres runs.status={row.get('status', 'MISSING')} partition={row.get('partition')}")
        for failure in run.get("failures", []):
            out.append(f"      step failed: {failure}")
    out.append(f"event_logs rows for these runs: {pg['events']}; asset check evaluations: {pg['check_evaluations']}")
    out.append("asset materialisations in event_logs (asset: partitions):")
    by_asset: dict[str, list[str]] = {}
    for m in pg["materialisations"]:
        by_asset.setdefault(m["asset"], []).append(f"{m['partition']}" + (f" x{m['count']}" if m["count"] != 1 else ""))
    for asset, parts in by_asset.items():
        out.append(f"  {asset}: {', '.join(parts)}")
    missing = [d for d in days if ("raw/ctgov_studies", d) not in {(m["asset"], m["partition"]) for m in pg["materialisations"]}]
    if missing:
        out.append(f"  MISSING raw/ctgov_studies for {missing}")
    pooled = {node: pool for node, pool in child["pools"].items() if pool}
    out.append(f"pools in concurrency_limits: {pg['pools']}; steps of {child['job']} declaring a pool: {pooled or 'none'}")
    out.append(f"total {report['total_s']} s; temp dir {report['tmp']} " + ("kept" if "restart" in report else "removed"))
    if "restart" in report:
        out.append(f"  PostgreSQL is stopped; restart it with: {report['restart']}")
        out.append(f"  then: {report['inspect']}")
    if report["ok"]:
        out.append("RESULT: OK - every run succeeded; runs and materialisations are recorded in PostgreSQL")
    elif report["storage_ok"]:
        out.append("RESULT: FAILED - PostgreSQL holds the runs and materialisations as Dagster reported them, "
                   "but a run of the pipeline failed (step failures above)")
    else:
        out.append("RESULT: FAILED - PostgreSQL does not hold what the runs reported")
    return "\n".join(out)
