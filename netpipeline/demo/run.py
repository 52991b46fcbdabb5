"""README command (1): the whole pipeline over the bundled replay days, then where to look.

Starts the replay of the API on 127.0.0.1 over data/replay, points the pipeline at it, and for
each day runs the daily job (ingest → normalise → checks → change-log) on the Dagster instance
in data/dagster_home, then ticks the digest sensor, which starts the digest run (outbox mail).
Re-running is safe: days are replaced idempotently and digests already sent are not sent again.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from netpipeline.settings import DATA_DIR, setting

REPLAY_DIR = DATA_DIR / "replay"


def _days(replay_dir: Path) -> list[str]:
    return sorted(p.name for p in replay_dir.iterdir() if (p / "studies.jsonl").is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="netpipeline-demo", description=__doc__.splitlines()[0])
    parser.add_argument("--replay", type=Path, default=REPLAY_DIR, help="folder of dated snapshots (default: data/replay)")
    parser.add_argument("--days", nargs="*", help="data dates to run (default: every day in the replay folder)")
    parser.add_argument("--log-level", default="WARNING", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="Dagster's console log level (default WARNING: the demo prints its own summary; "
                             "every event is in the Dagster UI)")
    args = parser.parse_args(argv)

    # Imported here so `--help` stays instant; Dagster reads DAGSTER_HOME and the NETPIPELINE_*
    # variables when the definitions are loaded, so they are set first.
    from netpipeline.orchestration.local_runs import ensure_dagster_home
    from netpipeline.replay.server import ReplayServer

    home = ensure_dagster_home()
    days = args.days or _days(args.replay)
    if not days:
        print(f"no replay days in {args.replay}", file=sys.stderr)
        return 2
    started = time.monotonic()
    with ReplayServer(args.replay) as replay:
        os.environ["NETPIPELINE_CTGOV_BASE_URL"] = replay.url_template
        import dagster as dg

        from netpipeline.definitions import defs
        from netpipeline.orchestration.assets.changes import CHANGE_EVENTS
        from netpipeline.orchestration.local_runs import latest_event_cursor, run_day, tick_digest_sensor

        instance = dg.DagsterInstance.get()
        print(f"replay of the ClinicalTrials.gov API v2 at {replay.url_template}")
        # The sensor reacts to this demo's change-logs only, not to earlier runs in the instance.
        cursor = latest_event_cursor(instance, CHANGE_EVENTS)
        failed = False
        for day in days:
            outcome = run_day(defs, instance, day, log_level=args.log_level)
            status = "ok" if outcome.success and not outcome.skipped else ("checks stopped the day" if outcome.success else "FAILED")
            print(f"\n{day}: daily_job {status} (run {outcome.run_id[:8]})")
            print(f"  materialised: {', '.join(outcome.materialized) or 'nothing'}")
            if outcome.failed_checks:
                print(f"  failed checks: {', '.join(outcome.failed_checks)}")
            if outcome.error:
                print(f"  error: {outcome.error}")
                failed = True
            cursor, digest_runs, skip = tick_digest_sensor(defs, instance, cursor, log_level=args.log_level)
            for run in digest_runs:
                print(f"  digest_sensor → digest_job {'ok' if run.success else 'FAILED'} (run {run.run_id[:8]})"
                      + (f": {run.error}" if run.error else ""))
                failed |= not run.success
            if skip and not digest_runs:
                print(f"  digest_sensor skipped: {skip}")
    _summary(Path(setting("NETPIPELINE_PUBLISHED_WAREHOUSE")), Path(setting("NETPIPELINE_PUBLISHED_PARQUET")),
             Path(setting("NETPIPELINE_OUTBOX")), home, days, args.replay)
    print(f"\ndone in {time.monotonic() - started:.1f}s")
    return 1 if failed else 0


def _summary(published: Path, parquet: Path, outbox: Path, home: Path, days: list[str], replay_dir: Path) -> None:
    if published.exists():
        _print_published(published)
    else:
        print(f"\nno published copy at {published}: no day got through its checks")
    emails = sorted(outbox.glob("*/*.eml")) if outbox.exists() else []
    print(f"\noutbox: {outbox} ({len(emails)} digest emails; open the .html files in a browser)")
    for path in emails[:12]:
        print(f"  {path.relative_to(outbox)}")
    # The sensors poll NETPIPELINE_CTGOV_BASE_URL (the live API unless set): the UI command keeps
    # them on the replay, serving the demo's last day, so opening the UI starts nothing new.
    print(f"\nDagster UI with these runs (offline: its sensors ask a local replay serving {days[-1]}, not the live API):\n"
          f"  uv run --frozen netpipeline-replay --snapshots {_relative(replay_dir)} --port 8765 --day {days[-1]} &\n"
          f"  DAGSTER_HOME={home} NETPIPELINE_CTGOV_BASE_URL=http://127.0.0.1:8765/api/v2 "
          "uv run --frozen dagster dev -w workspace.yaml")
    print(f"\nread the data (the pipeline never opens these, so a reader never blocks a run):\n"
          f"  DuckDB copy:    uv run --frozen python -c \"import duckdb; print(duckdb.connect('{published}', read_only=True)"
          ".sql('SELECT * FROM changes.events LIMIT 20'))\"\n"
          f"  Parquet tables: uv run --frozen python -c \"import polars as pl; print(pl.scan_parquet("
          f"'{parquet}/changes/events/**/*.parquet', hive_partitioning=True).collect())\"\n"
          "  (layout and one-line reads for DuckDB, polars, pandas, Spark and Trino: docs/warehouse.md)")


def _relative(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _print_published(published: Path) -> None:
    """Read back like any reader would: the published copy, never the pipeline's working file."""
    from netpipeline.warehouse import connect

    con = connect(published, read_only=True)
    try:
        print("\npublished warehouse (read-only copy for readers):", published)
        for label, sql in (
            ("raw studies per day", "SELECT snapshot_date, studies, new_studies, changed_studies, removed_studies FROM raw.pulls ORDER BY 1"),
            ("NET trials per day", "SELECT snapshot_date, count(*) FILTER (WHERE is_net) AS net, count(*) AS pulled FROM trials.net_profile GROUP BY 1 ORDER BY 1"),
            ("events per day", "SELECT snapshot_date, base_date, events, trials_changed FROM changes.days ORDER BY 1"),
            ("digests", "SELECT snapshot_date, status, count(*) AS n FROM digest.deliveries GROUP BY ALL ORDER BY ALL"),
        ):
            try:
                rows = con.execute(sql).fetchall()
            except Exception as exc:  # a stage that never ran leaves its schema absent
                rows = [(f"(not available: {type(exc).__name__})",)]
            print(f"  {label}:")
            for row in rows:
                print("    " + "  ".join(str(v) for v in row))
    finally:
        con.close()


if __name__ == "__main__":
    raise SystemExit(main())
