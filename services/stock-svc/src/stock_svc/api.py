"""stock-svc's HTTP API: warehouses, stock levels and the stock ledger."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from taraba_platform.auth import Principal, require_role
from taraba_platform.deps import IdempotencyKey, Limit, Offset, SessionDep
from taraba_platform.errors import Conflict, NotFound, Unprocessable
from taraba_platform.http import idempotent_write

from stock_svc.models import stock_levels, stock_movements, warehouses
from stock_svc.schemas import (
    LevelOut,
    MovementIn,
    MovementOut,
    MovementResult,
    Page,
    WarehouseIn,
    WarehouseOut,
    WarehousePatch,
)
from stock_svc.service import get_warehouse, level_out, record_movement

router = APIRouter()


@router.post(
    "/warehouses",
    status_code=201,
    response_model=WarehouseOut,
    tags=["warehouses"],
    summary="Create a warehouse (gestiune)",
    dependencies=[Depends(require_role())],
)
async def create_warehouse(
    body: WarehouseIn, request: Request, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    async def action() -> tuple[int, WarehouseOut]:
        exists = await session.scalar(
            sa.select(warehouses.c.id).where(warehouses.c.code == body.code)
        )
        if exists:
            raise Conflict(f"a warehouse with code {body.code} exists", "code")
        row = (
            await session.execute(
                warehouses.insert()
                .values(id=uuid.uuid4(), code=body.code, name=body.name)
                .returning(*warehouses.c)
            )
        ).one()
        return 201, WarehouseOut.model_validate(dict(row._mapping))

    try:
        return await idempotent_write(request, session, idempotency_key, action)
    except IntegrityError:
        raise Conflict(f"a warehouse with code {body.code} exists", "code") from None


@router.get(
    "/warehouses", response_model=list[WarehouseOut], tags=["warehouses"], summary="List warehouses"
)
async def list_warehouses(
    session: SessionDep, include_inactive: bool = False
) -> list[dict[str, Any]]:
    query = sa.select(warehouses).order_by(warehouses.c.code)
    if not include_inactive:
        query = query.where(warehouses.c.active)
    return [dict(row._mapping) for row in await session.execute(query)]


@router.get("/warehouses/{warehouse_id}", response_model=WarehouseOut, tags=["warehouses"])
async def read_warehouse(warehouse_id: uuid.UUID, session: SessionDep) -> dict[str, Any]:
    return dict((await get_warehouse(session, warehouse_id))._mapping)


@router.patch(
    "/warehouses/{warehouse_id}",
    response_model=WarehouseOut,
    tags=["warehouses"],
    summary="Rename or (de)activate a warehouse",
    dependencies=[Depends(require_role())],
)
async def update_warehouse(
    warehouse_id: uuid.UUID, body: WarehousePatch, session: SessionDep
) -> dict[str, Any]:
    changes = body.model_dump(exclude_none=True)
    if not changes:
        raise Unprocessable("nothing to change: send name or active", "body")
    async with session.begin():
        row = (
            await session.execute(
                warehouses.update()
                .where(warehouses.c.id == warehouse_id)
                .values(**changes)
                .returning(*warehouses.c)
            )
        ).first()
    if row is None:
        raise NotFound(f"warehouse {warehouse_id} does not exist", "warehouse_id")
    return dict(row._mapping)


@router.post(
    "/stock/movements",
    status_code=201,
    response_model=MovementResult,
    tags=["stock"],
    summary="Record a stock movement (receipt or adjustment)",
    description="Writes one ledger row per line, updates on-hand, and emits "
    "`stock.level_changed.v1` per product through the outbox, all in one "
    "transaction. Adjustments may not take on-hand below what is reserved.",
)
async def create_movement(
    body: MovementIn,
    request: Request,
    session: SessionDep,
    principal: Annotated[Principal, Depends(require_role("operator", "warehouse"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def action() -> tuple[int, MovementResult]:
        return 201, MovementResult.model_validate(
            await record_movement(session, body, principal.role)
        )

    return await idempotent_write(request, session, idempotency_key, action)


@router.get(
    "/stock/movements",
    response_model=Page[MovementOut],
    tags=["stock"],
    summary="The stock ledger, newest first",
)
async def list_movements(
    session: SessionDep,
    product_id: uuid.UUID | None = None,
    warehouse_id: uuid.UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    conditions = []
    if product_id:
        conditions.append(stock_movements.c.product_id == product_id)
    if warehouse_id:
        conditions.append(stock_movements.c.warehouse_id == warehouse_id)
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(stock_movements).where(*conditions)
    )
    rows = await session.execute(
        sa.select(stock_movements)
        .where(*conditions)
        .order_by(stock_movements.c.created_at.desc(), stock_movements.c.id)
        .limit(limit)
        .offset(offset)
    )
    return {
        "items": [dict(r._mapping) for r in rows],
        "total": total or 0,
        "limit": limit,
        "offset": offset,
    }


@router.get(
    "/stock",
    response_model=Page[LevelOut],
    tags=["stock"],
    summary="Stock levels per product and warehouse",
)
async def list_levels(
    session: SessionDep,
    product_id: uuid.UUID | None = None,
    warehouse_id: uuid.UUID | None = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    conditions = []
    if product_id:
        conditions.append(stock_levels.c.product_id == product_id)
    if warehouse_id:
        conditions.append(stock_levels.c.warehouse_id == warehouse_id)
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(stock_levels).where(*conditions)
    )
    rows = await session.execute(
        sa.select(stock_levels, warehouses.c.code.label("warehouse_code"))
        .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
        .where(*conditions)
        .order_by(stock_levels.c.product_id, warehouses.c.code)
        .limit(limit)
        .offset(offset)
    )
    return {
        "items": [level_out(r) for r in rows],
        "total": total or 0,
        "limit": limit,
        "offset": offset,
    }
