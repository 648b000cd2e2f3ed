"""Alembic environment of stock-svc: migrates the `stock` schema only."""

from stock_svc.models import metadata
from stock_svc.settings import DB_SCHEMA
from taraba_platform.migrations import run_env

run_env(DB_SCHEMA, metadata)
