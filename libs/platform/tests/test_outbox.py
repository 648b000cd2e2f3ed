"""The transactional outbox and its relay, against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import sqlalchemy as sa
from taraba_platform.bus import Bus
from taraba_platform.outbox import OutboxRelay, add_event, backoff_seconds, outbox_stats
from taraba_testing import eventually
from taraba_testing.infra import RABBITMQ_URL
from taraba_testing.tcp_proxy import TcpProxy

from .conftest import Backbone, Probe, ThingHappenedV1

pytestmark = pytest.mark.integration


async def write_event(backbone: Backbone, note: str = "", *, commit: bool = True) -> str:
    async with backbone.sessions() as session:
        transaction = await session.begin()
        await session.execute(
            sa.text(f'INSERT INTO "{backbone.schema}".effects (note) VALUES (:n)'), {"n": note}
        )
        envelope = await add_event(
            session,
            ThingHappenedV1(thing_id=uuid.uuid4(), note=note),
            source="backbone-test",
            schema=backbone.schema,
            subject="thing:1",
            sequence=1,
        )
        if commit:
            await transaction.commit()
        else:
            await transaction.rollback()
    return str(envelope.id)


def make_relay(backbone: Backbone, bus: Bus | None = None, **kwargs: object) -> OutboxRelay:
    options: dict[str, object] = {"poll_interval": 0.1, "max_backoff": 0.3}
    options.update(kwargs)
    return OutboxRelay(
        engine=backbone.engine,
        bus=bus or backbone.bus,
        schema=backbone.schema,
        dsn=backbone.dsn,
        **options,
    )  # type: ignore[arg-type]


async def test_rolled_back_event_is_never_published_committed_one_exactly_once(
    backbone: Backbone, probe: Probe
) -> None:
    rolled_back = await write_event(backbone, "rolled back", commit=False)
    committed = await write_event(backbone, "committed")
    relay = make_relay(backbone)
    relay.start()
    try:
        await eventually(lambda: _has(probe, committed), message="committed event not published")
        await asyncio.sleep(0.6)  # several more relay rounds: nothing else may appear
    finally:
        await relay.stop()
    assert probe.ids == [committed]
    assert rolled_back not in probe.ids
    rows = await backbone.outbox_rows()
    assert [str(r.message_id) for r in rows] == [committed]
    assert rows[0].published_at is not None


async def _backlog_is(backbone: Backbone, expected: int) -> bool:
    async with backbone.engine.connect() as conn:
        return (await outbox_stats(conn, backbone.schema)).backlog == expected


async def _has(probe: Probe, *message_ids: str) -> bool:
    return all(message_id in probe.ids for message_id in message_ids)


async def test_broker_outage_loses_nothing_and_publishes_everything_when_back(
    backbone: Backbone, probe: Probe
) -> None:
    proxy = TcpProxy("127.0.0.1", int(RABBITMQ_URL.rsplit(":", 1)[1].split("/")[0]))
    await proxy.start()
    bus = Bus(
        proxy.url(),
        namespace=backbone.namespace,
        connection_name="via-proxy",
        publish_timeout=1.0,
        reconnect_interval=0.3,
    )
    await bus.connect()
    relay = make_relay(backbone, bus)
    relay.start()
    try:
        before = [await write_event(backbone, f"before {i}") for i in range(20)]
        await eventually(lambda: _has(probe, *before), message="first events not published")

        await proxy.cut()
        during = [await write_event(backbone, f"during {i}") for i in range(50)]
        await asyncio.sleep(1.0)  # the relay keeps trying while the broker is away
        async with backbone.engine.connect() as conn:
            stats = await outbox_stats(conn, backbone.schema)
        assert stats.backlog == 50, "every state change committed, its event waiting"
        assert len(await backbone.effects()) == 70
        assert not set(during) & set(probe.ids)

        await proxy.start()
        await eventually(
            lambda: _has(probe, *during),
            timeout=20,
            message="events not published after the broker came back",
        )
        # Delivery comes before the relay's commit of published_at: wait for that commit.
        await eventually(lambda: _backlog_is(backbone, 0), message="rows not marked published")
        assert sorted(probe.ids) == sorted(before + during), "each event exactly once"
    finally:
        await relay.stop()
        await bus.close()
        await proxy.cut()


async def test_relay_started_while_broker_is_down_publishes_once_it_is_up(
    backbone: Backbone, probe: Probe
) -> None:
    proxy = TcpProxy("127.0.0.1", 5672)
    await proxy.start()
    port = proxy.port
    await proxy.cut()
    bus = Bus(
        f"amqp://guest:guest@127.0.0.1:{port}/",
        namespace=backbone.namespace,
        publish_timeout=1.0,
        reconnect_interval=0.3,
    )
    bus.start()  # keeps trying in the background
    relay = make_relay(backbone, bus)
    relay.start()
    try:
        ids = [await write_event(backbone, f"e{i}") for i in range(5)]
        await asyncio.sleep(0.8)
        assert probe.ids == []
        rows = await backbone.outbox_rows()
        assert all(r.published_at is None for r in rows) and any(r.attempts > 0 for r in rows)
        proxy.port = port
        await proxy.start()
        await eventually(lambda: _has(probe, *ids), timeout=20, message="not published")
    finally:
        await relay.stop()
        await bus.close()
        await proxy.cut()


async def test_only_one_relay_per_schema_is_active(backbone: Backbone) -> None:
    first, second = make_relay(backbone), make_relay(backbone)
    first.start()
    await eventually(lambda: _true(first.is_leader), message="first relay never led")
    second.start()
    await asyncio.sleep(0.5)
    assert first.is_leader and not second.is_leader
    await first.stop()
    await eventually(
        lambda: _true(second.is_leader), timeout=10, message="second relay did not take over"
    )
    await second.stop()


async def test_two_relays_publish_each_event_once(backbone: Backbone, probe: Probe) -> None:
    ids = [await write_event(backbone, f"r{i}") for i in range(300)]
    relays = [make_relay(backbone, batch_size=25) for _ in range(2)]
    for relay in relays:
        relay.start()
    try:
        await eventually(lambda: _has(probe, *ids), timeout=20, message="not all published")
        await asyncio.sleep(0.5)
    finally:
        for relay in relays:
            await relay.stop()
    assert len(probe.ids) == len(set(probe.ids)) == 300, "an event was published twice"
    assert sum(relay.published_total for relay in relays) == 300


async def test_a_failed_event_is_not_overtaken_by_later_events_of_its_subject(
    backbone: Backbone, probe: Probe
) -> None:
    first = await write_event(backbone, "first")
    async with backbone.engine.begin() as conn:  # as if its publish had just failed
        await conn.execute(
            sa.text(
                f'UPDATE "{backbone.schema}".outbox SET attempts = 1, '
                "next_attempt_at = now() + interval '1 second'"
            )
        )
    later = [await write_event(backbone, f"later {i}") for i in range(3)]
    relay = make_relay(backbone)
    relay.start()
    try:
        await eventually(lambda: _has(probe, first, *later), timeout=10, message="not published")
    finally:
        await relay.stop()
    assert probe.ids == [first, *later], "same subject: publication order kept"


async def _true(value: bool) -> bool:
    return value


async def test_publishes_in_order_and_counts_backlog(backbone: Backbone, probe: Probe) -> None:
    ids = [await write_event(backbone, f"n{i}") for i in range(30)]
    async with backbone.engine.connect() as conn:
        assert (await outbox_stats(conn, backbone.schema)).backlog == 30
    relay = make_relay(backbone, batch_size=7, pipelined=False)
    relay.start()
    try:
        await eventually(lambda: _has(probe, *ids), message="not all published")
    finally:
        await relay.stop()
    assert probe.ids == ids


def test_backoff_grows_and_is_capped() -> None:
    samples = [backoff_seconds(attempt, cap=30.0) for attempt in range(1, 12)]
    assert all(0 < s <= 30.0 for s in samples)
    assert backoff_seconds(1, 30.0) <= 0.5
    assert min(backoff_seconds(10, 30.0) for _ in range(20)) >= 15.0
