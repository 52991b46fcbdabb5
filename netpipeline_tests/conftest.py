"""Shared fixtures: real files, real servers, real Dagster instances; nothing mocked."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_CTGOV = PROJECT_ROOT.parent / "shared" / "ctgov"
DEMO_REPLAY = PROJECT_ROOT / "data" / "replay"
DEMO_DAYS = ("2026-11-18", "2026-11-19", "2026-11-20")
REPLAY_DAY = "2026-11-18"  # the day the `replay` fixture serves

# Dagster must never phone home from tests.
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


def require_shared_ctgov() -> Path:
    """The genuine API v2 material beside the project; skip clearly when this checkout lacks it."""
    if not (SHARED_CTGOV / "studies").is_dir():
        pytest.skip(f"genuine ClinicalTrials.gov records not found at {SHARED_CTGOV} (a checkout outside the team's machines)")
    return SHARED_CTGOV


@pytest.fixture
def shared_ctgov() -> Path:
    return require_shared_ctgov()


@pytest.fixture
def warehouse_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "test.duckdb"


@pytest.fixture
def replay(tmp_path: Path):
    """A replay server (real HTTP) serving 25 factory studies, nct(1)..nct(25), on REPLAY_DAY."""
    from netpipeline.replay.server import ReplayServer
    from netpipeline_tests.factories import make_study, nct, write_day

    write_day(tmp_path, REPLAY_DAY, [make_study(nct(i)) for i in range(1, 26)])
    with ReplayServer(tmp_path) as server:
        yield server


@pytest.fixture
def smtp():
    """A real SMTP server on loopback: (handler with what it accepted, port)."""
    from aiosmtpd.controller import Controller

    from netpipeline_tests.smtp_server import Handler, free_port

    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()
