"""Outbox, inbox, warehouses, stock levels and the stock ledger.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID
from taraba_platform.tables import create_platform_tables_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "stock"


def upgrade() -> None:
    create_platform_tables_v1(op, SCHEMA)
    op.create_table(
        "warehouses",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.UniqueConstraint("code", name="uq_warehouses_code"),
        schema=SCHEMA,
    )
    op.create_table(
        "stock_products",
        sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_table(
        "stock_levels",
        sa.Column("product_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "warehouse_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.warehouses.id"),
            nullable=False,
        ),
        sa.Column("on_hand", sa.Integer, nullable=False),
        sa.Column("reserved", sa.Integer, nullable=False, server_default="0"),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.PrimaryKeyConstraint("product_id", "warehouse_id", name="pk_stock_levels"),
        sa.CheckConstraint("on_hand >= 0", name="ck_stock_levels_on_hand_not_negative"),
        sa.CheckConstraint("reserved >= 0", name="ck_stock_levels_reserved_not_negative"),
        schema=SCHEMA,
    )
    op.create_table(
        "stock_movements",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("product_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "warehouse_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.warehouses.id"),
            nullable=False,
        ),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("quantity", sa.Integer, nullable=False),
        sa.Column("on_hand_after", sa.Integer, nullable=False),
        sa.Column("reference", sa.Text),
        sa.Column("note", sa.Text),
        sa.Column("created_by_role", sa.Text, nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_stock_movements_product_created",
        "stock_movements",
        ["product_id", "created_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "stock_movements",
        "stock_levels",
        "stock_products",
        "warehouses",
        "inbox",
        "outbox",
    ):
        op.drop_table(table, schema=SCHEMA)
