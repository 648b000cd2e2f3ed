"""Configuration of emag-gateway: the shared TARABA_* variables, with this service's identity."""

from __future__ import annotations

from pydantic import Field
from taraba_platform.settings import ServiceSettings

SERVICE_NAME = "emag-gateway"
DB_SCHEMA = "emag"
DEFAULT_PORT = 8004

# Development only; refused when TARABA_ENVIRONMENT=production (see credentials_keys()).
DEV_CREDENTIALS_KEY = "dGFyYWJhLWRldi1vbmx5LWtleS1ub3QtZm9yLXByb2Q="


class EmagGatewaySettings(ServiceSettings):
    service_name: str = SERVICE_NAME
    db_schema: str = DB_SCHEMA

    emag_credentials_keys: str = Field(
        default="",
        description="Comma-separated Fernet keys (urlsafe base64 of 32 bytes) that encrypt eMAG "
        "credentials; the first encrypts, all decrypt (rotation). Generate one with "
        "Fernet.generate_key() from the cryptography package",
    )
    gateway_public_url: str = Field(
        default="http://127.0.0.1:8004",
        description="The gateway's address as eMAG sees it; the callback URL shown for each "
        "account is built from it",
    )
    emag_http_timeout: float = Field(default=30.0, gt=0)
    run_jobs: bool = Field(
        default=True, description="Run background jobs (sync, import) in this process"
    )
    catalog_url: str = Field(
        default="http://127.0.0.1:8001",
        description="catalog-svc's base URL (the import calls its API)",
    )
    service_token: str = Field(
        default="",
        description="Bearer token (operator role) the "
        "gateway presents to catalog-svc; development: the dev token",
    )
    emag_journal_retention_days: int = Field(default=30, ge=1)

    def credentials_keys(self) -> list[str]:
        keys = [k.strip() for k in self.emag_credentials_keys.split(",") if k.strip()]
        if not keys:
            if self.environment == "production":
                raise ValueError("TARABA_EMAG_CREDENTIALS_KEYS must be set in production")
            keys = [DEV_CREDENTIALS_KEY]
        return keys
