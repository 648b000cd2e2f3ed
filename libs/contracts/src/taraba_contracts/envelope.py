"""The envelope (DESIGN §2.1) wrapped around every event published on `taraba.events`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class Event(BaseModel):
    """Base of every event payload. Subclasses set `event_type` and `version`.

    Payloads forbid unknown fields on purpose: a producer that sends a field the contract does not
    know is a bug to surface, not data to drop. Additive changes are made by adding optional fields
    to the model first (consumers upgrade), then producing them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    event_type: ClassVar[str]
    version: ClassVar[int]

    @classmethod
    def routing_key(cls) -> str:
        return f"{cls.event_type}.v{cls.version}"


class Envelope(BaseModel):
    """Metadata of one message plus its payload. `id` is the de-duplication key."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: uuid.UUID
    type: str = Field(
        min_length=1, description="Event type without version, e.g. stock.level_changed"
    )
    version: int = Field(ge=1)
    source: str = Field(min_length=1, description="The producing service, e.g. stock-svc")
    occurred_at: AwareDatetime
    correlation_id: str = Field(
        min_length=1, description="The business flow this message belongs to"
    )
    causation_id: str | None = Field(
        default=None, description="id of the message that caused this one"
    )
    subject: str = Field(min_length=1, description="Aggregate id, e.g. product:<uuid>")
    sequence: int = Field(ge=0, description="Per-subject version; consumers drop stale updates")
    payload: dict[str, Any]

    @property
    def routing_key(self) -> str:
        return f"{self.type}.v{self.version}"


def new_envelope(
    event: Event,
    *,
    source: str,
    subject: str,
    sequence: int,
    correlation_id: str | None = None,
    causation_id: str | None = None,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Wrap `event` in a fresh envelope with a new id and UTC timestamps."""
    when = occurred_at or datetime.now(UTC)
    if when.tzinfo is None:
        raise ValueError("occurred_at must be timezone-aware")
    message_id = uuid.uuid4()
    return Envelope(
        id=message_id,
        type=event.event_type,
        version=event.version,
        source=source,
        occurred_at=when.astimezone(UTC),
        correlation_id=correlation_id or str(message_id),
        causation_id=causation_id,
        subject=subject,
        sequence=sequence,
        payload=event.model_dump(mode="json"),
    )
