"""stock_svc.domain.apply_movement: the stock rules, without I/O."""

from __future__ import annotations

import dataclasses

import pytest
from stock_svc.domain import Level, MovementKind, StockRuleViolation, apply_movement

RECEIPT = MovementKind.RECEIPT
ADJUSTMENT = MovementKind.ADJUSTMENT


def test_movement_kinds_are_the_api_strings() -> None:
    assert MovementKind("receipt") is RECEIPT
    assert MovementKind("adjustment") is ADJUSTMENT
    assert {kind.value for kind in MovementKind} == {"receipt", "adjustment"}


@pytest.mark.parametrize(
    ("on_hand", "reserved", "available"), [(0, 0, 0), (10, 0, 10), (10, 4, 6), (5, 5, 0)]
)
def test_available_is_on_hand_minus_reserved(on_hand: int, reserved: int, available: int) -> None:
    assert Level(on_hand=on_hand, reserved=reserved).available == available


def test_level_is_immutable() -> None:
    level = Level(on_hand=1, reserved=0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        level.on_hand = 2  # type: ignore[misc]


# --- receipts ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "quantity", "after"),
    [
        (Level(0, 0), 1, Level(1, 0)),
        (Level(0, 0), 5, Level(5, 0)),
        (Level(7, 3), 5, Level(12, 3)),
        (Level(0, 0), 1_000_000, Level(1_000_000, 0)),
    ],
)
def test_receipt_adds_to_on_hand_and_keeps_reserved(
    before: Level, quantity: int, after: Level
) -> None:
    assert apply_movement(before, RECEIPT, quantity) == after


@pytest.mark.parametrize("quantity", [0, -1, -100])
def test_receipt_must_bring_a_positive_quantity(quantity: int) -> None:
    with pytest.raises(StockRuleViolation, match="positive quantity") as caught:
        apply_movement(Level(10, 0), RECEIPT, quantity)
    assert caught.value.field == "quantity"


# --- adjustments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "quantity", "after"),
    [
        (Level(0, 0), 3, Level(3, 0)),  # found more on the shelf
        (Level(10, 0), -4, Level(6, 0)),  # found fewer
        (Level(10, 0), -10, Level(0, 0)),  # down to exactly zero
        (Level(10, 4), -6, Level(4, 4)),  # down to exactly what is reserved
        (Level(10, 4), 2, Level(12, 4)),
    ],
)
def test_adjustment_moves_on_hand_either_way(before: Level, quantity: int, after: Level) -> None:
    assert apply_movement(before, ADJUSTMENT, quantity) == after


def test_adjustment_of_zero_is_refused() -> None:
    with pytest.raises(StockRuleViolation, match="changes nothing") as caught:
        apply_movement(Level(10, 0), ADJUSTMENT, 0)
    assert caught.value.field == "quantity"


@pytest.mark.parametrize(
    ("before", "quantity"),
    [
        (Level(0, 0), -1),
        (Level(3, 0), -4),
        (Level(3, 0), -1_000_000),
    ],
)
def test_adjustment_cannot_take_on_hand_below_zero(before: Level, quantity: int) -> None:
    with pytest.raises(StockRuleViolation) as caught:
        apply_movement(before, ADJUSTMENT, quantity)
    assert str(caught.value) == f"only {before.on_hand} on hand; cannot take out {-quantity}"
    assert caught.value.field == "quantity"


@pytest.mark.parametrize(
    ("before", "quantity"),
    [
        (Level(10, 4), -7),  # would leave 3 on hand for 4 reserved
        (Level(5, 5), -1),
    ],
)
def test_adjustment_cannot_take_away_reserved_units(before: Level, quantity: int) -> None:
    with pytest.raises(StockRuleViolation, match="reserved for orders") as caught:
        apply_movement(before, ADJUSTMENT, quantity)
    assert str(caught.value) == (
        f"{before.reserved} reserved for orders; on hand cannot drop to {before.on_hand + quantity}"
    )
    assert caught.value.field == "quantity"


def test_below_zero_is_reported_before_below_reserved() -> None:
    with pytest.raises(StockRuleViolation, match="only 2 on hand"):
        apply_movement(Level(2, 1), ADJUSTMENT, -3)


# --- the violation and its field --------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "before", "quantity"),
    [
        (RECEIPT, Level(0, 0), 0),
        (ADJUSTMENT, Level(0, 0), 0),
        (ADJUSTMENT, Level(1, 0), -2),
        (ADJUSTMENT, Level(4, 2), -3),
    ],
)
def test_violation_names_the_field_it_is_given(
    kind: MovementKind, before: Level, quantity: int
) -> None:
    with pytest.raises(StockRuleViolation) as caught:
        apply_movement(before, kind, quantity, field="lines.3.quantity")
    assert caught.value.field == "lines.3.quantity"


def test_violation_is_a_value_error() -> None:
    assert issubclass(StockRuleViolation, ValueError)
    violation = StockRuleViolation("nope", "lines.0.quantity")
    assert str(violation) == "nope"
    assert violation.field == "lines.0.quantity"


def test_apply_movement_returns_a_new_level_and_leaves_the_old_one_alone() -> None:
    before = Level(on_hand=5, reserved=2)
    after = apply_movement(before, ADJUSTMENT, -1)
    assert before == Level(on_hand=5, reserved=2)
    assert after == Level(on_hand=4, reserved=2)
    assert after is not before


def test_a_refused_movement_leaves_the_level_alone() -> None:
    before = Level(on_hand=1, reserved=0)
    with pytest.raises(StockRuleViolation):
        apply_movement(before, ADJUSTMENT, -2)
    assert before == Level(on_hand=1, reserved=0)


def test_successive_movements_compose() -> None:
    level = Level(0, 0)
    for kind, quantity in [(RECEIPT, 10), (ADJUSTMENT, -3), (RECEIPT, 5), (ADJUSTMENT, -12)]:
        level = apply_movement(level, kind, quantity)
    assert level == Level(0, 0)
