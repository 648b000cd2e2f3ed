"""Alembic environment of picking-svc: migrates the `picking` schema only."""

from picking_svc.models import metadata
from picking_svc.settings import DB_SCHEMA
from taraba_platform.migrations import run_env

run_env(DB_SCHEMA, metadata)
