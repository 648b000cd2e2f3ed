"""Configuration of picking-svc: the shared TARABA_* variables, with this service's identity."""

from __future__ import annotations

from taraba_platform.settings import ServiceSettings

SERVICE_NAME = "picking-svc"
DB_SCHEMA = "picking"
DEFAULT_PORT = 8006


class PickingSvcSettings(ServiceSettings):
    service_name: str = SERVICE_NAME
    db_schema: str = DB_SCHEMA
