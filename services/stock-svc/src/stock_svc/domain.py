"""Stock rules, free of I/O: what a movement does to one product's level in one warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class MovementKind(StrEnum):
    RECEIPT = "receipt"  # goods in (NIR): quantity > 0
    ADJUSTMENT = "adjustment"  # inventory count correction: quantity != 0, either sign


# stock_levels.on_hand is a 32-bit integer; refuse a movement long before it would overflow.
MAX_ON_HAND = 1_000_000_000


class StockRuleViolation(ValueError):
    """A movement that would leave the level inconsistent; `field` names the culprit."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Level:
    on_hand: int
    reserved: int

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


def apply_movement(
    level: Level, kind: MovementKind, quantity: int, field: str = "quantity"
) -> Level:
    """The level after the movement, or StockRuleViolation.

    On-hand never goes negative, and never below what is reserved: reserved units belong to
    orders already placed, so an adjustment cannot take them away silently.
    """
    if kind is MovementKind.RECEIPT and quantity <= 0:
        raise StockRuleViolation("a receipt must bring a positive quantity", field)
    if kind is MovementKind.ADJUSTMENT and quantity == 0:
        raise StockRuleViolation("an adjustment of 0 changes nothing", field)
    on_hand = level.on_hand + quantity
    if on_hand > MAX_ON_HAND:
        raise StockRuleViolation(
            f"on hand would reach {on_hand}, over the limit of {MAX_ON_HAND}", field
        )
    if on_hand < 0:
        raise StockRuleViolation(
            f"only {level.on_hand} on hand; cannot take out {-quantity}", field
        )
    if on_hand < level.reserved:
        raise StockRuleViolation(
            f"{level.reserved} reserved for orders; on hand cannot drop to {on_hand}", field
        )
    return Level(on_hand=on_hand, reserved=level.reserved)
