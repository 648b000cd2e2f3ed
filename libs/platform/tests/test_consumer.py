"""The consumer: idempotent handling (inbox), retries with delay, dead letters and replay."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from taraba_contracts import new_envelope
from taraba_platform import dlq_cli
from taraba_platform.consumer import Consumer, MessageContext, Subscription
from taraba_platform.errors import PermanentError
from taraba_platform.inbox import claim_message
from taraba_testing import eventually

from .conftest import SERVICE, Backbone, ThingHappenedV1, UnhandledThingV1

pytestmark = pytest.mark.integration


class Recorder:
    """A handler whose behaviour a test sets: fail N times, fail forever, or fail for good."""

    def __init__(self, schema: str) -> None:
        self.schema = schema
        self.calls = 0
        self.fail_times = 0
        self.permanent = False
        self.attempts_seen: list[int] = []

    async def __call__(self, ctx: MessageContext, event: ThingHappenedV1) -> None:
        self.calls += 1
        self.attempts_seen.append(ctx.attempt)
        # The effect is written first: a failure must roll it back with the inbox row.
        await ctx.session.execute(
            sa.text(f'INSERT INTO "{self.schema}".effects (note) VALUES (:n)'), {"n": event.note}
        )
        if self.permanent:
            raise PermanentError("this thing can never be handled")
        if self.fail_times > 0:
            self.fail_times -= 1
            raise RuntimeError("transient: a lock timed out")


@pytest.fixture
async def running(backbone: Backbone) -> AsyncIterator[Callable[[Recorder], Any]]:
    consumers: list[Consumer] = []

    async def start(recorder: Recorder) -> Consumer:
        recorder.__name__ = "record_thing"  # type: ignore[attr-defined]
        consumer = Consumer(
            bus=backbone.bus,
            service=SERVICE,
            schema=backbone.schema,
            session_factory=backbone.sessions,
            subscriptions=[Subscription(ThingHappenedV1, recorder)],
            retry_delays=[0.2, 0.4],
            max_attempts=3,
            delivery_limit=5,
        )
        await consumer.declare_and_consume()
        consumers.append(consumer)
        return consumer

    yield start
    for consumer in consumers:
        await consumer.stop()


def envelope_for(note: str = "x") -> Any:
    return new_envelope(
        ThingHappenedV1(thing_id=uuid.uuid4(), note=note),
        source="backbone-test",
        subject="thing:1",
        sequence=1,
    )


async def dead_letters(backbone: Backbone) -> list[dlq_cli.DeadLetter]:
    return await dlq_cli.list_dead_letters(backbone.bus, SERVICE)


async def test_same_message_delivered_twice_has_one_effect(
    backbone: Backbone, running: Any
) -> None:
    recorder = Recorder(backbone.schema)
    await running(recorder)
    envelope = envelope_for("once")
    await backbone.bus.publish_envelope(envelope)
    await backbone.bus.publish_envelope(envelope)  # the relay re-publishing after a lost confirm
    await eventually(lambda: _effects_equal(backbone, ["once"]), message="never handled")
    await asyncio.sleep(0.5)
    assert await backbone.effects() == ["once"]
    assert recorder.calls == 1


async def _same_effects(backbone: Backbone, expected: list[str]) -> bool:
    """Handled concurrently (prefetch), so compare regardless of order."""
    return sorted(await backbone.effects()) == sorted(expected)


async def _effects_equal(backbone: Backbone, expected: list[str]) -> bool:
    return await backbone.effects() == expected


async def test_transient_failure_succeeds_on_retry(backbone: Backbone, running: Any) -> None:
    recorder = Recorder(backbone.schema)
    recorder.fail_times = 2
    await running(recorder)
    await backbone.bus.publish_envelope(envelope_for("eventually"))
    await eventually(lambda: _effects_equal(backbone, ["eventually"]), message="not retried")
    assert recorder.attempts_seen == [1, 2, 3]
    assert await dead_letters(backbone) == []


async def test_poison_message_is_dead_lettered_after_n_attempts_and_replay_puts_it_back(
    backbone: Backbone, running: Any
) -> None:
    recorder = Recorder(backbone.schema)
    recorder.fail_times = 1_000
    consumer = await running(recorder)
    envelope = envelope_for("poison")
    await backbone.bus.publish_envelope(envelope)

    letters = await eventually(lambda: dead_letters(backbone), message="not dead-lettered")
    assert [letter.message_id for letter in letters] == [str(envelope.id)]
    assert recorder.attempts_seen == [1, 2, 3]
    assert "gave up after 3 attempts" in (letters[0].error or "")
    assert await backbone.effects() == [], "failed attempts left no effect"

    # The operator fixes the cause, then replays with the CLI (as a subprocess would).
    recorder.fail_times = 0
    args = ["--namespace", backbone.namespace, "replay", SERVICE, "--message-id", str(envelope.id)]
    assert await asyncio.to_thread(dlq_cli.main, args) == 0
    await eventually(lambda: _effects_equal(backbone, ["poison"]), message="replay not handled")
    assert await dead_letters(backbone) == []
    assert consumer.started.is_set()


async def test_infrastructure_outage_never_spends_attempts(
    backbone: Backbone, running: Any
) -> None:
    """A database outage longer than every retry delay dead-letters nothing."""

    class FlakyDatabase(Recorder):
        outages = 6  # more than max_attempts (3)

        async def __call__(self, ctx: MessageContext, event: ThingHappenedV1) -> None:
            if self.outages > 0:
                self.outages -= 1
                raise ConnectionError("connection refused")
            await super().__call__(ctx, event)

    recorder = FlakyDatabase(backbone.schema)
    await running(recorder)
    await backbone.bus.publish_envelope(envelope_for("survived"))
    await eventually(
        lambda: _effects_equal(backbone, ["survived"]),
        timeout=15,
        message="not handled after the outage",
    )
    assert await dead_letters(backbone) == []
    assert recorder.attempts_seen == [1], "deferrals did not count as attempts"


async def test_replay_all_replays_each_message_once_per_run(
    backbone: Backbone, running: Any
) -> None:
    recorder = Recorder(backbone.schema)
    recorder.permanent = True
    await running(recorder)
    envelopes = [envelope_for(f"p{i}") for i in range(3)]
    for envelope in envelopes:
        await backbone.bus.publish_envelope(envelope)
    await eventually(lambda: _count_is(backbone, 3), message="not dead-lettered")
    # Still failing: each comes straight back, and the run must end anyway.
    replayed = await asyncio.wait_for(
        dlq_cli.replay_dead_letters(backbone.bus, SERVICE, None), timeout=30
    )
    assert replayed == 3
    await eventually(lambda: _count_is(backbone, 3), message="replayed ones not back")


async def _count_is(backbone: Backbone, count: int) -> bool:
    return len(await dead_letters(backbone)) == count


async def test_permanent_error_goes_straight_to_dead_letters(
    backbone: Backbone, running: Any
) -> None:
    recorder = Recorder(backbone.schema)
    recorder.permanent = True
    await running(recorder)
    await backbone.bus.publish_envelope(envelope_for("never"))
    letters = await eventually(lambda: dead_letters(backbone), message="not dead-lettered")
    assert recorder.attempts_seen == [1]
    assert (letters[0].error or "").startswith("permanent:")


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "invalid envelope"),
        (b'{"hello": "world"}', "invalid envelope"),
        (None, "unknown event type"),  # a well-formed envelope of a type nobody registered
        ("bad-payload", "invalid at note"),
        ("unhandled", "has no handler"),
    ],
)
async def test_bad_messages_are_dead_lettered_not_dropped_not_looped(
    backbone: Backbone, running: Any, body: bytes | str | None, reason: str
) -> None:
    recorder = Recorder(backbone.schema)
    await running(recorder)
    good = envelope_for("fine")
    if body is None:
        data = good.model_dump(mode="json") | {"type": "test.nobody_knows"}
        raw = json.dumps(data).encode()
    elif body == "bad-payload":
        data = good.model_dump(mode="json")
        data["payload"]["note"] = "x" * 500
        raw = json.dumps(data).encode()
    elif body == "unhandled":
        raw = (
            new_envelope(
                UnhandledThingV1(thing_id=uuid.uuid4()), source="t", subject="s", sequence=1
            )
            .model_dump_json()
            .encode()
        )
    else:
        assert isinstance(body, bytes)
        raw = body
    await backbone.bus.publish_to_queue(
        backbone.bus.topology.service_queue(SERVICE),
        raw,
        headers={},
        properties={"message_id": "bad-1"},
    )
    await backbone.bus.publish_envelope(good)  # the queue keeps flowing past the bad one
    letters = await eventually(lambda: dead_letters(backbone), message="not dead-lettered")
    assert len(letters) == 1 and reason in (letters[0].error or ""), letters
    await eventually(lambda: _effects_equal(backbone, ["fine"]), message="queue blocked")
    assert recorder.calls == 1


async def test_cli_lists_dead_letters_without_removing_them(
    backbone: Backbone, running: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder = Recorder(backbone.schema)
    recorder.permanent = True
    await running(recorder)
    envelope = envelope_for("listed")
    await backbone.bus.publish_envelope(envelope)
    await eventually(lambda: dead_letters(backbone), message="not dead-lettered")
    code = await asyncio.to_thread(
        dlq_cli.main, ["--namespace", backbone.namespace, "list", SERVICE]
    )
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["message_id"] for line in lines] == [str(envelope.id)]
    assert len(await dead_letters(backbone)) == 1, "listing must not consume"
    counts = await dlq_cli.count_dead_letters(backbone.bus, [SERVICE, "nobody-svc"])
    assert counts == {SERVICE: 1, "nobody-svc": None}


async def test_concurrent_duplicate_waits_for_the_first_and_has_no_effect(
    backbone: Backbone,
) -> None:
    message_id = str(uuid.uuid4())
    async with backbone.sessions() as first, backbone.sessions() as second:
        await first.begin()
        assert await claim_message(first, backbone.schema, "c", message_id)
        racing = asyncio.create_task(_claim(second, backbone.schema, message_id))
        await asyncio.sleep(0.3)
        assert not racing.done(), "the duplicate must wait for the first transaction"
        await first.commit()
        assert await racing is False


async def _claim(session: Any, schema: str, message_id: str) -> bool:
    async with session.begin():
        return bool(await claim_message(session, schema, "c", message_id))


async def test_rolled_back_claim_lets_the_duplicate_take_over(backbone: Backbone) -> None:
    message_id = str(uuid.uuid4())
    async with backbone.sessions() as first, backbone.sessions() as second:
        await first.begin()
        assert await claim_message(first, backbone.schema, "c", message_id)
        racing = asyncio.create_task(_claim(second, backbone.schema, message_id))
        await asyncio.sleep(0.2)
        await first.rollback()
        assert await racing is True


def test_envelope_times_are_stored_in_utc() -> None:
    local = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Bucharest"))  # UTC+3 in summer
    envelope = new_envelope(
        ThingHappenedV1(thing_id=uuid.uuid4()),
        source="t",
        subject="s",
        sequence=1,
        occurred_at=local,
    )
    assert envelope.occurred_at.utcoffset() == timedelta(0)
    assert envelope.occurred_at == local and envelope.occurred_at.hour == 9


async def test_consumer_resumes_after_losing_the_broker_and_loses_nothing(
    backbone: Backbone,
) -> None:
    from taraba_platform.bus import Bus
    from taraba_testing.infra import RABBITMQ_URL
    from taraba_testing.tcp_proxy import TcpProxy

    proxy = TcpProxy("127.0.0.1", int(RABBITMQ_URL.rsplit(":", 1)[1].split("/")[0]))
    await proxy.start()
    consumer_bus = Bus(
        proxy.url(), namespace=backbone.namespace, publish_timeout=1.0, reconnect_interval=0.3
    )
    await consumer_bus.connect()
    recorder = Recorder(backbone.schema)
    recorder.__name__ = "record_thing"  # type: ignore[attr-defined]
    consumer = Consumer(
        bus=consumer_bus,
        service=SERVICE,
        schema=backbone.schema,
        session_factory=backbone.sessions,
        subscriptions=[Subscription(ThingHappenedV1, recorder)],
        retry_delays=[0.2, 0.4],
        max_attempts=3,
    )
    await consumer.declare_and_consume()
    try:
        await backbone.bus.publish_envelope(envelope_for("before"))
        await eventually(lambda: _effects_equal(backbone, ["before"]), message="not handled")

        await proxy.cut()  # the consumer's broker is gone; publishers go on (direct bus)
        notes = [f"during {i}" for i in range(20)]
        for note in notes:
            await backbone.bus.publish_envelope(envelope_for(note))
        await asyncio.sleep(0.5)
        assert await backbone.effects() == ["before"]

        await proxy.start()
        await eventually(
            lambda: _same_effects(backbone, ["before", *notes]),
            timeout=20,
            message="consumer did not resume after the broker came back",
        )
    finally:
        await consumer.stop()
        await consumer_bus.close()
        await proxy.cut()
