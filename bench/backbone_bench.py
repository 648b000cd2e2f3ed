"""Backbone benchmark: outbox relay throughput and commit-to-handler latency, side by side.

Runs against the real PostgreSQL and RabbitMQ (a throwaway schema and bus namespace), on one
service's relay, and prints:
  1. relay throughput, events/s published with confirms: sequential confirms vs pipelined
     confirms (the relay's default), and their ratio;
  2. latency from commit to the consumer's handler (p50/p95/p99) at a steady rate, with the
     relay woken by LISTEN/NOTIFY (default) vs polling alone, and their ratio.

    make bench        (or: uv run python bench/backbone_bench.py --events 5000 --rate 200)
"""

from __future__ import annotations

# ruff: noqa: ASYNC110  (the benchmark polls counters on purpose)
import argparse
import asyncio
import logging
import os
import statistics
import time
import uuid

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from taraba_contracts import Event, register_event
from taraba_platform.bus import Bus
from taraba_platform.consumer import Consumer, MessageContext, Subscription
from taraba_platform.db import service_metadata
from taraba_platform.outbox import OutboxRelay, add_event, outbox_stats
from taraba_platform.provisioning import provision
from taraba_platform.tables import add_platform_tables

ADMIN_DSN = os.environ.get("TARABA_DB_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBITMQ_URL = os.environ.get("TARABA_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
DATABASE = "taraba_bench"


@register_event
class BenchTickV1(Event):
    event_type = "bench.tick"
    version = 1

    n: int


async def setup_schema(engine: AsyncEngine, schema: str) -> None:
    metadata = service_metadata(schema)
    add_platform_tables(metadata)
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        await conn.run_sync(metadata.create_all)


async def fill_outbox(engine: AsyncEngine, schema: str, count: int) -> None:
    sessions = async_sessionmaker(engine)
    for start in range(0, count, 500):
        async with sessions() as session, session.begin():
            for n in range(start, min(count, start + 500)):
                await add_event(
                    session,
                    BenchTickV1(n=n),
                    source="bench",
                    schema=schema,
                    subject=f"tick:{n}",
                    sequence=1,
                )


async def relay_throughput(
    engine: AsyncEngine, bus: Bus, dsn: str, count: int, pipelined: bool
) -> float:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    await setup_schema(engine, schema)
    await fill_outbox(engine, schema, count)
    relay = OutboxRelay(
        engine=engine,
        bus=bus,
        schema=schema,
        dsn=dsn,
        batch_size=200,
        poll_interval=0.05,
        pipelined=pipelined,
    )
    started = time.perf_counter()
    relay.start()
    while relay.published_total < count:
        await asyncio.sleep(0.01)
    elapsed = time.perf_counter() - started
    await relay.stop()
    async with engine.connect() as conn:
        assert (await outbox_stats(conn, schema)).backlog == 0
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    return count / elapsed


async def commit_to_handler_latency(
    engine: AsyncEngine, bus: Bus, dsn: str, count: int, rate: float, notify: bool
) -> list[float]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    await setup_schema(engine, schema)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    committed_at: dict[int, float] = {}
    latencies: list[float] = []
    done = asyncio.Event()

    async def handle(ctx: MessageContext, event: BenchTickV1) -> None:
        latencies.append(time.perf_counter() - committed_at[event.n])
        if len(latencies) >= count:
            done.set()

    handle.__name__ = f"bench_{schema}"
    service = f"bench-{schema}"
    consumer = Consumer(
        bus=bus,
        service=service,
        schema=schema,
        session_factory=sessions,
        subscriptions=[Subscription(BenchTickV1, handle)],
        prefetch=64,
    )
    await consumer.declare_and_consume()
    # Poll-only mode: a 1 s poll (the default) and no NOTIFY wake-ups.
    relay = OutboxRelay(engine=engine, bus=bus, schema=schema, dsn=dsn, poll_interval=1.0)
    if not notify:
        relay._on_notify = lambda *_: None  # type: ignore[method-assign]
    relay.start()
    while not relay.is_leader:
        await asyncio.sleep(0.01)
    interval = 1.0 / rate
    next_at = time.perf_counter()
    for n in range(count):
        async with sessions() as session, session.begin():
            await add_event(
                session,
                BenchTickV1(n=n),
                source="bench",
                schema=schema,
                subject=f"tick:{n}",
                sequence=1,
            )
        committed_at[n] = time.perf_counter()
        next_at += interval
        await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
    await asyncio.wait_for(done.wait(), timeout=60)
    await relay.stop()
    await consumer.stop()
    channel = await bus.connection.channel()  # type: ignore[union-attr]
    for name in (
        bus.topology.service_queue(service),
        bus.topology.dead_letter_queue(service),
        *(bus.topology.retry_queue(service, d) for d in consumer.retry_delays),
    ):
        await channel.queue_delete(name)
    await channel.close()
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    return latencies


async def consumer_drain(engine: AsyncEngine, bus: Bus, count: int, prefetch: int) -> float:
    """Messages/s one consumer handles (inbox row + handler in one transaction each)."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    await setup_schema(engine, schema)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    handled = 0
    done = asyncio.Event()

    async def handle(ctx: MessageContext, event: BenchTickV1) -> None:
        nonlocal handled
        handled += 1
        if handled >= count:
            done.set()

    handle.__name__ = f"drain_{schema}"
    service = f"bench-{schema}"
    consumer = Consumer(
        bus=bus,
        service=service,
        schema=schema,
        session_factory=sessions,
        subscriptions=[Subscription(BenchTickV1, handle)],
        prefetch=prefetch,
    )
    channel = await bus.connection.channel()  # type: ignore[union-attr]
    await consumer.declare_queues(channel)
    from taraba_contracts import new_envelope

    for n in range(count):  # fill the queue first, then time the drain alone
        await bus.publish_envelope(
            new_envelope(BenchTickV1(n=n), source="bench", subject=f"tick:{n}", sequence=1)
        )
    started = time.perf_counter()
    await consumer.declare_and_consume()
    await asyncio.wait_for(done.wait(), timeout=120)
    elapsed = time.perf_counter() - started
    await consumer.stop()
    for name in (
        bus.topology.service_queue(service),
        bus.topology.dead_letter_queue(service),
        *(bus.topology.retry_queue(service, d) for d in consumer.retry_delays),
    ):
        await channel.queue_delete(name)
    await channel.close()
    async with engine.begin() as conn:
        await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    return count / elapsed


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


async def main(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    await provision(ADMIN_DSN, DATABASE, [])
    host = ADMIN_DSN.split("@", 1)[1].rsplit("/", 1)[0]
    url = f"postgresql+asyncpg://postgres@{host}/{DATABASE}"
    engine = create_async_engine(url, pool_size=10)
    bus = Bus(RABBITMQ_URL, namespace=f"bench-{uuid.uuid4().hex[:6]}.", connection_name="bench")
    await bus.connect()
    dsn = url.replace("+asyncpg", "")
    try:
        print(f"Backbone benchmark on {os.cpu_count()} cores; PostgreSQL + RabbitMQ on loopback\n")
        sequential = await relay_throughput(engine, bus, dsn, args.events, pipelined=False)
        pipelined = await relay_throughput(engine, bus, dsn, args.events, pipelined=True)
        print(f"1. Relay throughput, {args.events} events, publisher confirms on, one relay")
        print(f"   sequential confirms : {sequential:8.0f} events/s")
        print(f"   pipelined confirms  : {pipelined:8.0f} events/s   (default)")
        print(f"   ratio               : {pipelined / sequential:8.2f}x\n")

        results: dict[str, list[float]] = {}
        for label, notify in (("LISTEN/NOTIFY", True), ("poll only 1 s", False)):
            results[label] = await commit_to_handler_latency(
                engine, bus, dsn, args.latency_events, args.rate, notify
            )
        print(f"2. Commit -> consumer handler, {args.latency_events} events at {args.rate:.0f}/s")
        print("   relay wake-up      p50 ms   p95 ms   p99 ms   mean ms")
        for label, values in results.items():
            print(
                f"   {label:16} {pct(values, 0.5):8.1f} {pct(values, 0.95):8.1f} "
                f"{pct(values, 0.99):8.1f} {statistics.mean(values) * 1000:9.1f}"
            )
        notify_p95 = pct(results["LISTEN/NOTIFY"], 0.95)
        poll_p95 = pct(results["poll only 1 s"], 0.95)
        print(f"   p95 ratio poll/notify: {poll_p95 / notify_p95:.1f}x\n")

        one = await consumer_drain(engine, bus, args.events, prefetch=1)
        many = await consumer_drain(engine, bus, args.events, prefetch=16)
        print(f"3. Consumer drain, {args.events} queued events, inbox + handler per message")
        print(f"   prefetch 1          : {one:8.0f} messages/s")
        print(f"   prefetch 16         : {many:8.0f} messages/s   (default)")
        print(f"   ratio               : {many / one:8.2f}x")
    finally:
        await bus.close()
        await engine.dispose()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--latency-events", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=200.0, help="events/s for the latency run")
    return parser.parse_args(argv)


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
