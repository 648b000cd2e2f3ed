"""Alembic environment of emag-gateway: migrates the `emag` schema only."""

from emag_gateway.models import metadata
from emag_gateway.settings import DB_SCHEMA
from taraba_platform.migrations import run_env

run_env(DB_SCHEMA, metadata)
