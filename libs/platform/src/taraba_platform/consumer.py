"""Consuming events: parse strictly, handle once (inbox), retry with delay, dead-letter poison.

Per message:
1. The body must be a valid envelope of a registered type this service subscribes to, with a
   payload that fits its contract; otherwise the message is poison and goes to `<service>.dlq`.
2. In one transaction: the inbox row (consumer, message id) and the handler's effects (including
   any events it writes to the outbox). A duplicate finds the row and has no second effect.
3. Ack after commit. A transient failure is republished to a delay queue with the attempt count
   in our own header; after `max_attempts` (or a PermanentError) it is dead-lettered with the
   reason. A crash before the ack means redelivery, which the inbox makes harmless, and the
   queue's delivery limit stops a message that kills the process from looping forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import aiormq
import asyncpg
import sqlalchemy.exc
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractQueue
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from taraba_contracts import (
    Envelope,
    EnvelopeError,
    Event,
    event_model_for,
    parse_envelope,
    parse_event,
)

from taraba_platform.bus import (
    ATTEMPT_HEADER,
    DEAD_LETTERED_AT_HEADER,
    ERROR_HEADER,
    ORIGINAL_QUEUE_HEADER,
    Bus,
)
from taraba_platform.errors import PermanentError
from taraba_platform.inbox import claim_message
from taraba_platform.logging import causation_id_var, correlation_id_var, message_id_var
from taraba_platform.metrics import ServiceMetrics

log = logging.getLogger(__name__)

EventT = TypeVar("EventT", bound=Event)

# Failures of the database or the network, not of the handler's logic.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,
    OSError,
)


@dataclass(frozen=True)
class MessageContext:
    """What a handler gets besides the event: the transaction's session and the envelope."""

    session: AsyncSession
    envelope: Envelope
    attempt: int


Handler = Callable[[MessageContext, EventT], Awaitable[None]]


@dataclass(frozen=True)
class Subscription(Generic[EventT]):
    event: type[EventT]
    handler: Handler[EventT]

    @property
    def routing_key(self) -> str:
        return self.event.routing_key()

    @property
    def name(self) -> str:
        return getattr(self.handler, "__name__", self.routing_key)


