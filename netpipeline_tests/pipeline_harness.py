"""Run the real pipeline in tests: replay server, DuckDB file, Dagster instance, outbox or SMTP."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from netpipeline.definitions import build_definitions
from netpipeline.ingest.raw_days import replace_day_studies
from netpipeline.orchestration.local_runs import RunOutcome, run_day, tick_digest_sensor
from netpipeline.replay.server import ReplayServer
from netpipeline.warehouse import connect, transaction


@dataclass
class Harness:
    defs: dg.Definitions
    instance: dg.DagsterInstance
    replay: ReplayServer
    warehouse: Path
    outbox: Path
    digest_cursor: str | None = None
    runs: list[RunOutcome] = field(default_factory=list)

    def run_day(self, day: str, assets: list[str] | None = None) -> RunOutcome:
        selection = [dg.AssetKey.from_user_string(a) for a in assets] if assets else None
        outcome = run_day(self.defs, self.instance, day, asset_selection=selection)
        self.runs.append(outcome)
        return outcome

    def tick_digest(self) -> tuple[list[RunOutcome], str | None]:
        self.digest_cursor, runs, skip = tick_digest_sensor(self.defs, self.instance, self.digest_cursor)
        self.runs.extend(runs)
        return runs, skip

    def query(self, sql: str, params: list | None = None) -> list[tuple]:
        con = connect(self.warehouse, read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def execute(self, sql: str, params: list | None = None) -> None:
        """Tamper with the warehouse the way a bug or a bad upstream would."""
        con = connect(self.warehouse)
        try:
            con.execute(sql, params or [])
        finally:
            con.close()

    def drop_from_day(self, day: str, nct_id: str) -> None:
        """Lose a study from a stored day's version map (as a bug would); raw.pulls keeps its counts."""
        con = connect(self.warehouse)
        try:
            with transaction(con):
                replace_day_studies(con, date.fromisoformat(day), "SELECT * FROM raw.study_days "
                                    "WHERE snapshot_date = $day AND nct_id <> $nct", {"day": day, "nct": nct_id})
        finally:
            con.close()

    def check_passed(self, day: str, check_name: str) -> bool | None:
        rows = self.query("SELECT passed FROM quality.check_results WHERE snapshot_date = ? AND check_name = ?", [day, check_name])
        return rows[0][0] if rows else None


@contextmanager
def pipeline(tmp_path: Path, snapshots: Path, monkeypatch: pytest.MonkeyPatch, subscriptions: Path | None = None,
             env: dict[str, str] | None = None) -> Iterator[Harness]:
    warehouse, outbox = tmp_path / "warehouse" / "w.duckdb", tmp_path / "outbox"
    (tmp_path / "dagster_home").mkdir(parents=True, exist_ok=True)
    with ReplayServer(snapshots) as replay, dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        settings = {
            "NETPIPELINE_CTGOV_BASE_URL": replay.url_template,
            "NETPIPELINE_WAREHOUSE": str(warehouse),
            "NETPIPELINE_OUTBOX": str(outbox),
            "NETPIPELINE_PUBLISHED_WAREHOUSE": str(tmp_path / "published" / "netpipeline.duckdb"),
            "NETPIPELINE_PUBLISHED_PARQUET": str(tmp_path / "published" / "parquet"),
            "NETPIPELINE_REQUESTS_PER_MINUTE": "6000",
            "NETPIPELINE_SMTP_HOST": "",
            **({"NETPIPELINE_SUBSCRIPTIONS": str(subscriptions)} if subscriptions else {}),
            **(env or {}),
        }
        for name, value in settings.items():
            monkeypatch.setenv(name, value)
        yield Harness(build_definitions(), instance, replay, warehouse, outbox)
