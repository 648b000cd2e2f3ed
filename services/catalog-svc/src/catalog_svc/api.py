"""catalog-svc's HTTP API: products and their codes, bulk writes, CSV export, the eMAG import
matching, categories and characteristics. Reads for every role; writes for admin and operator."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, Any, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from taraba_platform.auth import require_role
from taraba_platform.deps import IdempotencyKey, Limit, Offset, SessionDep
from taraba_platform.errors import Conflict, NotFound, Unprocessable
from taraba_platform.http import get_runtime, idempotent_write

from catalog_svc.domain import PLATFORMS, Platform, code_key, plain_decimal
from catalog_svc.models import categories, characteristics, product_codes, product_pnks, products
from catalog_svc.schemas import (
    BulkIn,
    BulkItemResult,
    BulkResult,
    CategoryIn,
    CategoryNode,
    CategoryOut,
    CategoryPatch,
    CharacteristicIn,
    CharacteristicOut,
    CharacteristicPatch,
    CodeIn,
    ImportIn,
    ImportItemOut,
    ImportOut,
    ItemError,
    Page,
    ProductIn,
    ProductOut,
    ProductPatch,
)
from catalog_svc.service import (
    Written,
    add_code,
    all_categories,
    bulk_upsert,
    category_out,
    category_tree,
    create_product,
    descendants,
    ensure_category_parent,
    get_product,
    import_offers,
    product_out,
    remove_code,
    row_to_state,
    update_product,
)

router = APIRouter()
T = TypeVar("T")

WRITERS = [Depends(require_role("operator"))]
RETRYABLE_STATES = {"40P01", "40001", "23505"}  # deadlock, serialization, unique violation


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(state) if state else None


async def retrying(run: Callable[[], Awaitable[T]], attempts: int = 4) -> T:
    """Run a write transaction again when a concurrent one claimed the same code first (the
    unique index) or the database broke a deadlock; the retry sees the other's result."""
    for attempt in range(attempts):
        try:
            return await run()
        except DBAPIError as exc:
            if _sqlstate(exc) not in RETRYABLE_STATES:
                raise
            if attempt == attempts - 1:
                if isinstance(exc, IntegrityError):
                    raise Conflict(
                        "a code or PNK was claimed by a concurrent write; retry the request"
                    ) from None
                raise
    raise AssertionError("unreachable")


async def write(
    request: Request,
    session: AsyncSession,
    key: str | None,
    action: Callable[[], Awaitable[tuple[int, BaseModel]]],
) -> JSONResponse:
    return await retrying(lambda: idempotent_write(request, session, key, action))


def _out(written: Written) -> ProductOut:
    return ProductOut.model_validate(product_out(written.state))


# --- products ---------------------------------------------------------------------------------


