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

# Background jobs (first sync, import) with per-step progress and a resumable cursor. A job is
# leased by one process at a time; a lease that runs out (the process died) lets another
# process pick the job up where its cursor says.
emag_jobs = sa.Table(
    "emag_jobs",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("account_id", UUID(as_uuid=True), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("params", JSONB, nullable=False, server_default="{}"),
    sa.Column("progress", JSONB, nullable=False, server_default="{}"),
    sa.Column("cursor", JSONB, nullable=False, server_default="{}"),
    sa.Column("error", sa.Text),
    sa.Column("lease_owner", sa.Text),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

# The mirror of eMAG's reference data, per account (each platform has its own ids).
emag_categories = sa.Table(
    "emag_categories",
    metadata,
    sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("emag_id", sa.BigInteger, primary_key=True),
    sa.Column("parent_id", sa.BigInteger),
    sa.Column("name", sa.Text),
    sa.Column("is_allowed", sa.Boolean),
    sa.Column("characteristics", JSONB, comment="null until read for a used category"),
    sa.Column("family_types", JSONB),
    sa.Column(
        "synced_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

emag_vat_rates = sa.Table(
    "emag_vat_rates",
    metadata,
    sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("vat_id", sa.BigInteger, primary_key=True),
    sa.Column("rate", sa.Numeric(6, 4)),
    sa.Column("name", sa.Text),
    sa.Column("is_default", sa.Boolean),
)

emag_handling_times = sa.Table(
    "emag_handling_times",
    metadata,
    sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("days", sa.Integer, primary_key=True),
)

emag_couriers = sa.Table(
    "emag_couriers",
    metadata,
    sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("courier_account_id", sa.BigInteger, primary_key=True),
    sa.Column("name", sa.Text),
    sa.Column("courier_name", sa.Text),
    sa.Column("raw", JSONB, nullable=False),
)

# The staging list: every eMAG offer of the account as last read, with its link state.
emag_offers = sa.Table(
    "emag_offers",
    metadata,
    sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("offer_id", sa.BigInteger, primary_key=True),
    sa.Column("part_number", sa.Text),
    sa.Column("part_number_key", sa.Text),
    sa.Column("eans", JSONB, nullable=False, server_default="[]"),
    sa.Column("name", sa.Text),
    sa.Column("brand", sa.Text),
    sa.Column("category_id", sa.BigInteger),
    sa.Column("raw", JSONB, nullable=False),
    sa.Column(
        "fetched_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Column("link_state", sa.Text, nullable=False, server_default="unlinked"),
    sa.Column("product_id", UUID(as_uuid=True)),
    sa.Column("link_rule", sa.Text),
    sa.Column("candidates", JSONB, nullable=False, server_default="[]"),
    sa.Column("warnings", JSONB, nullable=False, server_default="[]"),
    sa.Column("reason", sa.Text),
    sa.Column("imported_at", sa.DateTime(timezone=True)),
)

# Product <-> eMAG offer, per account. Later issues add the sync options and sync state.
emag_listings = sa.Table(
    "emag_listings",
    metadata,
    sa.Column("account_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("offer_id", sa.BigInteger, primary_key=True),
    sa.Column("product_id", UUID(as_uuid=True), nullable=False),
    sa.Column("link_rule", sa.Text, nullable=False),
    sa.Column(
        "linked_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("ix_emag_listings_product", "product_id"),
)
