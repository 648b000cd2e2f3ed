"""Tables of stock-svc, all in the `stock` schema."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from taraba_platform.db import service_metadata
from taraba_platform.tables import add_platform_tables

from stock_svc.settings import DB_SCHEMA

metadata = service_metadata(DB_SCHEMA)
outbox, inbox = add_platform_tables(metadata)

warehouses = sa.Table(
    "warehouses",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("code", sa.Text, nullable=False, unique=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

# One row per product: the per-product event sequence, and the row whose lock serialises every
# change of that product's stock (so sequence order is commit order).
stock_products = sa.Table(
    "stock_products",
    metadata,
    sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
)

stock_levels = sa.Table(
    "stock_levels",
    metadata,
    sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
    sa.Column("warehouse_id", UUID(as_uuid=True), sa.ForeignKey(warehouses.c.id), primary_key=True),
    sa.Column("on_hand", sa.Integer, nullable=False),
    sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
    sa.Column(
        "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
    sa.CheckConstraint("reserved >= 0", name="reserved_not_negative"),
)

stock_movements = sa.Table(
    "stock_movements",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("product_id", UUID(as_uuid=True), nullable=False),
    sa.Column("warehouse_id", UUID(as_uuid=True), sa.ForeignKey(warehouses.c.id), nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column("quantity", sa.Integer, nullable=False),
    sa.Column("on_hand_after", sa.Integer, nullable=False),
    sa.Column("reference", sa.Text),
    sa.Column("note", sa.Text),
    sa.Column("created_by_role", sa.Text, nullable=False),
    sa.Column(
        "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
    ),
    sa.Index("ix_stock_movements_product_created", "product_id", "created_at"),
)