@router.post(
    "/products",
    status_code=201,
    response_model=ProductOut,
    tags=["products"],
    summary="Create a product",
    description="Emits `catalog.product_created.v1`. A SKU, EAN or additional code that "
    "another product has (as any of the three) is refused with 409 naming the field.",
    dependencies=WRITERS,
)
async def create(
    body: ProductIn, request: Request, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def action() -> tuple[int, ProductOut]:
        return 201, _out(await create_product(session, body))

    return await write(request, session, idempotency_key, action)


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def product_filters(
    session: AsyncSession,
    *,
    name: str | None,
    brand: str | None,
    category_id: uuid.UUID | None,
    include_subcategories: bool,
    active: bool | None,
    q: str | None,
    code: str | None,
    pnk: str | None,
    platform: Platform | None,
) -> list[Any]:
    conditions: list[Any] = []
    if name:
        conditions.append(products.c.name.ilike(_like(name), escape="\\"))
    if brand:
        conditions.append(sa.func.lower(products.c.brand) == brand.strip().lower())
    if category_id is not None:
        if include_subcategories:
            ids = descendants(await all_categories(session), category_id)
            conditions.append(products.c.category_id.in_(sorted(ids, key=str)))
        else:
            conditions.append(products.c.category_id == category_id)
    if active is not None:
        conditions.append(products.c.active == active)
    if code:
        conditions.append(
            products.c.id.in_(
                sa.select(product_codes.c.product_id).where(
                    product_codes.c.code_key == code_key(code)
                )
            )
        )
    if pnk:
        pnk_query = sa.select(product_pnks.c.product_id).where(
            product_pnks.c.pnk_key == pnk.strip().upper()
        )
        if platform:
            pnk_query = pnk_query.where(product_pnks.c.platform == platform)
        conditions.append(products.c.id.in_(pnk_query))
    if q and q.strip():
        text = q.strip()
        conditions.append(
            sa.or_(
                products.c.name.ilike(_like(text), escape="\\"),
                products.c.sku.ilike(_like(text), escape="\\"),
                products.c.brand.ilike(_like(text), escape="\\"),
                products.c.id.in_(
                    sa.select(product_codes.c.product_id).where(
                        product_codes.c.code_key == code_key(text)
                    )
                ),
            )
        )
    return conditions


Name = Annotated[str | None, Query(max_length=500, description="Part of the name")]
Brand = Annotated[str | None, Query(max_length=200, description="The brand, any case")]
SearchText = Annotated[
    str | None, Query(max_length=500, description="Name, SKU or brand contains it, or a code")
]
CodeQuery = Annotated[
    str | None, Query(max_length=200, description="Exact SKU, EAN or additional code (any case)")
]
PnkQuery = Annotated[str | None, Query(max_length=64, description="eMAG PNK")]


@router.get(
    "/products",
    response_model=Page[ProductOut],
    tags=["products"],
    summary="List and search products",
    description="`code` finds the product whose SKU, EAN or additional code it is. "
    "`category_id` includes its subcategories unless `include_subcategories=false`.",
)
async def list_products(
    session: SessionDep,
    name: Name = None,
    brand: Brand = None,
    category_id: uuid.UUID | None = None,
    include_subcategories: bool = True,
    active: bool | None = None,
    q: SearchText = None,
    code: CodeQuery = None,
    pnk: PnkQuery = None,
    platform: Platform | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    conditions = await product_filters(
        session,
        name=name,
        brand=brand,
        category_id=category_id,
        include_subcategories=include_subcategories,
        active=active,
        q=q,
        code=code,
        pnk=pnk,
        platform=platform,
    )
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(products).where(*conditions)
    )
    rows = await session.execute(
        sa.select(products)
        .where(*conditions)
        .order_by(products.c.sku, products.c.id)
        .limit(limit)
        .offset(offset)
    )
    return {
        "items": [product_out(row_to_state(r)) for r in rows],
        "total": total or 0,
        "limit": limit,
        "offset": offset,
    }


CSV_COLUMNS = [
    "id",
    "sku",
    "name",
    "brand",
    "eans",
    "additional_codes",
    *(f"pnk_{p}" for p in PLATFORMS),
    "category_id",
    "vat_rate",
    "warranty_months",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "bin_location",
    "active",
    "images",
    "characteristics",
    "description",
    "version",
    "updated_at",
]


def _csv_row(row: Any) -> list[Any]:
    m = row._mapping
    pnks = m["pnks"] or {}
    return [
        m["id"],
        m["sku"],
        m["name"],
        m["brand"] or "",
        "|".join(m["eans"]),
        "|".join(m["additional_codes"]),
        *(pnks.get(p, "") for p in PLATFORMS),
        m["category_id"] or "",
        plain_decimal(m["vat_rate"]) if m["vat_rate"] is not None else "",
        "" if m["warranty_months"] is None else m["warranty_months"],
        *(
            plain_decimal(m[f]) if m[f] is not None else ""
            for f in ("weight_kg", "length_cm", "width_cm", "height_cm")
        ),
        m["bin_location"] or "",
        "true" if m["active"] else "false",
        "|".join(m["images"]),
        json.dumps(m["characteristics"], ensure_ascii=False, sort_keys=True),
        m["description"] or "",
        m["version"],
        m["updated_at"].isoformat(),
    ]


@router.get(
    "/products/export.csv",
    tags=["products"],
    summary="Export products as CSV (streamed)",
    description="UTF-8 CSV with a header row; lists joined with `|`, characteristics as JSON. "
    "Takes the filters of GET /products. Streams from a server-side cursor, so 20,000 "
    "products cost no more memory than 20.",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
async def export_csv(
    request: Request,
    session: SessionDep,
    name: Name = None,
    brand: Brand = None,
    category_id: uuid.UUID | None = None,
    include_subcategories: bool = True,
    active: bool | None = None,
    q: SearchText = None,
) -> StreamingResponse:
    conditions = await product_filters(
        session,
        name=name,
        brand=brand,
        category_id=category_id,
        include_subcategories=include_subcategories,
        active=active,
        q=q,
        code=None,
        pnk=None,
        platform=None,
    )
    await session.close()
    engine = get_runtime(request).engine
    query = sa.select(products).where(*conditions).order_by(products.c.sku, products.c.id)

    async def rows() -> AsyncIterator[bytes]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        async with engine.connect() as conn:
            result = await conn.stream(query.execution_options(yield_per=500))
            async for partition in result.partitions(500):
                for row in partition:
                    writer.writerow(_csv_row(row))
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
        if buffer.tell():
            yield buffer.getvalue().encode()
        else:
            yield b""

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="products.csv"'},
    )


@router.post(
    "/products/bulk",
    response_model=BulkResult,
    tags=["products"],
    summary="Create or update up to 1000 products by SKU",
    description="One transaction for the request, one result per item in request order. An "
    "item that is invalid or conflicts is reported (`outcome: error` with code, message and "
    "field) and the others are still written. An existing SKU is updated with the fields the "
    "item sends; a product whose fields are all equal is `unchanged` and emits nothing.",
    dependencies=WRITERS,
)
async def bulk(
    body: BulkIn, request: Request, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def action() -> tuple[int, BulkResult]:
        answers = await bulk_upsert(session, body.items)
        results = [
            BulkItemResult(
                index=a.index,
                sku=a.sku,
                outcome=a.outcome,
                product_id=a.product_id,
                version=a.version,
                error=ItemError(code=a.error.code, message=a.error.message, field=a.error.field)
                if a.error
                else None,
            )
            for a in answers
        ]
        counts = {k: sum(r.outcome == k for r in results) for k in ("created", "updated")}
        return 200, BulkResult(
            created=counts["created"],
            updated=counts["updated"],
            unchanged=sum(r.outcome == "unchanged" for r in results),
            errors=sum(r.outcome == "error" for r in results),
            results=results,
        )

    return await write(request, session, idempotency_key, action)


@router.post(
    "/products/import",
    response_model=ImportOut,
    tags=["import"],
    summary="Match eMAG offers against the catalog; link, create or report each",
    description="For emag-gateway's import job, in batches (up to 1000 offers, 200 usual). "
    "Each offer's codes and EANs are looked up against SKUs, EANs and additional codes; "
    "one product -> `linked` (rule sku/ean/additional_code), several -> `ambiguous` with the "
    "candidates; none -> its PNK against the products' PNKs for the platform (`linked`, rule "
    "pnk); none -> `created` from eMAG's data. `held` (with a reason) when it cannot be "
    "imported safely. Bad values are dropped with warnings; one bad offer never fails the "
    "batch. Results in request order. Importing the same offers again creates nothing.",
    dependencies=WRITERS,
)
async def import_batch(
    body: ImportIn, request: Request, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def action() -> tuple[int, ImportOut]:
        plan = await import_offers(session, body)
        return 200, ImportOut(
            results=[
                ImportItemOut(
                    key=r.key,
                    outcome=r.outcome,
                    product_id=r.product_id,
                    rule=r.rule,
                    candidates=r.candidates,
                    details_updated=r.details_updated,
                    warnings=r.warnings,
                    reason=r.reason,
                )
                for r in plan.results
            ]
        )

    return await write(request, session, idempotency_key, action)


@router.get("/products/{product_id}", response_model=ProductOut, tags=["products"])
async def read_product(product_id: uuid.UUID, session: SessionDep) -> dict[str, Any]:
    return product_out(await get_product(session, product_id))


@router.patch(
    "/products/{product_id}",
    response_model=ProductOut,
    tags=["products"],
    summary="Change a product",
    description="Only the fields sent change; lists and maps are replaced whole (send [] or "
    "null to empty them). Emits `catalog.product_updated.v1` if anything changed.",
    dependencies=WRITERS,
)
async def patch_product(
    product_id: uuid.UUID,
    body: ProductPatch,
    request: Request,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if not body.model_fields_set:
        raise Unprocessable("nothing to change", "body")

    async def action() -> tuple[int, ProductOut]:
        return 200, _out(await update_product(session, product_id, body))

    return await write(request, session, idempotency_key, action)


@router.delete(
    "/products/{product_id}",
    response_model=ProductOut,
    tags=["products"],
    summary="Deactivate a product",
    description="Products are never erased (orders and invoices refer to them): the product "
    "becomes inactive and keeps its codes. PATCH `active: true` brings it back.",
    dependencies=WRITERS,
)
async def delete_product(
    product_id: uuid.UUID, request: Request, session: SessionDep
) -> JSONResponse:
    async def action() -> tuple[int, ProductOut]:
        return 200, _out(await update_product(session, product_id, ProductPatch(active=False)))

    return await write(request, session, None, action)


@router.post(
    "/products/{product_id}/codes",
    status_code=201,
    response_model=ProductOut,
    tags=["products"],
    summary="Add an additional code (e.g. eMAG's part number, before an import)",
    description="409 (field `code`) when another product has it as SKU, EAN or additional "
    "code, or it is already this product's SKU or EAN.",
    dependencies=WRITERS,
)
async def post_code(
    product_id: uuid.UUID,
    body: CodeIn,
    request: Request,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action() -> tuple[int, ProductOut]:
        return 201, _out(await add_code(session, product_id, body.code))

    return await write(request, session, idempotency_key, action)


@router.delete(
    "/products/{product_id}/codes/{code}",
    response_model=ProductOut,
    tags=["products"],
    summary="Remove an additional code",
    dependencies=WRITERS,
)
async def delete_code(
    product_id: uuid.UUID, code: str, request: Request, session: SessionDep
) -> JSONResponse:
    async def action() -> tuple[int, ProductOut]:
        return 200, _out(await remove_code(session, product_id, code))

    return await write(request, session, None, action)


# --- categories -------------------------------------------------------------------------------


def _sibling_conflict(name: str) -> Conflict:
    return Conflict(f"a category named {name!r} already exists at that level", "name")


async def _sibling_exists(
    session: AsyncSession, parent_id: uuid.UUID | None, name: str, other_than: uuid.UUID | None
) -> bool:
    query = sa.select(categories.c.id).where(
        sa.func.lower(categories.c.name) == name.lower(),
        categories.c.parent_id.is_(None)
        if parent_id is None
        else categories.c.parent_id == parent_id,
    )
    if other_than is not None:
        query = query.where(categories.c.id != other_than)
    return (await session.scalar(query)) is not None


@router.post(
    "/categories",
    status_code=201,
    response_model=CategoryOut,
    tags=["categories"],
    summary="Create a category (under a parent, or at the root)",
    dependencies=WRITERS,
)
async def create_category(
    body: CategoryIn, request: Request, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def action() -> tuple[int, CategoryOut]:
        await ensure_category_parent(session, body.parent_id)
        if await _sibling_exists(session, body.parent_id, body.name, None):
            raise _sibling_conflict(body.name)
        new_id = uuid.uuid4()
        await session.execute(
            categories.insert().values(id=new_id, name=body.name, parent_id=body.parent_id)
        )
        rows = await all_categories(session)
        return 201, CategoryOut.model_validate(category_out(rows, new_id))

    try:
        return await idempotent_write(request, session, idempotency_key, action)
    except IntegrityError:
        raise _sibling_conflict(body.name) from None


@router.get(
    "/categories",
    response_model=list[CategoryNode],
    tags=["categories"],
    summary="The category tree (roots, each with its children, by name)",
)
async def list_categories(session: SessionDep) -> list[dict[str, Any]]:
    return category_tree(await all_categories(session))


@router.get("/categories/{category_id}", response_model=CategoryOut, tags=["categories"])
async def read_category(category_id: uuid.UUID, session: SessionDep) -> dict[str, Any]:
    rows = await all_categories(session)
    if category_id not in rows:
        raise NotFound(f"category {category_id} does not exist", "category_id")
    return category_out(rows, category_id)


@router.patch(
    "/categories/{category_id}",
    response_model=CategoryOut,
    tags=["categories"],
    summary="Rename or move a category",
    dependencies=WRITERS,
)
async def patch_category(
    category_id: uuid.UUID, body: CategoryPatch, session: SessionDep
) -> dict[str, Any]:
    try:
        async with session.begin():
            await session.execute(sa.text("LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE"))
            rows = await all_categories(session)
            if category_id not in rows:
                raise NotFound(f"category {category_id} does not exist", "category_id")
            current = rows[category_id]
            name = body.name or current.name
            parent = current.parent_id
            if body.to_root:
                parent = None
            elif body.parent_id is not None:
                if body.parent_id not in rows:
                    raise Unprocessable(
                        f"category {body.parent_id} does not exist", "parent_id", "unknown_category"
                    )
                if body.parent_id in descendants(rows, category_id):
                    raise Conflict(
                        "a category cannot move under itself or its own subcategory", "parent_id"
                    )
                parent = body.parent_id
            if await _sibling_exists(session, parent, name, category_id):
                raise _sibling_conflict(name)
            await session.execute(
                categories.update()
                .where(categories.c.id == category_id)
                .values(name=name, parent_id=parent, updated_at=sa.func.now())
            )
            rows = await all_categories(session)
            return category_out(rows, category_id)
    except IntegrityError:
        raise _sibling_conflict(body.name or "") from None


@router.delete(
    "/categories/{category_id}",
    status_code=204,
    tags=["categories"],
    summary="Delete an empty category (no subcategories, no products)",
    dependencies=WRITERS,
)
async def delete_category(category_id: uuid.UUID, session: SessionDep) -> Response:
    async with session.begin():
        await session.execute(sa.text("LOCK TABLE categories IN SHARE ROW EXCLUSIVE MODE"))
        exists = await session.scalar(
            sa.select(categories.c.id).where(categories.c.id == category_id)
        )
        if exists is None:
            raise NotFound(f"category {category_id} does not exist", "category_id")
        children = await session.scalar(
            sa.select(sa.func.count()).where(categories.c.parent_id == category_id)
        )
        if children:
            raise Conflict(f"the category has {children} subcategories", "category_id")
        used = await session.scalar(
            sa.select(sa.func.count())
            .select_from(products)
            .where(products.c.category_id == category_id)
        )
        if used:
            raise Conflict(f"{used} products are in the category", "category_id")
        await session.execute(categories.delete().where(categories.c.id == category_id))
    return Response(status_code=204)


# --- characteristics --------------------------------------------------------------------------


def _dedupe(values: list[str]) -> list[str]:
    seen: set[str] = set()
    result: list[str] = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            result.append(value)
    return result


def _characteristic_conflict(name: str) -> Conflict:
    return Conflict(f"a characteristic named {name!r} exists", "name")


@router.post(
    "/characteristics",
    status_code=201,
    response_model=CharacteristicOut,
    tags=["characteristics"],
    summary="Define a characteristic and its allowed values (none: any value)",
    dependencies=WRITERS,
)
async def create_characteristic(
    body: CharacteristicIn,
    request: Request,
    session: SessionDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action() -> tuple[int, CharacteristicOut]:
        exists = await session.scalar(
            sa.select(characteristics.c.id).where(
                sa.func.lower(characteristics.c.name) == body.name.lower()
            )
        )
        if exists:
            raise _characteristic_conflict(body.name)
        row = (
            await session.execute(
                characteristics.insert()
                .values(id=uuid.uuid4(), name=body.name, values=_dedupe(body.values))
                .returning(*characteristics.c)
            )
        ).one()
        return 201, CharacteristicOut.model_validate(dict(row._mapping))

    try:
        return await idempotent_write(request, session, idempotency_key, action)
    except IntegrityError:
        raise _characteristic_conflict(body.name) from None


@router.get("/characteristics", response_model=list[CharacteristicOut], tags=["characteristics"])
async def list_characteristics(session: SessionDep) -> list[dict[str, Any]]:
    rows = await session.execute(
        sa.select(characteristics).order_by(sa.func.lower(characteristics.c.name))
    )
    return [dict(r._mapping) for r in rows]


@router.get(
    "/characteristics/{characteristic_id}",
    response_model=CharacteristicOut,
    tags=["characteristics"],
)
async def read_characteristic(characteristic_id: uuid.UUID, session: SessionDep) -> dict[str, Any]:
    row = (
        await session.execute(
            sa.select(characteristics).where(characteristics.c.id == characteristic_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"characteristic {characteristic_id} does not exist", "characteristic_id")
    return dict(row._mapping)


@router.patch(
    "/characteristics/{characteristic_id}",
    response_model=CharacteristicOut,
    tags=["characteristics"],
    summary="Rename a characteristic or replace its allowed values",
    dependencies=WRITERS,
)
async def patch_characteristic(
    characteristic_id: uuid.UUID, body: CharacteristicPatch, session: SessionDep
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if body.name is not None:
        changes["name"] = body.name
    if body.values is not None:
        changes["values"] = _dedupe(body.values)
    if not changes:
        raise Unprocessable("nothing to change: send name or values", "body")
    try:
        async with session.begin():
            row = (
                await session.execute(
                    characteristics.update()
                    .where(characteristics.c.id == characteristic_id)
                    .values(**changes, updated_at=sa.func.now())
                    .returning(*characteristics.c)
                )
            ).first()
    except IntegrityError:
        raise _characteristic_conflict(body.name or "") from None
    if row is None:
        raise NotFound(f"characteristic {characteristic_id} does not exist", "characteristic_id")
    return dict(row._mapping)


@router.delete(
    "/characteristics/{characteristic_id}",
    status_code=204,
    tags=["characteristics"],
    dependencies=WRITERS,
)
async def delete_characteristic(characteristic_id: uuid.UUID, session: SessionDep) -> Response:
    async with session.begin():
        deleted = await session.execute(
            characteristics.delete().where(characteristics.c.id == characteristic_id)
        )
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"characteristic {characteristic_id} does not exist", "characteristic_id")
    return Response(status_code=204)
