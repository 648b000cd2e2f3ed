"""What emag-gateway does with other services' events. Handlers only update state; the
once-a-minute flusher is what talks to eMAG."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from taraba_contracts.events.stock import StockLevelChangedV1
from taraba_platform.consumer import MessageContext, Subscription

from emag_gateway.models import desired_stock


async def on_stock_level_changed(ctx: MessageContext, event: StockLevelChangedV1) -> None:
    """Set (never add to) the product's desired stock; an older sequence changes nothing.

    "Set" plus the sequence guard makes this safe against redelivery and reordering alike.
    """
    values = {
        "product_id": event.product_id,
        "levels": [level.model_dump(mode="json") for level in event.levels],
        "source_sequence": ctx.envelope.sequence,
        "source_event_id": ctx.envelope.id,
        "occurred_at": ctx.envelope.occurred_at,
    }
    stmt = insert(desired_stock).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=[desired_stock.c.product_id],
        set_={
            **{k: stmt.excluded[k] for k in values if k != "product_id"},
            "changed_at": sa.func.now(),
        },
        where=desired_stock.c.source_sequence < stmt.excluded.source_sequence,
    )
    await ctx.session.execute(stmt)


SUBSCRIPTIONS: list[Subscription[Any]] = [
    Subscription(StockLevelChangedV1, on_stock_level_changed),
]
