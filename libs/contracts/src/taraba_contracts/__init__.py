"""Taraba's event contracts: the envelope every message travels in and the versioned events.

This package imports nothing but pydantic, so an outside consumer (another shop's site reading
stock events) can depend on it without pulling in the bus or the database.
"""

from taraba_contracts.envelope import Envelope, Event, new_envelope
from taraba_contracts.registry import (
    EnvelopeError,
    UnknownEventType,
    event_model_for,
    parse_envelope,
    parse_event,
    register_event,
    registered_routing_keys,
)

__all__ = [
    "Envelope",
    "EnvelopeError",
    "Event",
    "UnknownEventType",
    "event_model_for",
    "new_envelope",
    "parse_envelope",
    "parse_event",
    "register_event",
    "registered_routing_keys",
]

# Importing the event modules registers every event model with the registry.
from taraba_contracts import events as _events  # noqa: F401
