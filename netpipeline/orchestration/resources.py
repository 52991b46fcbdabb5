"""Dagster resources, configured from NETPIPELINE_* environment variables (see README)."""

import os
from contextlib import contextmanager
from datetime import date, time, timedelta

import dagster as dg
from dagster import ConfigurableResource, EnvVar, InitResourceContext, get_dagster_logger
from dagster_duckdb import DuckDBResource

from netpipeline.digest import config as mail_config
from netpipeline.ingest.client import CtgovClient, current_data_url
from netpipeline.ingest.scope import Scope, load_scope
from netpipeline.integrity import open_for_writing
from netpipeline.publication import parse_deadline
from netpipeline.settings import DEFAULTS, seconds_setting, share_setting
from netpipeline.storage_errors import WarehouseStorageError, is_storage_error, storage_error


def env_or_default(name: str) -> "str | EnvVar":
    """EnvVar when the variable is set (the UI then shows where a value came from), else the default."""
    return EnvVar(name) if os.environ.get(name) else DEFAULTS[name]


def int_env_or_default(name: str) -> "int | EnvVar":
    return EnvVar.int(name) if os.environ.get(name) else int(DEFAULTS[name])


class QualityGateResource(ConfigurableResource):
    """How far the day's study count may drop against the previous day before the day stops, and
    rise before a warning flags a mass entry."""

    volume_drop_max: float = 0.10
    volume_rise_max: float = 0.25

    def setup_for_execution(self, context: InitResourceContext) -> None:
        # A run with checks starts importing Great Expectations now, behind the ingest step
        # (imported here rather than at module level: the code location must load fast).
        from netpipeline.quality.expectations import warm_up_in_background

        warm_up_in_background()


class WarehouseResource(DuckDBResource):
    """The DuckDB warehouse file; its folder is created on first use. While another process holds
    it, a step waits at most `lock_wait_s` (NETPIPELINE_WAREHOUSE_LOCK_WAIT_S), then fails saying
    who holds it (dagster_duckdb's own retry waited ~90 s in silence). Every connection is probed
    for damage before the step writes anything (netpipeline.integrity)."""

    lock_wait_s: float = 60.0

    @contextmanager
    def get_connection(self, lock_wait_s: float | None = None):
        con = open_for_writing(self.database, self.lock_wait_s if lock_wait_s is None else lock_wait_s,
                               config={"custom_user_agent": "dagster", **self.connection_config},
                               log=get_dagster_logger().warning)
        try:
            yield con
        except Exception as exc:
            if not is_storage_error(exc) or isinstance(exc, WarehouseStorageError):
                raise
            con.close()   # first: what is stored is read back through a connection of its own
            raise storage_error(self.database, *_current_step(), exc) from exc
        finally:
            # Closed on failure too: a step that raised (e.g. ChangeLogError) would otherwise keep the
            # file open until garbage collection ("different configuration" for the next connection).
            con.close()


def _current_step() -> tuple[date | None, str]:
    """The partition and the step (asset or check) running now, for an error's words."""
    for kind in (dg.AssetExecutionContext, dg.AssetCheckExecutionContext):
        try:
            context = kind.get()
        except dg.DagsterInvariantViolationError:
            continue
        op = context.op_execution_context
        day = date.fromisoformat(op.partition_key) if op.has_partition_key else None
        checks = list(op.selected_asset_check_keys)
        if checks and kind is dg.AssetCheckExecutionContext:
            return day, f"check {checks[0].name} of {checks[0].asset_key.to_user_string()}"
        return day, " + ".join(k.to_user_string() for k in op.selected_asset_keys) or op.op.name
    return None, "warehouse write"


class PublishedResource(ConfigurableResource):
    """Where readers find the warehouse: the published copy and the Parquet tables."""

    warehouse_copy: str
    parquet_dir: str


