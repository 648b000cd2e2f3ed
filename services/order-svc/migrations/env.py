"""Alembic environment of order-svc: migrates the `orders` schema only."""

from order_svc.models import metadata
from order_svc.settings import DB_SCHEMA
from taraba_platform.migrations import run_env

run_env(DB_SCHEMA, metadata)
