"""Events published by stock-svc, the single authority on available stock."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field, model_validator

from taraba_contracts.envelope import Event
from taraba_contracts.registry import register_event


class WarehouseLevel(BaseModel):
    """One product's stock in one warehouse after the change."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    warehouse_id: uuid.UUID
    warehouse_code: str
    on_hand: int = Field(ge=0)
    reserved: int = Field(ge=0)
    available: int = Field(description="on_hand - reserved; never negative for a consistent ledger")

    @model_validator(mode="after")
    def _available_matches(self) -> WarehouseLevel:
        if self.available != self.on_hand - self.reserved:
            raise ValueError("available must equal on_hand - reserved")
        return self


@register_event
class StockLevelChangedV1(Event):
    """A product's stock changed in at least one warehouse.

    Carries the product's levels in every warehouse that holds it (not only the changed one), so a
    consumer can set its copy from one message and drop older ones by the envelope's `sequence`.
    """

    event_type = "stock.level_changed"
    version = 1

    product_id: uuid.UUID
    levels: list[WarehouseLevel]
    changed_warehouse_ids: list[uuid.UUID] = Field(min_length=1)
    cause: str = Field(description="What moved the stock: receipt, adjustment, ...")
    movement_id: uuid.UUID | None = None
