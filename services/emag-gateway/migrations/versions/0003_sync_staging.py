"""Jobs, the mirror of eMAG reference data, the staging list of offers, and listings.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "emag"


def _now() -> sa.TextClause:
    return sa.text("now()")


def upgrade() -> None:
    op.create_table(
        "emag_jobs",
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
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_emag_jobs_pending",
        "emag_jobs",
        ["created_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("status IN ('queued', 'running')"),
    )
    op.create_index(
        "ix_emag_jobs_account", "emag_jobs", ["account_id", "created_at"], schema=SCHEMA
    )
    op.create_table(
        "emag_categories",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("emag_id", sa.BigInteger, nullable=False),
        sa.Column("parent_id", sa.BigInteger),
        sa.Column("name", sa.Text),
        sa.Column("is_allowed", sa.Boolean),
        sa.Column("characteristics", JSONB),
        sa.Column("family_types", JSONB),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("account_id", "emag_id", name="pk_emag_categories"),
        schema=SCHEMA,
    )
    op.create_table(
        "emag_vat_rates",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("vat_id", sa.BigInteger, nullable=False),
        sa.Column("rate", sa.Numeric(6, 4)),
        sa.Column("name", sa.Text),
        sa.Column("is_default", sa.Boolean),
        sa.PrimaryKeyConstraint("account_id", "vat_id", name="pk_emag_vat_rates"),
        schema=SCHEMA,
    )
    op.create_table(
        "emag_handling_times",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("days", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "days", name="pk_emag_handling_times"),
        schema=SCHEMA,
    )
    op.create_table(
        "emag_couriers",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("courier_account_id", sa.BigInteger, nullable=False),
        sa.Column("name", sa.Text),
        sa.Column("courier_name", sa.Text),
        sa.Column("raw", JSONB, nullable=False),
        sa.PrimaryKeyConstraint("account_id", "courier_account_id", name="pk_emag_couriers"),
        schema=SCHEMA,
    )
    op.create_table(
        "emag_offers",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("offer_id", sa.BigInteger, nullable=False),
        sa.Column("part_number", sa.Text),
        sa.Column("part_number_key", sa.Text),
        sa.Column("eans", JSONB, nullable=False, server_default="[]"),
        sa.Column("name", sa.Text),
        sa.Column("brand", sa.Text),
        sa.Column("category_id", sa.BigInteger),
        sa.Column("raw", JSONB, nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.Column("link_state", sa.Text, nullable=False, server_default="unlinked"),
        sa.Column("product_id", UUID(as_uuid=True)),
        sa.Column("link_rule", sa.Text),
        sa.Column("candidates", JSONB, nullable=False, server_default="[]"),
        sa.Column("warnings", JSONB, nullable=False, server_default="[]"),
        sa.Column("reason", sa.Text),
        sa.Column("imported_at", sa.DateTime(timezone=True)),
        sa.PrimaryKeyConstraint("account_id", "offer_id", name="pk_emag_offers"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_emag_offers_state", "emag_offers", ["account_id", "link_state"], schema=SCHEMA
    )
    op.create_table(
        "emag_listings",
        sa.Column("account_id", UUID(as_uuid=True), nullable=False),
        sa.Column("offer_id", sa.BigInteger, nullable=False),
        sa.Column("product_id", UUID(as_uuid=True), nullable=False),
        sa.Column("link_rule", sa.Text, nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False, server_default=_now()),
        sa.PrimaryKeyConstraint("account_id", "offer_id", name="pk_emag_listings"),
        schema=SCHEMA,
    )
    op.create_index("ix_emag_listings_product", "emag_listings", ["product_id"], schema=SCHEMA)


def downgrade() -> None:
    for table in (
        "emag_listings",
        "emag_offers",
        "emag_couriers",
        "emag_handling_times",
        "emag_vat_rates",
        "emag_categories",
        "emag_jobs",
    ):
        op.drop_table(table, schema=SCHEMA)
