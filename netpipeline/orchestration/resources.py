"""Dagster resources, configured from NETPIPELINE_* environment variables (see README)."""

import os
from datetime import date

from dagster import ConfigurableResource, EnvVar
from dagster_duckdb import DuckDBResource

from netpipeline.ingest.client import CtgovClient
from netpipeline.ingest.scope import Scope, load_scope
from netpipeline.settings import DEFAULTS


def env_or_default(name: str) -> "str | EnvVar":
    """EnvVar when the variable is set (the UI then shows where a value came from), else the default."""
    return EnvVar(name) if os.environ.get(name) else DEFAULTS[name]


def int_env_or_default(name: str) -> "int | EnvVar":
    return EnvVar.int(name) if os.environ.get(name) else int(DEFAULTS[name])


class CtgovApiResource(ConfigurableResource):
    """The ClinicalTrials.gov API v2. `base_url` may hold `{date}` (the replay's per-day URLs)."""

    base_url: str
    scope_file: str
    requests_per_minute: int = 50
    timeout_s: float = 30.0
    max_retries: int = 6
    backoff_base_s: float = 1.0

    def url_for_day(self, day: date | str) -> str:
        return self.base_url.replace("{date}", str(day))

    def current_url(self) -> str:
        """The URL whose /version names the current data date.

        Live, that is `base_url`; for the replay's per-day template `.../replay/{date}/api/v2` it is
        the replay's own `.../api/v2`, which serves its current day.
        """
        return self.base_url.replace("/replay/{date}", "")

    def client(self, base_url: str) -> CtgovClient:
        return CtgovClient(
            base_url,
            requests_per_minute=self.requests_per_minute,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            backoff_base_s=self.backoff_base_s,
        )

    def scope(self) -> Scope:
        return load_scope(self.scope_file)


def build_resources() -> dict[str, object]:
    return {
        "ctgov": CtgovApiResource(
            base_url=env_or_default("NETPIPELINE_CTGOV_BASE_URL"),
            scope_file=env_or_default("NETPIPELINE_SCOPE"),
            requests_per_minute=int_env_or_default("NETPIPELINE_REQUESTS_PER_MINUTE"),
        ),
        "warehouse": DuckDBResource(database=env_or_default("NETPIPELINE_WAREHOUSE")),
    }
