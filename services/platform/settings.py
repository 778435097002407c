"""Process settings, read from `PMAAS_*` environment variables (and `.env`)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(SystemExit):
    """Raised with one line per bad setting; exits the process with that text."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PMAAS_", env_file=".env", extra="ignore")

    # Where embedded servers keep their data, the dev secret and the dev lock.
    home: Path = Path(".pmaas")
    # External PostgreSQL, as the runtime role the services connect as (it cannot alter or forget the
    # audit log); when empty the embedded server under `home` is used, as pmaas_runtime.
    database_url: str = ""
    # The schemas' owner, which migrations (`pmaas migrate`, `pmaas dev`) run as; no service holds it.
    # Empty: the embedded server's pmaas_owner, or PMAAS_DATABASE_URL when only that is set (one role
    # for both, which then owns the audit log: a quick start, not production).
    migration_database_url: str = ""
    # A role that may create roles and grant on the database, for `pmaas migrate` to create or update
    # the owner and runtime roles (with the passwords of the two URLs above). Empty: the embedded
    # server's superuser, or no role management for an external server.
    admin_database_url: str = ""
    # External Temporal (host:port); when empty the embedded dev server is used.
    temporal_address: str = ""
    temporal_namespace: str = "default"
    temporal_task_queue: str = "pmaas-governance"

    host: str = "127.0.0.1"
    projects_port: int = Field(50051, ge=1, le=65535)
    risks_port: int = Field(50052, ge=1, le=65535)
    billing_port: int = Field(50053, ge=1, le=65535)
    governance_port: int = Field(50054, ge=1, le=65535)
    gateway_port: int = Field(8000, ge=1, le=65535)
    temporal_port: int = Field(7233, ge=1, le=65535)
    # Where services reach each other (host:port); empty means host:<name>_port.
    projects_target: str = ""
    risks_target: str = ""
    billing_target: str = ""
    governance_target: str = ""
    # Deadline for one service-to-service call.
    call_timeout_s: float = Field(5.0, gt=0, le=120)
    temporal_ui_port: int = Field(8233, ge=1, le=65535)

    # Tokens: HS256 with a dev secret generated under `home` on first use, or
    # RS256 with a configured public key (PEM file) in production.
    jwt_algorithm: str = "HS256"
    jwt_secret: str = ""
    jwt_public_key_file: Path | None = None
    jwt_issuer: str = "pmaas"
    jwt_audience: str = "pmaas"
    # The governance worker's own token (orgs {"*": ["governance"]}); dev mints one when empty.
    governance_token: str = ""

    db_pool_min: int = Field(1, ge=0, le=100)
    db_pool_max: int = Field(10, ge=1, le=500)
    db_statement_timeout_ms: int = Field(10_000, ge=100)
    # AIP-155 request ids are kept this long, then pruned: longer than a workflow retries a mutating
    # activity (workflows/ids.py MUTATION_RETRY_HORIZON, 7 days), so a retry always finds its response.
    idempotency_retention_days: int = Field(30, ge=8, le=3650)
    # Each service process prunes its schema's expired keys this often, this many rows per DELETE.
    idempotency_prune_interval_s: float = Field(3600.0, ge=1, le=86_400)
    idempotency_prune_batch: int = Field(1000, ge=1, le=100_000)
    grace_period_s: float = Field(10.0, ge=0, le=300)
    # Workflow runs the worker keeps in memory (Temporal's sticky cache: max_cached_workflows). A run evicted from
    # it is rebuilt by replaying its history on its next task. Bounds most of the worker's memory (make bench).
    worker_cache_size: int = Field(1000, ge=0, le=100_000)
    # Webhooks (events out) may then be http:// to a loopback host: `pmaas dev` and tests set it. Otherwise
    # only https:// to a public address is accepted.
    webhook_allow_loopback: bool = False
    # The gateway's browser pages: the key that signs and encrypts their session cookie. Empty: a random key per
    # process (sessions end when it restarts), so replicas behind one address must all be given the same key.
    gateway_session_secret: SecretStr = SecretStr("")
    # The sign-in page also offers the demo people (services/demo/roster.py) and mints their tokens: dev only
    # (`pmaas dev` turns it on); off, the picker is neither shown nor served.
    gateway_dev_signin: bool = False
    # `pmaas dev` seeds the demo (services/demo/seed.py) on its first start with this home; false skips it.
    demo: bool = True
    log_level: str = "INFO"
    # Prometheus metrics: GET /metrics on host:metrics_port (services/platform/metrics.py); 0 serves none. Each
    # process needs its own port (`pmaas dev` gives each one). The governance service recomputes its business
    # gauges (open tasks, escalations, breaches, failed billing cycles) from its read model this often.
    metrics_port: int = Field(0, ge=0, le=65535)
    metrics_refresh_s: float = Field(15.0, ge=0.1, le=3600)

    @field_validator("jwt_algorithm")
    @classmethod
    def _known_algorithm(cls, value: str) -> str:
        if value not in ("HS256", "RS256"):
            raise ValueError("must be HS256 (dev) or RS256 (production)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        value = value.upper()
        if value not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value

    @field_validator("database_url", "migration_database_url", "admin_database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        if value and not value.startswith(("postgres://", "postgresql://")):
            raise ValueError("must be a postgresql:// URL")
        return value

    @field_validator("jwt_public_key_file")
    @classmethod
    def _readable(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"{value} is not a readable file")
        return value

    @property
    def home_dir(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home.resolve()

    def port_of(self, component: str) -> int:
        return getattr(self, f"{component}_port")

    def target_of(self, component: str) -> str:
        return getattr(self, f"{component}_target") or f"{self.host}:{self.port_of(component)}"


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or a SystemExit naming every bad value."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            lines.append(f"  PMAAS_{field.upper()}: {err['msg']} (got {err.get('input')!r})")
        raise SettingsError("invalid settings:\n" + "\n".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
