"""Tables of order-svc. Its domain tables arrive with its features; the outbox and inbox now."""

from taraba_platform.db import service_metadata
from taraba_platform.tables import add_platform_tables

from order_svc.settings import DB_SCHEMA

metadata = service_metadata(DB_SCHEMA)
outbox, inbox = add_platform_tables(metadata)
