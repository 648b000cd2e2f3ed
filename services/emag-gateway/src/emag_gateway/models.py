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

# An eMAG seller account on one platform, with the sync settings later features use.
emag_accounts = sa.Table(
    "emag_accounts",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, nullable=False, unique=True),
    sa.Column("platform", sa.Text, nullable=False),
    sa.Column("base_url", sa.Text, comment="overrides the platform's URL (e.g. the sandbox)"),
    sa.Column("username_encrypted", sa.Text, nullable=False),
    sa.Column("password_encrypted", sa.Text, nullable=False),
    sa.Column("notification_secret", sa.Text, nullable=False),
    sa.Column("stock_warehouse_ids", JSONB, nullable=False, server_default="[]"),
    sa.Column("price_warehouse_id", UUID(as_uuid=True)),
    sa.Column("markup_percent", sa.Numeric(7, 2), nullable=False, server_default="0"),
    sa.Column("safety_buffer", sa.Integer, nullable=False, server_default="0"),
    sa.Column("sync_interval_seconds", sa.Integer, nullable=False, server_default="60"),
    sa.Column("stock_sync_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("price_sync_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("last_check_at", sa.DateTime(timezone=True)),
    sa.Column("last_check_ok", sa.Boolean),
    sa.Column("last_check_kind", sa.Text),
    sa.Column("last_check_message", sa.Text),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

# Every call to eMAG (each attempt), as eMAG asks sellers to keep for 30 days. Credentials are
# never stored here.
emag_calls = sa.Table(
    "emag_calls",
    metadata,
    sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
    sa.Column("account_id", UUID(as_uuid=True)),
    sa.Column("route", sa.Text, nullable=False),
    sa.Column("method", sa.Text, nullable=False),
    sa.Column("request_body", JSONB),
    sa.Column("response_status", sa.Integer),
    sa.Column("response_body", JSONB),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("outcome", sa.Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False, server_default="1"),
    sa.Column("error_message", sa.Text),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
)

# eMAG's new-order and cancellation callbacks as received (the order import consumes them).
emag_notifications = sa.Table(
    "emag_notifications",
    metadata,
    sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("kind", sa.Text, primary_key=True),
    sa.Column("emag_order_id", sa.BigInteger, primary_key=True),
    sa.Column(
        "first_received_at",
        sa.DateTime(timezone=True),
        nullable=False,
        server_default=sa.func.now(),
    ),
    sa.Column(
        "last_received_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("times_received", sa.Integer, nullable=False, server_default="1"),
)
