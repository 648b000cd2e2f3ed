"""Tables of catalog-svc, all in the `catalog` schema.

`products` holds each product's state (its codes included, in order). `product_codes` and
`product_pnks` index those codes: one row per code (SKU, EAN, additional code, keyed
upper-case) and per (platform, PNK), each unique, so a code belongs to one product only and a
lookup by code is one index probe. They are rewritten with the product, in its transaction.
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from taraba_platform.db import service_metadata
from taraba_platform.tables import add_platform_tables

from catalog_svc.settings import DB_SCHEMA

metadata = service_metadata(DB_SCHEMA)
outbox, inbox = add_platform_tables(metadata)


def _timestamps() -> list[sa.Column[object]]:
    return [
        sa.Column(
            "created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
    ]


categories = sa.Table(
    "categories",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("parent_id", UUID(as_uuid=True), sa.ForeignKey("categories.id"), nullable=True),
    sa.Column("name", sa.Text, nullable=False),
    *_timestamps(),
)

characteristics = sa.Table(
    "characteristics",
    metadata,
    sa.Column("id", UUID(as_uuid=True), primary_key=True),
    sa.Column("name", sa.Text, nullable=False),
    sa.Column("values", ARRAY(sa.Text), nullable=False, server_default="{}"),
    *_timestamps(),
)

products = sa.Table(
    "products",
    metadata,
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
    sa.Column("category_id", UUID(as_uuid=True), sa.ForeignKey("categories.id"), nullable=True),
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
)

product_codes = sa.Table(
    "product_codes",
    metadata,
    sa.Column("code_key", sa.Text, primary_key=True),
    sa.Column("code", sa.Text, nullable=False),
    sa.Column("kind", sa.Text, nullable=False),
    sa.Column(
        "product_id",
        UUID(as_uuid=True),
        sa.ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
    ),
)

product_pnks = sa.Table(
    "product_pnks",
    metadata,
    sa.Column("platform", sa.Text, primary_key=True),
    sa.Column("pnk_key", sa.Text, primary_key=True),
    sa.Column("pnk", sa.Text, nullable=False),
    sa.Column(
        "product_id",
        UUID(as_uuid=True),
        sa.ForeignKey("products.id", ondelete="CASCADE"),
        nullable=False,
    ),
    sa.UniqueConstraint("product_id", "platform", name="uq_product_pnks_product_platform"),
)
