"""Backbone fixtures: a throwaway schema with outbox, inbox and an `effects` table, a bus in the
test's namespace, and a probe queue that records what reaches `taraba.events`."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aio_pika
import pytest
import sqlalchemy as sa
from aio_pika.abc import AbstractIncomingMessage
from pydantic import Field
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from taraba_contracts import Event, register_event
from taraba_platform.bus import Bus
from taraba_platform.db import service_metadata
from taraba_platform.tables import add_platform_tables
from taraba_testing.infra import ADMIN_DSN, RABBITMQ_URL

SERVICE = "backbone-test"


@register_event
class ThingHappenedV1(Event):
    """A test-only event."""

    event_type = "test.thing_happened"
    version = 1

    thing_id: uuid.UUID
    note: str = Field(default="", max_length=100)


@register_event
class UnhandledThingV1(Event):
    """Registered, but no test consumer subscribes to it."""

    event_type = "test.unhandled_thing"
    version = 1

    thing_id: uuid.UUID


@dataclass
class Backbone:
    schema: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    bus: Bus
    namespace: str
    dsn: str

    async def effects(self) -> list[str]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.text(f'SELECT note FROM "{self.schema}".effects ORDER BY id')
            )
            return [row[0] for row in rows]

    async def outbox_rows(self) -> list[sa.Row[Any]]:
        async with self.engine.connect() as conn:
            return list(
                await conn.execute(
                    sa.text(
                        f'SELECT message_id, published_at, attempts FROM "{self.schema}".outbox '
                        "ORDER BY id"
                    )
                )
            )


@dataclass
class Probe:
    """Everything published to taraba.events in the namespace, as (message_id, body)."""

    received: list[tuple[str, bytes]] = field(default_factory=list)

    @property
    def ids(self) -> list[str]:
        return [message_id for message_id, _ in self.received]


@pytest.fixture
async def backbone(test_database: str, bus_namespace: str) -> AsyncIterator[Backbone]:
    schema = f"bb_{uuid.uuid4().hex[:10]}"
    host = ADMIN_DSN.split("@", 1)[1].rsplit("/", 1)[0]
    url = f"postgresql+asyncpg://postgres@{host}/{test_database}"
    engine = create_async_engine(url, pool_size=5)
    metadata = service_metadata(schema)
    add_platform_tables(metadata)
    sa.Table(
        "effects",
        metadata,
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("note", sa.Text, nullable=False),
    )
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)
    bus = Bus(
        RABBITMQ_URL,
        namespace=bus_namespace,
        connection_name="backbone-test",
        publish_timeout=3,
        reconnect_interval=0.5,
    )
    await bus.connect()
    yield Backbone(
        schema,
        engine,
        async_sessionmaker(engine, expire_on_commit=False),
        bus,
        bus_namespace,
        url.replace("+asyncpg", ""),
    )
    await bus.close()
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    await engine.dispose()


@pytest.fixture
async def probe(bus_namespace: str, backbone: Backbone) -> AsyncIterator[Probe]:
    """A direct connection (never through a test proxy) bound to every test.* event."""
    result = Probe()
    connection = await aio_pika.connect(RABBITMQ_URL)
    channel = await connection.channel()
    exchange = await channel.get_exchange(backbone.bus.topology.events_exchange)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(exchange, routing_key="test.#")

    async def on_message(message: AbstractIncomingMessage) -> None:
        async with message.process():
            result.received.append((str(message.message_id), message.body))

    await queue.consume(on_message)
    yield result
    await asyncio.sleep(0)
    await connection.close()
