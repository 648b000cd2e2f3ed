"""eMAG's callbacks: `GET <url>?order_id=N` for a new order, and for a cancellation.

Authenticated by the account's secret in the path (eMAG sends no credentials). eMAG repeats the
new-order call until the order is acknowledged, so a repeat only bumps a counter: the order
import (a later feature) reads each order once.
"""

from __future__ import annotations

import hmac
import uuid
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Query
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from taraba_platform.deps import SessionDep
from taraba_platform.errors import NotFound

from emag_gateway.models import emag_accounts, emag_notifications

router = APIRouter(prefix="/emag/notify", tags=["emag callbacks"])
OrderId = Annotated[int, Query(ge=1, le=2**62, description="eMAG's order id")]


async def _record(
    session: AsyncSession,
    account_id: uuid.UUID,
    secret: str,
    kind: Literal["new_order", "cancelled"],
    order_id: int,
) -> dict[str, object]:
    async with session.begin():
        stored = await session.scalar(
            sa.select(emag_accounts.c.notification_secret).where(emag_accounts.c.id == account_id)
        )
        # The same answer for an unknown account and a wrong secret: nothing to probe.
        if stored is None or not hmac.compare_digest(stored.encode(), secret.encode()):
            raise NotFound("unknown callback URL")
        stmt = insert(emag_notifications).values(
            account_id=account_id, kind=kind, emag_order_id=order_id
        )
        times = await session.scalar(
            stmt.on_conflict_do_update(
                index_elements=[
                    emag_notifications.c.account_id,
                    emag_notifications.c.kind,
                    emag_notifications.c.emag_order_id,
                ],
                set_={
                    "times_received": emag_notifications.c.times_received + 1,
                    "last_received_at": sa.func.now(),
                },
            ).returning(emag_notifications.c.times_received)
        )
    return {"received": True, "order_id": order_id, "times_received": times}


@router.get("/{account_id}/{secret}", summary="eMAG's new-order callback")
async def new_order(
    account_id: uuid.UUID, secret: str, order_id: OrderId, session: SessionDep
) -> dict[str, object]:
    return await _record(session, account_id, secret, "new_order", order_id)


@router.get("/{account_id}/{secret}/cancelled", summary="eMAG's order-cancellation callback")
async def cancelled(
    account_id: uuid.UUID, secret: str, order_id: OrderId, session: SessionDep
) -> dict[str, object]:
    return await _record(session, account_id, secret, "cancelled", order_id)
