"""Request and response bodies of stock-svc's API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, Field, field_validator
from taraba_platform.schemas import RequestModel, Text

from stock_svc.domain import MovementKind

MAX_LINES = 1000
T = TypeVar("T")


class WarehouseIn(RequestModel):
    code: str = Field(
        min_length=1,
        max_length=32,
        pattern=r"^[A-Za-z0-9_.-]+$",
        description="Short unique code (gestiune), e.g. MAIN; stored upper-case",
    )
    name: Text = Field(min_length=1, max_length=200)

    @field_validator("code")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()


class WarehousePatch(RequestModel):
    name: Text | None = Field(default=None, min_length=1, max_length=200)
    active: bool | None = None


class WarehouseOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    active: bool
    created_at: datetime


class MovementLineIn(RequestModel):
    product_id: uuid.UUID
    quantity: int = Field(
        description="Units; positive for a receipt, either sign for an adjustment",
        ge=-1_000_000,
        le=1_000_000,
    )


class MovementIn(RequestModel):
    kind: MovementKind
    warehouse_id: uuid.UUID
    reference: Text | None = Field(
        default=None, max_length=100, description="Document number, e.g. the NIR number"
    )
    note: Text | None = Field(default=None, max_length=1000)
    lines: list[MovementLineIn] = Field(min_length=1, max_length=MAX_LINES)


class LevelOut(BaseModel):
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    warehouse_code: str
    on_hand: int
    reserved: int
    available: int
    updated_at: datetime


class MovementOut(BaseModel):
    id: uuid.UUID
    kind: MovementKind
    product_id: uuid.UUID
    warehouse_id: uuid.UUID
    quantity: int
    on_hand_after: int
    reference: str | None
    note: str | None
    created_at: datetime


class MovementResult(BaseModel):
    movements: list[MovementOut]
    levels: list[LevelOut]


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int
