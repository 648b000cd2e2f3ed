"""Categories, characteristics, products and their code indexes.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SCHEMA = "catalog"


def _timestamps() -> list[sa.Column]:  # type: ignore[type-arg]
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column(
            "parent_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.categories.id", name="fk_categories_parent_id_categories"),
            nullable=True,
        ),
        sa.Column("name", sa.Text, nullable=False),
        *_timestamps(),
        schema=SCHEMA,
    )
    # Sibling names are unique (case-insensitive); NULLS NOT DISTINCT covers the roots.
    op.execute(
        f"CREATE UNIQUE INDEX uq_categories_parent_name ON {SCHEMA}.categories "
        "(parent_id, lower(name)) NULLS NOT DISTINCT"
    )
    op.execute(f"CREATE INDEX ix_categories_lower_name ON {SCHEMA}.categories (lower(name))")

    op.create_table(
        "characteristics",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("values", ARRAY(sa.Text), nullable=False, server_default="{}"),
        *_timestamps(),
        schema=SCHEMA,
    )
    op.execute(
        f"CREATE UNIQUE INDEX uq_characteristics_lower_name ON {SCHEMA}.characteristics "
        "(lower(name))"
    )

    op.create_table(
        "products",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("sku", sa.Text, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("brand", sa.Text),
        sa.Column("eans", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("additional_codes", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("pnks", JSONB, nullable=False, server_default="{}"),
        sa.Column("images", ARRAY(sa.Text), nullable=False, server_default="{}"),
        sa.Column("characteristics", JSONB, nullable=False, server_default="{}"),
        sa.Column(
            "category_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.categories.id", name="fk_products_category_id_categories"),
            nullable=True,
        ),
        sa.Column("vat_rate", sa.Numeric(5, 4)),
        sa.Column("warranty_months", sa.Integer),
        sa.Column("weight_kg", sa.Numeric(12, 3)),
        sa.Column("length_cm", sa.Numeric(10, 2)),
        sa.Column("width_cm", sa.Numeric(10, 2)),
        sa.Column("height_cm", sa.Numeric(10, 2)),
        sa.Column("bin_location", sa.Text),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("version", sa.BigInteger, nullable=False),
        *_timestamps(),
        sa.CheckConstraint("vat_rate >= 0 AND vat_rate < 1", name="ck_products_vat_rate"),
        sa.CheckConstraint("version >= 1", name="ck_products_version"),
        schema=SCHEMA,
    )
    op.execute(f"CREATE UNIQUE INDEX uq_products_upper_sku ON {SCHEMA}.products (upper(sku))")
    op.execute(f"CREATE INDEX ix_products_category ON {SCHEMA}.products (category_id)")
    op.execute(f"CREATE INDEX ix_products_lower_brand ON {SCHEMA}.products (lower(brand))")
    op.execute(f"CREATE INDEX ix_products_sku_id ON {SCHEMA}.products (sku, id)")

    op.create_table(
        "product_codes",
        sa.Column("code_key", sa.Text, nullable=False),
        sa.Column("code", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column(
            "product_id",
            UUID(as_uuid=True),
            sa.ForeignKey(
                f"{SCHEMA}.products.id",
                ondelete="CASCADE",
                name="fk_product_codes_product_id_products",
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("code_key", name="pk_product_codes"),
        sa.CheckConstraint(
            "kind IN ('sku', 'ean', 'additional_code')", name="ck_product_codes_kind"
        ),
        schema=SCHEMA,
    )
    op.create_index("ix_product_codes_product_id", "product_codes", ["product_id"], schema=SCHEMA)

    op.create_table(
        "product_pnks",
        sa.Column("platform", sa.Text, nullable=False),
        sa.Column("pnk_key", sa.Text, nullable=False),
        sa.Column("pnk", sa.Text, nullable=False),
        sa.Column(
            "product_id",
            UUID(as_uuid=True),
            sa.ForeignKey(
                f"{SCHEMA}.products.id",
                ondelete="CASCADE",
                name="fk_product_pnks_product_id_products",
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("platform", "pnk_key", name="pk_product_pnks"),
        sa.UniqueConstraint("product_id", "platform", name="uq_product_pnks_product_platform"),
        sa.CheckConstraint("platform IN ('ro', 'bg', 'hu')", name="ck_product_pnks_platform"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("product_pnks", "product_codes", "products", "characteristics", "categories"):
        op.drop_table(table, schema=SCHEMA)
