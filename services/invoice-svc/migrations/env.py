"""Alembic environment of invoice-svc: migrates the `invoice` schema only."""

from invoice_svc.models import metadata
from invoice_svc.settings import DB_SCHEMA
from taraba_platform.migrations import run_env

run_env(DB_SCHEMA, metadata)
