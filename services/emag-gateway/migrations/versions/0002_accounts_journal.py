"""eMAG accounts, the call journal and received notifications.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "emag"


def upgrade() -> None:
    op.create_table(
        "emag_accounts",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("base_url", sa.Text),
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
        sa.UniqueConstraint("name", name="uq_emag_accounts_name"),
        schema=SCHEMA,
    )
    op.create_table(
        "emag_calls",
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
        schema=SCHEMA,
    )
    op.create_index(
        "ix_emag_calls_account_started", "emag_calls", ["account_id", "started_at"], schema=SCHEMA
    )
    op.create_index("ix_emag_calls_started", "emag_calls", ["started_at"], schema=SCHEMA)
    op.create_table(
        "emag_notifications",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("emag_order_id", sa.BigInteger, nullable=False),
        sa.Column(
            "first_received_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column(
            "last_received_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.Column("times_received", sa.Integer, nullable=False, server_default="1"),
        sa.PrimaryKeyConstraint(
            "account_id", "kind", "emag_order_id", name="pk_emag_notifications"
        ),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("emag_notifications", "emag_calls", "emag_accounts"):
        op.drop_table(table, schema=SCHEMA)
