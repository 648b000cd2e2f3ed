"""Tables of emag-gateway, all in the `emag` schema."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from taraba_platform.db import service_metadata
from taraba_platform.tables import add_platform_tables

from emag_gateway.settings import DB_SCHEMA

metadata = service_metadata(DB_SCHEMA)
outbox, inbox = add_platform_tables(metadata)

# The stock the gateway wants eMAG to show, per product, as last told by stock-svc. The sync
# flusher (per account: sum of the account's chosen warehouses, minus the safety buffer) reads
# it; `changed_at` newer than a listing's last confirmed send means the listing is dirty.
desired_stock = sa.Table(
    "desired_stock",
    metadata,
    sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
    sa.Column(
        "levels",
        JSONB,
        nullable=False,
        comment="[{warehouse_id, warehouse_code, on_hand, reserved, available}]",
    ),
    sa.Column("source_sequence", sa.BigInteger, nullable=False),
    sa.Column("source_event_id", UUID(as_uuid=True), nullable=False),
    sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column(
        "changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)
