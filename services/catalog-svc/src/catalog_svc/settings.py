"""Configuration of catalog-svc: the shared TARABA_* variables, with this service's identity."""

from __future__ import annotations

from taraba_platform.settings import ServiceSettings

SERVICE_NAME = "catalog-svc"
DB_SCHEMA = "catalog"
DEFAULT_PORT = 8001


class CatalogSvcSettings(ServiceSettings):
    service_name: str = SERVICE_NAME
    db_schema: str = DB_SCHEMA
