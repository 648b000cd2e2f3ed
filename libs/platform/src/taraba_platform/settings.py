"""Service configuration from environment variables, with safe local defaults.

Shared variables carry the `TARABA_` prefix, so one environment (honcho, one `.env`) can feed
all six services: each derives its own database role and schema from its name. Settings are
built inside the app factory, never at import time.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

Role = Literal["admin", "operator", "warehouse"]
ROLES: tuple[Role, ...] = ("admin", "operator", "warehouse")

# Local development only: refused when TARABA_ENVIRONMENT=production (see `tokens`).
DEV_TOKENS = "dev-admin-token:admin,dev-operator-token:operator,dev-warehouse-token:warehouse"


IDENTITY_FIELDS = ("service_name", "db_schema")


class _WithoutIdentity(PydanticBaseSettingsSource):
    """An environment source that cannot set a service's identity: one shared environment
    (honcho, a .env) feeds all services, so TARABA_SERVICE_NAME would rename every one."""

    def __init__(self, inner: PydanticBaseSettingsSource) -> None:
        super().__init__(inner.settings_cls)
        self.inner = inner

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self.inner.get_field_value(field, field_name)

    def __call__(self) -> dict[str, Any]:
        values = dict(self.inner())
        for name in IDENTITY_FIELDS:
            values.pop(name, None)
        return values


class ServiceSettings(BaseSettings):
    """Settings every service has. A service subclasses it to set its identity and add its own."""

    model_config = SettingsConfigDict(env_prefix="TARABA_", extra="ignore")

    # Identity: fixed per service by its subclass, not configured.
    service_name: str = "taraba"
    db_schema: str = "public"

    environment: Literal["development", "test", "production"] = "development"
    log_level: str = "INFO"
    log_json: bool = True

    db_host: str = "127.0.0.1"
    db_port: int = 5432
    db_name: str = "taraba"
    db_user: str | None = Field(default=None, description="Defaults to the service's own role")
    db_password: str = ""
    db_pool_size: int = 5
    database_url: str | None = Field(default=None, description="Overrides the db_* parts when set")

    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    bus_namespace: str = Field(default="", description="Prefix of every exchange and queue name")
    bus_prefetch: int = 16
    bus_publish_timeout: float = 5.0
    bus_retry_delays: list[float] = Field(default=[1.0, 5.0, 30.0, 120.0])
    bus_max_attempts: int = Field(
        default=5, ge=1, description="Handler attempts before dead-letter"
    )
    bus_delivery_limit: int = Field(
        default=10, ge=1, description="Broker redeliveries (crash loops)"
    )
    bus_handler_timeout: float = Field(default=60.0, gt=0, description="Seconds a handler may run")

    relay_batch_size: int = 200
    relay_poll_interval: float = 1.0
    relay_max_backoff: float = 30.0
    relay_retention_days: int = 7
    inbox_retention_days: int = 30
    run_relay: bool = True
    run_consumers: bool = True

    auth_tokens: str = Field(
        default="",
        description="Comma-separated token:role pairs; roles are admin, operator, warehouse",
    )
    cors_origins: list[str] = Field(default=["http://localhost:5173", "http://127.0.0.1:5173"])

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            _WithoutIdentity(env_settings),
            dotenv_settings,
            file_secret_settings,
        )

    @field_validator("bus_namespace")
    @classmethod
    def _namespace_shape(cls, value: str) -> str:
        if value and not value.endswith("."):
            value += "."
        return value

    @property
    def db_role(self) -> str:
        return self.service_name.replace("-", "_")

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        user = self.db_user or self.db_role
        password = f":{quote(self.db_password, safe='')}" if self.db_password else ""
        return f"postgresql+asyncpg://{user}{password}@{self.db_host}:{self.db_port}/{self.db_name}"

    def tokens(self) -> dict[str, Role]:
        """The bearer tokens and their roles, parsed and checked."""
        raw = self.auth_tokens or (DEV_TOKENS if self.environment != "production" else "")
        if not raw.strip():
            raise ValueError("TARABA_AUTH_TOKENS must be set in production")
        tokens: dict[str, Role] = {}
        for pair in filter(None, (part.strip() for part in raw.split(","))):
            token, sep, role = pair.rpartition(":")
            if not sep or not token or role not in ROLES:
                raise ValueError(
                    f"TARABA_AUTH_TOKENS: {pair!r} is not token:role with role in {ROLES}"
                )
            tokens[token] = role
        return tokens
