"""stock-svc use cases: each runs inside the caller's transaction and writes its events to the
outbox in that same transaction."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from taraba_contracts.events.stock import StockLevelChangedV1, WarehouseLevel
from taraba_platform.errors import ApiError, Conflict, NotFound
from taraba_platform.outbox import add_event

from stock_svc.domain import Level, MovementKind, StockRuleViolation, apply_movement
from stock_svc.models import stock_levels, stock_movements, stock_products, warehouses
from stock_svc.schemas import MovementIn
from stock_svc.settings import DB_SCHEMA, SERVICE_NAME


async def get_warehouse(session: AsyncSession, warehouse_id: uuid.UUID) -> sa.Row[Any]:
    row = (
        await session.execute(sa.select(warehouses).where(warehouses.c.id == warehouse_id))
    ).first()
    if row is None:
        raise NotFound(f"warehouse {warehouse_id} does not exist", "warehouse_id")
    return row


async def product_levels(session: AsyncSession, product_id: uuid.UUID) -> list[sa.Row[Any]]:
    query = (
        sa.select(stock_levels, warehouses.c.code.label("warehouse_code"))
        .join(warehouses, warehouses.c.id == stock_levels.c.warehouse_id)
        .where(stock_levels.c.product_id == product_id)
        .order_by(warehouses.c.code)
    )
    return list((await session.execute(query)).all())


async def _next_sequence(session: AsyncSession, product_id: uuid.UUID) -> int:
    """Bump the product's event sequence, taking its row lock until the transaction ends."""
    base = insert(stock_products).values(product_id=product_id, sequence=1)
    stmt = base.on_conflict_do_update(
        index_elements=[stock_products.c.product_id],
        set_={"sequence": stock_products.c.sequence + 1, "updated_at": sa.func.now()},
    ).returning(stock_products.c.sequence)
    return int((await session.execute(stmt)).scalar_one())


async def record_movement(session: AsyncSession, movement: MovementIn, role: str) -> dict[str, Any]:
    """Write the ledger rows, update on-hand, and emit one stock.level_changed per product."""
    warehouse = await get_warehouse(session, movement.warehouse_id)
    if not warehouse.active:
        raise Conflict(f"warehouse {warehouse.code} is inactive", "warehouse_id")
    seen: dict[uuid.UUID, int] = {}
    for index, line in enumerate(movement.lines):
        if line.product_id in seen:
            raise ApiError(
                422,
                "validation_error",
                f"product {line.product_id} appears twice (lines {seen[line.product_id]} "
                f"and {index}); send one line per product",
                f"lines.{index}.product_id",
            )
        seen[line.product_id] = index

    results: list[dict[str, Any]] = []
    levels_out: list[dict[str, Any]] = []
    # Lock products in a fixed order so two concurrent movements never deadlock.
    for line in sorted(movement.lines, key=lambda item: item.product_id):
        index = seen[line.product_id]
        sequence = await _next_sequence(session, line.product_id)
        current = (
            await session.execute(
                sa.select(stock_levels.c.on_hand, stock_levels.c.reserved).where(
                    stock_levels.c.product_id == line.product_id,
                    stock_levels.c.warehouse_id == warehouse.id,
                )
            )
        ).first()
        before = (
            Level(on_hand=current.on_hand, reserved=current.reserved) if current else Level(0, 0)
        )
        try:
            after = apply_movement(
                before, movement.kind, line.quantity, field=f"lines.{index}.quantity"
            )
        except StockRuleViolation as exc:
            raise ApiError(
                409 if movement.kind is MovementKind.ADJUSTMENT else 422,
                "stock_rule",
                str(exc),
                exc.field,
            ) from None
        upsert = insert(stock_levels).values(
            product_id=line.product_id,
            warehouse_id=warehouse.id,
            on_hand=after.on_hand,
            reserved=after.reserved,
        )
        await session.execute(
            upsert.on_conflict_do_update(
                index_elements=[stock_levels.c.product_id, stock_levels.c.warehouse_id],
                set_={"on_hand": after.on_hand, "updated_at": sa.func.now()},
            )
        )
        movement_row = (
            await session.execute(
                stock_movements.insert()
                .values(
                    id=uuid.uuid4(),
                    product_id=line.product_id,
                    warehouse_id=warehouse.id,
                    kind=movement.kind.value,
                    quantity=line.quantity,
                    on_hand_after=after.on_hand,
                    reference=movement.reference,
                    note=movement.note,
                    created_by_role=role,
                )
                .returning(*stock_movements.c)
            )
        ).one()
        results.append(dict(movement_row._mapping))
        levels = await product_levels(session, line.product_id)
        levels_out.extend(level_out(row) for row in levels)
        await add_event(
            session,
            StockLevelChangedV1(
                product_id=line.product_id,
                levels=[
                    WarehouseLevel(
                        warehouse_id=row.warehouse_id,
                        warehouse_code=row.warehouse_code,
                        on_hand=row.on_hand,
                        reserved=row.reserved,
                        available=row.on_hand - row.reserved,
                    )
                    for row in levels
                ],
                changed_warehouse_ids=[warehouse.id],
                cause=movement.kind.value,
                movement_id=movement_row.id,
            ),
            source=SERVICE_NAME,
            schema=DB_SCHEMA,
            subject=f"product:{line.product_id}",
            sequence=sequence,
        )
    order = {pid: i for i, pid in enumerate(line.product_id for line in movement.lines)}
    results.sort(key=lambda r: order[r["product_id"]])
    return {"movements": results, "levels": levels_out}


def level_out(row: sa.Row[Any]) -> dict[str, Any]:
    return {
        "product_id": row.product_id,
        "warehouse_id": row.warehouse_id,
        "warehouse_code": row.warehouse_code,
        "on_hand": row.on_hand,
        "reserved": row.reserved,
        "available": row.on_hand - row.reserved,
        "updated_at": row.updated_at,
    }