class DayTriggerResource(ConfigurableResource):
    """How the /version sensor retries the current data date, and when it must be stored."""

    max_attempts: int = 6            # runs per data date (the first and its retries)
    retry_minutes: int = 15          # wait before retry n: retry_minutes * 2**(n-1)
    freshness_deadline_utc: str = "20:00"  # on a publication day, its data stored by then (UTC)

    def retry_delay(self, attempts_made: int) -> timedelta:
        return timedelta(minutes=self.retry_minutes * 2 ** max(attempts_made - 1, 0))

    def deadline(self) -> time:
        return parse_deadline(self.freshness_deadline_utc)


class CtgovApiResource(ConfigurableResource):
    """The ClinicalTrials.gov API v2. `base_url` may hold `{date}` (the replay's per-day URLs)."""

    base_url: str
    scope_file: str
    requests_per_minute: int = 50
    timeout_s: float = 30.0
    max_retries: int = 6
    backoff_base_s: float = 1.0
    user_agent: str = DEFAULTS["NETPIPELINE_USER_AGENT"]

    def url_for_day(self, day: date | str) -> str:
        return self.base_url.replace("{date}", str(day))

    def current_url(self) -> str:
        """The URL whose /version names the current data date (see client.current_data_url)."""
        return current_data_url(self.base_url)

    def client(self, base_url: str) -> CtgovClient:
        return CtgovClient(
            base_url,
            requests_per_minute=self.requests_per_minute,
            timeout_s=self.timeout_s,
            max_retries=self.max_retries,
            backoff_base_s=self.backoff_base_s,
            user_agent=self.user_agent,
        )

    def scope(self) -> Scope:
        return load_scope(self.scope_file)


def build_resources() -> dict[str, object]:
    return {
        "ctgov": CtgovApiResource(
            base_url=env_or_default("NETPIPELINE_CTGOV_BASE_URL"),
            scope_file=env_or_default("NETPIPELINE_SCOPE"),
            requests_per_minute=int_env_or_default("NETPIPELINE_REQUESTS_PER_MINUTE"),
            user_agent=env_or_default("NETPIPELINE_USER_AGENT"),
        ),
        "warehouse": WarehouseResource(database=env_or_default("NETPIPELINE_WAREHOUSE"),
                                       lock_wait_s=seconds_setting("NETPIPELINE_WAREHOUSE_LOCK_WAIT_S")),
        "published": PublishedResource(warehouse_copy=env_or_default("NETPIPELINE_PUBLISHED_WAREHOUSE"),
                                       parquet_dir=env_or_default("NETPIPELINE_PUBLISHED_PARQUET")),
        "quality_gate": QualityGateResource(volume_drop_max=share_setting("NETPIPELINE_VOLUME_DROP_MAX"),
                                            volume_rise_max=share_setting("NETPIPELINE_VOLUME_RISE_MAX")),
        "day_trigger": DayTriggerResource(
            max_attempts=int_env_or_default("NETPIPELINE_DAY_MAX_ATTEMPTS"),
            retry_minutes=int_env_or_default("NETPIPELINE_DAY_RETRY_MINUTES"),
            freshness_deadline_utc=env_or_default("NETPIPELINE_FRESHNESS_DEADLINE_UTC"),
        ),
        "mail": DigestMailResource(**{
            name: (int_env_or_default if name in mail_config.INT_FIELDS else env_or_default)(env)
            for name, env in mail_config.ENV.items()}),
    }


class DigestMailResource(ConfigurableResource):
    """Who gets digests and how they travel; the fields of `digest.config.DigestConfig` (one per variable)."""

    subscriptions_file: str
    outbox_dir: str
    mail_from: str
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_security: str = "starttls"
    unsubscribe_mailto: str = ""
    unsubscribe_url: str = ""
    secret_key: str = ""

    def config(self) -> mail_config.DigestConfig:
        return mail_config.DigestConfig(**{name: getattr(self, name) for name in mail_config.FIELD_NAMES})
