"""Outbox, inbox and the desired stock per product.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID
from taraba_platform.tables import create_platform_tables_v1

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "emag"


def upgrade() -> None:
    create_platform_tables_v1(op, SCHEMA)
    op.create_table(
        "desired_stock",
        sa.Column("product_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("levels", JSONB, nullable=False),
        sa.Column("source_sequence", sa.BigInteger, nullable=False),
        sa.Column("source_event_id", UUID(as_uuid=True), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_desired_stock_changed_at", "desired_stock", ["changed_at"], schema=SCHEMA)


def downgrade() -> None:
    for table in ("desired_stock", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
