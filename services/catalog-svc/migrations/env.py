"""Alembic environment of catalog-svc: migrates the `catalog` schema only."""

from catalog_svc.models import metadata
from catalog_svc.settings import DB_SCHEMA
from taraba_platform.migrations import run_env

run_env(DB_SCHEMA, metadata)
