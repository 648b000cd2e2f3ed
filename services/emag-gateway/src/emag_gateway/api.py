"""emag-gateway's HTTP API (this slice: the desired stock the sync will send)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel
from taraba_platform.deps import SessionDep
from taraba_platform.errors import NotFound

from emag_gateway.models import desired_stock

router = APIRouter(prefix="/emag", tags=["emag"])


class WarehouseLevelOut(BaseModel):
    warehouse_id: uuid.UUID
    warehouse_code: str
    on_hand: int
    reserved: int
    available: int


class DesiredStockOut(BaseModel):
    product_id: uuid.UUID
    levels: list[WarehouseLevelOut]
    available_total: int
    source_sequence: int
    occurred_at: datetime
    changed_at: datetime


class DesiredStockPage(BaseModel):
    items: list[DesiredStockOut]
    total: int
    limit: int
    offset: int


def _out(row: sa.Row[Any]) -> dict[str, Any]:
    data = dict(row._mapping)
    data["available_total"] = sum(max(0, level["available"]) for level in data["levels"])
    data.pop("source_event_id", None)
    return data


@router.get(
    "/desired-stock",
    response_model=DesiredStockPage,
    summary="Desired stock per product, as last reported by stock-svc",
)
async def list_desired_stock(
    session: SessionDep,
    changed_since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    conditions = [desired_stock.c.changed_at > changed_since] if changed_since else []
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(desired_stock).where(*conditions)
    )
    rows = await session.execute(
        sa.select(desired_stock)
        .where(*conditions)
        .order_by(desired_stock.c.changed_at, desired_stock.c.product_id)
        .limit(limit)
        .offset(offset)
    )
    return {"items": [_out(r) for r in rows], "total": total or 0, "limit": limit, "offset": offset}


@router.get(
    "/desired-stock/{product_id}",
    response_model=DesiredStockOut,
    summary="One product's desired stock",
)
async def read_desired_stock(product_id: uuid.UUID, session: SessionDep) -> dict[str, Any]:
    row = (
        await session.execute(
            sa.select(desired_stock).where(desired_stock.c.product_id == product_id)
        )
    ).first()
    if row is None:
        raise NotFound(f"no stock known for product {product_id}", "product_id")
    return _out(row)
