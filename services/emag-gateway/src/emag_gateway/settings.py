"""Configuration of emag-gateway: the shared TARABA_* variables, with this service's identity."""

from __future__ import annotations

from taraba_platform.settings import ServiceSettings

SERVICE_NAME = "emag-gateway"
DB_SCHEMA = "emag"
DEFAULT_PORT = 8004


class EmagGatewaySettings(ServiceSettings):
    service_name: str = SERVICE_NAME
    db_schema: str = DB_SCHEMA
