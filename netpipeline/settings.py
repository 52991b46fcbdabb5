"""Runtime settings read from environment variables, with defaults that run the demo.

Every variable is documented in the README's configuration table; add new ones there too.
"""
from __future__ import annotations

import os
from pathlib import Path

from netpipeline import __version__

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_ROOT / "data"

LIVE_CTGOV_BASE_URL = "https://clinicaltrials.gov/api/v2"

DEFAULTS: dict[str, str] = {
    "NETPIPELINE_CTGOV_BASE_URL": LIVE_CTGOV_BASE_URL,
    "NETPIPELINE_WAREHOUSE": str(DATA_DIR / "warehouse" / "netpipeline.duckdb"),
    "NETPIPELINE_PUBLISHED_WAREHOUSE": str(DATA_DIR / "warehouse" / "published" / "netpipeline.duckdb"),
    "NETPIPELINE_PUBLISHED_PARQUET": str(DATA_DIR / "warehouse" / "published" / "parquet"),
    "NETPIPELINE_WAREHOUSE_LOCK_WAIT_S": "60",
    "NETPIPELINE_REQUESTS_PER_MINUTE": "50",
    # Honest by default: who is asking, and which release (a firewall rule may key on it).
    "NETPIPELINE_USER_AGENT": f"netpipeline/{__version__} (NET clinical-trials tracker)",
    "NETPIPELINE_SCOPE": str(Path(__file__).resolve().parent / "ingest" / "net_scope.yaml"),
    "NETPIPELINE_VOLUME_DROP_MAX": "0.10",
    "NETPIPELINE_VOLUME_RISE_MAX": "0.25",
    "NETPIPELINE_SUBSCRIPTIONS": str(DATA_DIR / "subscriptions.yaml"),
    "NETPIPELINE_OUTBOX": str(DATA_DIR / "outbox"),
    "NETPIPELINE_SMTP_HOST": "",
    "NETPIPELINE_SMTP_PORT": "587",
    "NETPIPELINE_SMTP_USER": "",
    "NETPIPELINE_SMTP_PASSWORD": "",
    "NETPIPELINE_SMTP_SECURITY": "starttls",
    "NETPIPELINE_MAIL_FROM": "NET trials digest <digest@netpipeline.invalid>",
    "NETPIPELINE_DAY_MAX_ATTEMPTS": "6",
    "NETPIPELINE_DAY_RETRY_MINUTES": "15",
    "NETPIPELINE_FRESHNESS_DEADLINE_UTC": "20:00",
    "NETPIPELINE_UNSUBSCRIBE_MAILTO": "",
    "NETPIPELINE_UNSUBSCRIBE_URL": "",
    "NETPIPELINE_SECRET_KEY": "",
}


def setting(name: str) -> str:
    """The value of a NETPIPELINE_* variable, or its documented default."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown setting {name!r}; known: {', '.join(sorted(DEFAULTS))}")
    value = os.environ.get(name, "")
    return value if value != "" else DEFAULTS[name]


def float_setting(name: str, low: float, high: float = float("inf"), what: str = "a number") -> float:
    """A number in [low, high] (Dagster's EnvVar has no float form, so it is read and checked here)."""
    text = setting(name)
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{name} must be {what}, got {text!r}") from None
    if not low <= value <= high:
        raise ValueError(f"{name} must be {what}, got {value:g}")
    return value


def share_setting(name: str) -> float:
    return float_setting(name, 0, 1, "a number between 0 and 1")


def seconds_setting(name: str) -> float:
    return float_setting(name, 0, what="a number of seconds, not negative")
