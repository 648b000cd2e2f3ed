"""The envelope and registry: strict parsing, versioned lookup, UTC times."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

import pytest
from taraba_contracts import (
    EnvelopeError,
    UnknownEventType,
    new_envelope,
    parse_envelope,
    parse_event,
    registered_routing_keys,
)
from taraba_contracts.events.stock import StockLevelChangedV1, WarehouseLevel


def level_event() -> StockLevelChangedV1:
    warehouse = uuid.uuid4()
    return StockLevelChangedV1(
        product_id=uuid.uuid4(),
        levels=[
            WarehouseLevel(
                warehouse_id=warehouse, warehouse_code="MAIN", on_hand=5, reserved=2, available=3
            )
        ],
        changed_warehouse_ids=[warehouse],
        cause="receipt",
    )


def test_round_trip_through_json() -> None:
    event = level_event()
    envelope = new_envelope(
        event,
        source="stock-svc",
        subject=f"product:{event.product_id}",
        sequence=4,
        correlation_id="c-1",
    )
    parsed = parse_envelope(envelope.model_dump_json())
    assert parsed == envelope
    assert parsed.routing_key == "stock.level_changed.v1"
    assert parse_event(parsed) == event
    assert parsed.occurred_at.tzinfo is not None


def test_correlation_defaults_to_the_message_id() -> None:
    envelope = new_envelope(level_event(), source="s", subject="x", sequence=1)
    assert envelope.correlation_id == str(envelope.id)


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        new_envelope(
            level_event(), source="s", subject="x", sequence=1, occurred_at=datetime(2026, 1, 1)
        )


def test_registry_knows_the_stock_event() -> None:
    assert "stock.level_changed.v1" in registered_routing_keys()


@pytest.mark.parametrize("body", [b"", b"[]", b"{bad", b'{"id": "not-a-uuid"}'])
def test_garbage_is_an_envelope_error(body: bytes) -> None:
    with pytest.raises(EnvelopeError):
        parse_envelope(body)


def test_unknown_fields_in_the_envelope_are_refused() -> None:
    data = json.loads(
        new_envelope(level_event(), source="s", subject="x", sequence=1).model_dump_json()
    )
    data["surprise"] = 1
    with pytest.raises(EnvelopeError, match="surprise"):
        parse_envelope(json.dumps(data))


def test_unknown_type_and_bad_payload_say_what_is_wrong() -> None:
    envelope = new_envelope(level_event(), source="s", subject="x", sequence=1)
    with pytest.raises(UnknownEventType, match=r"stock\.level_changed\.v9"):
        parse_event(envelope.model_copy(update={"version": 9}))
    broken = envelope.model_copy(update={"payload": {**envelope.payload, "levels": "many"}})
    with pytest.raises(EnvelopeError, match="levels"):
        parse_event(broken)


def test_inconsistent_level_is_refused() -> None:
    with pytest.raises(ValueError, match="available"):
        WarehouseLevel(
            warehouse_id=uuid.uuid4(), warehouse_code="M", on_hand=5, reserved=1, available=5
        )