class Consumer:
    def __init__(
        self,
        *,
        bus: Bus,
        service: str,
        schema: str,
        session_factory: async_sessionmaker[AsyncSession],
        subscriptions: Sequence[Subscription[Any]],
        prefetch: int = 16,
        retry_delays: Sequence[float] = (1.0, 5.0, 30.0, 120.0),
        max_attempts: int = 5,
        delivery_limit: int = 10,
        handler_timeout: float = 60.0,
        metrics: ServiceMetrics | None = None,
    ) -> None:
        if not retry_delays:
            raise ValueError("retry_delays must not be empty")
        self.bus = bus
        self.service = service
        self.schema = schema
        self.session_factory = session_factory
        self.subscriptions = {s.routing_key: s for s in subscriptions}
        self.prefetch = prefetch
        self.retry_delays = list(retry_delays)
        self.max_attempts = max_attempts
        self.delivery_limit = delivery_limit
        self.handler_timeout = handler_timeout
        self.metrics = metrics
        self.topology = bus.topology
        self.queue_name = self.topology.service_queue(service)
        self._channel: AbstractChannel | None = None
        self._queue: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._task: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.started = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._start_when_connected(), name="consumer-start")

    async def _start_when_connected(self) -> None:
        await self.bus.connected.wait()
        while True:
            try:
                await self.declare_and_consume()
                return
            except asyncio.CancelledError:
                raise
            except aiormq.exceptions.ChannelPreconditionFailed:
                # A queue exists with other arguments (e.g. a changed delivery limit): no retry
                # fixes that; an operator must delete or migrate the queue.
                log.critical(
                    "queue arguments differ from the broker's; delete or migrate the "
                    "queue, then restart",
                    extra={"queue": self.queue_name},
                )
                await asyncio.sleep(30.0)
            except Exception:
                log.exception("could not start consuming; retrying")
                await asyncio.sleep(2.0)

    async def declare_queues(self, channel: AbstractChannel) -> AbstractQueue:
        topo = self.topology
        dlx = await channel.get_exchange(topo.dead_letter_exchange)
        dlq = await channel.declare_queue(topo.dead_letter_queue(self.service), durable=True)
        await dlq.bind(dlx, routing_key=self.queue_name)
        queue = await channel.declare_queue(
            self.queue_name,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": self.delivery_limit,
                "x-dead-letter-exchange": topo.dead_letter_exchange,
                "x-dead-letter-routing-key": self.queue_name,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
        events = await channel.get_exchange(topo.events_exchange)
        for routing_key in self.subscriptions:
            await queue.bind(events, routing_key=routing_key)
        for delay in self.retry_delays:
            await channel.declare_queue(
                topo.retry_queue(self.service, delay),
                durable=True,
                arguments={
                    "x-queue-type": "quorum",
                    "x-message-ttl": round(delay * 1000),
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": self.queue_name,
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
            )
        return queue

    async def declare_only(self) -> None:
        """Declare the queues and bindings without consuming (deployment step)."""
        assert self.bus.connection is not None
        channel = await self.bus.connection.channel()
        try:
            await self.declare_queues(channel)
        finally:
            if not channel.is_closed:
                await channel.close()

    async def declare_and_consume(self) -> None:
        assert self.bus.connection is not None
        channel = await self.bus.connection.channel()
        try:
            await channel.set_qos(prefetch_count=self.prefetch)
            queue = await self.declare_queues(channel)
            self._consumer_tag = await queue.consume(self._on_message)
        except BaseException:
            if not channel.is_closed:
                with contextlib.suppress(Exception):
                    await channel.close()
            raise
        self._channel, self._queue = channel, queue
        self.started.set()
        log.info(
            "consuming", extra={"queue": self.queue_name, "bindings": sorted(self.subscriptions)}
        )

    async def stop(self, grace: float = 10.0) -> None:
        """Stop taking messages, let those in hand finish (commit and ack), then close.

        Whatever was prefetched but not started goes back to the queue with the channel.
        """
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._queue is not None and self._consumer_tag is not None:
            with contextlib.suppress(Exception):
                await self._queue.cancel(self._consumer_tag)
        if self._in_flight:
            await asyncio.wait(list(self._in_flight), timeout=grace)
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()
        self._channel = None
        self._queue = None
        self._consumer_tag = None
        self.started.clear()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            await self.process(message)
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def process(self, message: AbstractIncomingMessage) -> None:
        raw_attempt = (message.headers or {}).get(ATTEMPT_HEADER, 0)
        attempt = (raw_attempt if isinstance(raw_attempt, int) else 0) + 1
        try:
            envelope = parse_envelope(message.body)
            event_model_for(envelope.type, envelope.version)  # UnknownEventType first
            subscription = self.subscriptions.get(envelope.routing_key)
            if subscription is None:
                raise EnvelopeError(f"{self.service} has no handler for {envelope.routing_key}")
            event = parse_event(envelope)
        except EnvelopeError as exc:
            await self._dead_letter(message, f"poison: {exc}", "unknown")
            return

        tokens = (
            correlation_id_var.set(envelope.correlation_id),
            causation_id_var.set(str(envelope.id)),
            message_id_var.set(str(envelope.id)),
        )
        started = time.perf_counter()
        outcome = "handled"
        try:
            consumer_name = f"{self.service}:{subscription.name}"
            async with asyncio.timeout(self.handler_timeout):
                async with self.session_factory() as session, session.begin():
                    if await claim_message(session, self.schema, consumer_name, str(envelope.id)):
                        await subscription.handler(
                            MessageContext(session, envelope, attempt), event
                        )
                    else:
                        outcome = "duplicate"
        except PermanentError as exc:
            outcome = "dead_lettered"
            await self._dead_letter(message, f"permanent: {exc}", envelope.routing_key)
        except asyncio.CancelledError:
            raise
        except INFRASTRUCTURE_ERRORS as exc:
            # The database (or network) is down, not the handler wrong: wait and try again
            # without spending an attempt, so an outage of any length dead-letters nothing.
            outcome = "deferred"
            log.warning("infrastructure unavailable, message deferred", extra={"error": repr(exc)})
            await self._retry(message, attempt - 1, delay=self.retry_delays[-1])
        except Exception as exc:
            if attempt >= self.max_attempts:
                outcome = "dead_lettered"
                log.exception("handler failed for the last time", extra={"attempt": attempt})
                await self._dead_letter(
                    message, f"gave up after {attempt} attempts: {exc!r}", envelope.routing_key
                )
            else:
                outcome = "retried"
                log.warning(
                    "handler failed, will retry", extra={"attempt": attempt, "error": repr(exc)}
                )
                await self._retry(message, attempt)
        else:
            # Outside the handler's try: a lost ack after a commit is not a handler failure;
            # the redelivery it causes finds the inbox row and does nothing.
            with contextlib.suppress(Exception):
                await message.ack()
        finally:
            for var, token in zip(
                (correlation_id_var, causation_id_var, message_id_var), tokens, strict=True
            ):
                var.reset(token)
            if self.metrics:
                self.metrics.messages.labels(self.service, envelope.routing_key, outcome).inc()
                self.metrics.handler_latency.labels(self.service, envelope.routing_key).observe(
                    time.perf_counter() - started
                )

    def _copied_properties(self, message: AbstractIncomingMessage) -> dict[str, Any]:
        return {
            "message_id": message.message_id,
            "correlation_id": message.correlation_id,
            "type": message.type,
            "app_id": message.app_id,
            "timestamp": message.timestamp,
        }

    async def _move(
        self, message: AbstractIncomingMessage, queue: str, headers: dict[str, Any]
    ) -> None:
        """Publish a copy to `queue` (confirmed), then ack the original.

        If the copy cannot be confirmed the original is requeued, never acked: nothing is lost,
        and the queue's delivery limit bounds how often that can happen.
        """
        try:
            await self.bus.publish_to_queue(
                queue,
                message.body,
                headers=headers,
                properties=self._copied_properties(message),
            )
        except Exception:
            log.exception("could not move message; requeueing it", extra={"queue": queue})
            await asyncio.sleep(0.5)
            await message.nack(requeue=True)
            return
        await message.ack()

    async def _retry(
        self, message: AbstractIncomingMessage, attempt: int, delay: float | None = None
    ) -> None:
        if delay is None:
            delay = self.retry_delays[min(attempt - 1, len(self.retry_delays) - 1)]
        headers = dict(message.headers or {})
        headers[ATTEMPT_HEADER] = attempt
        await self._move(message, self.topology.retry_queue(self.service, delay), headers)

    async def _dead_letter(self, message: AbstractIncomingMessage, reason: str, event: str) -> None:
        log.error(
            "message dead-lettered",
            extra={"reason": reason, "event": event, "amqp_message_id": message.message_id},
        )
        headers = dict(message.headers or {})
        headers[ERROR_HEADER] = reason[:1000]
        headers[ORIGINAL_QUEUE_HEADER] = self.queue_name
        headers[DEAD_LETTERED_AT_HEADER] = datetime.now(UTC).isoformat()
        await self._move(message, self.topology.dead_letter_queue(self.service), headers)
        if self.metrics and event == "unknown":
            self.metrics.messages.labels(self.service, event, "dead_lettered").inc()
