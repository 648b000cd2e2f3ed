"""A registry of versioned event models, and strict parsing of incoming message bodies."""

from __future__ import annotations

from typing import TypeVar

from pydantic import ValidationError

from taraba_contracts.envelope import Envelope, Event

EventT = TypeVar("EventT", bound=type[Event])

_MODELS: dict[tuple[str, int], type[Event]] = {}


class EnvelopeError(ValueError):
    """A message body that is not a valid envelope, or whose payload breaks its contract."""


class UnknownEventType(EnvelopeError):
    """A well-formed envelope whose type and version no registered contract describes."""


def register_event(model: EventT) -> EventT:
    """Class decorator: make `model` known under its (event_type, version)."""
    key = (model.event_type, model.version)
    existing = _MODELS.get(key)
    if existing is not None and existing is not model:
        raise ValueError(f"event {model.routing_key()} is registered twice")
    _MODELS[key] = model
    return model


def event_model_for(event_type: str, version: int) -> type[Event]:
    try:
        return _MODELS[(event_type, version)]
    except KeyError:
        raise UnknownEventType(f"unknown event type {event_type}.v{version}") from None


def registered_routing_keys() -> list[str]:
    return sorted(model.routing_key() for model in _MODELS.values())


def parse_envelope(body: bytes | str) -> Envelope:
    """Parse a message body into an envelope, or raise EnvelopeError saying what is wrong."""
    try:
        return Envelope.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise EnvelopeError(f"invalid envelope at {where}: {first['msg']}") from exc


def parse_event(envelope: Envelope) -> Event:
    """Validate an envelope's payload against the contract of its type and version."""
    model = event_model_for(envelope.type, envelope.version)
    try:
        return model.model_validate(envelope.payload)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "payload"
        raise EnvelopeError(
            f"payload of {envelope.routing_key} invalid at {where}: {first['msg']}"
        ) from exc
