"""RabbitMQ: topology names, one robust connection per service, publishing with confirms.

Topology (every name prefixed by the bus namespace, empty in production):

    taraba.events   topic exchange, alternate-exchange = taraba.unrouted
    taraba.unrouted fanout exchange -> taraba.unrouted queue (capped; unrouted events land here)
    taraba.dlx      direct exchange -> <service>.dlq (classic; never consumed automatically)
    <service>       quorum queue per consuming service, explicit delivery limit, DLX = taraba.dlx
    <service>.retry.<ms>  quorum queues with a TTL that dead-letter back into <service> only
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import aio_pika
import aiormq
from aio_pika.abc import (
    AbstractChannel,
    AbstractExchange,
    AbstractRobustConnection,
    DeliveryMode,
    ExchangeType,
)
from pamqp.commands import Basic
from taraba_contracts import Envelope

log = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-taraba-attempt"
ERROR_HEADER = "x-taraba-error"
ORIGINAL_QUEUE_HEADER = "x-taraba-original-queue"
DEAD_LETTERED_AT_HEADER = "x-taraba-dead-lettered-at"
UNROUTED_MAX_LENGTH = 100_000


class PublishNotConfirmed(RuntimeError):
    """The broker did not confirm a publish (nack, timeout or closed channel)."""


class Topology:
    """Every exchange and queue name, derived from one namespace."""

    def __init__(self, namespace: str = "") -> None:
        if namespace and not namespace.endswith("."):
            namespace += "."
        self.namespace = namespace

    @property
    def events_exchange(self) -> str:
        return f"{self.namespace}taraba.events"

    @property
    def unrouted_exchange(self) -> str:
        return f"{self.namespace}taraba.unrouted"

    @property
    def unrouted_queue(self) -> str:
        return f"{self.namespace}taraba.unrouted"

    @property
    def dead_letter_exchange(self) -> str:
        return f"{self.namespace}taraba.dlx"

    def service_queue(self, service: str) -> str:
        return f"{self.namespace}{service}"

    def retry_queue(self, service: str, delay_seconds: float) -> str:
        return f"{self.namespace}{service}.retry.{round(delay_seconds * 1000)}ms"

    def dead_letter_queue(self, service: str) -> str:
        return f"{self.namespace}{service}.dlq"


class Bus:
    """One robust connection and a confirming publish channel for a service.

    `start()` returns at once and connects in the background, so a service whose broker is down
    still starts, serves its API and fills its outbox; `/ready` reports the broker as down.
    """

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "",
        connection_name: str = "taraba",
        publish_timeout: float = 5.0,
        reconnect_interval: float = 2.0,
    ) -> None:
        self.url = url
        self.reconnect_interval = reconnect_interval
        self.topology = Topology(namespace)
        self.connection_name = connection_name
        self.publish_timeout = publish_timeout
        self.connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._events: AbstractExchange | None = None
        self._default: AbstractExchange | None = None
        self.connected = asyncio.Event()
        self._connect_task: asyncio.Task[None] | None = None

    @property
    def is_connected(self) -> bool:
        return (
            self.connection is not None
            and not self.connection.is_closed
            and self._channel is not None
            and not self._channel.is_closed
        )

    def start(self) -> None:
        self._connect_task = asyncio.create_task(self._connect_until_up(), name="bus-connect")

    async def _connect_until_up(self) -> None:
        delay = 0.5
        while True:
            try:
                await self.connect()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("broker unreachable, retrying", extra={"error": str(exc)})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def connect(self) -> None:
        connection = await aio_pika.connect_robust(
            self.url,
            timeout=10,
            client_properties={"connection_name": self.connection_name},
            reconnect_interval=self.reconnect_interval,
        )
        try:
            # A direct publish to a queue that does not exist comes back (mandatory) and
            # raises, instead of being confirmed and lost.
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            await self._declare_base(channel)
        except BaseException:
            await connection.close()
            raise
        self.connection = connection
        self._channel = channel
        self._default = channel.default_exchange
        self.connected.set()
        log.info("connected to the broker")

    async def _declare_base(self, channel: AbstractChannel) -> None:
        topo = self.topology
        unrouted = await channel.declare_exchange(
            topo.unrouted_exchange, ExchangeType.FANOUT, durable=True
        )
        unrouted_queue = await channel.declare_queue(
            topo.unrouted_queue,
            durable=True,
            arguments={"x-max-length": UNROUTED_MAX_LENGTH, "x-overflow": "drop-head"},
        )
        await unrouted_queue.bind(unrouted)
        self._events = await channel.declare_exchange(
            topo.events_exchange,
            ExchangeType.TOPIC,
            durable=True,
            arguments={"alternate-exchange": topo.unrouted_exchange},
        )
        await channel.declare_exchange(topo.dead_letter_exchange, ExchangeType.DIRECT, durable=True)

    async def wait_connected(self, timeout: float | None = None) -> None:
        await asyncio.wait_for(self.connected.wait(), timeout)

    async def publish_envelope(self, envelope: Envelope) -> None:
        """Publish to `taraba.events` and wait for the broker's confirm (or raise)."""
        if self._events is None or not self.is_connected:
            raise PublishNotConfirmed("broker not connected")
        headers: dict[str, Any] = {"x-subject": envelope.subject}
        if envelope.causation_id:
            headers["x-causation-id"] = envelope.causation_id
        message = aio_pika.Message(
            body=envelope.model_dump_json().encode(),
            message_id=str(envelope.id),
            type=envelope.routing_key,
            app_id=envelope.source,
            correlation_id=envelope.correlation_id,
            timestamp=envelope.occurred_at,
            content_type="application/json",
            delivery_mode=DeliveryMode.PERSISTENT,
            headers=headers,
        )
        await self._confirmed(self._events, message, envelope.routing_key)

    async def publish_to_queue(
        self,
        queue: str,
        body: bytes,
        *,
        headers: Mapping[str, Any],
        properties: Mapping[str, Any] | None = None,
    ) -> None:
        """Publish straight to one queue (retry, dead-letter, replay), confirmed."""
        if self._default is None or not self.is_connected:
            raise PublishNotConfirmed("broker not connected")
        message = aio_pika.Message(
            body=body,
            headers=dict(headers),
            delivery_mode=DeliveryMode.PERSISTENT,
            content_type="application/json",
            **dict(properties or {}),
        )
        await self._confirmed(self._default, message, queue)

    async def _confirmed(
        self, exchange: AbstractExchange, message: aio_pika.Message, routing_key: str
    ) -> None:
        try:
            confirmation = await asyncio.wait_for(
                exchange.publish(message, routing_key=routing_key), timeout=self.publish_timeout
            )
        except (TimeoutError, aiormq.exceptions.AMQPError, ConnectionError, RuntimeError) as exc:
            raise PublishNotConfirmed(f"publish to {routing_key!r} not confirmed: {exc!r}") from exc
        if not isinstance(confirmation, Basic.Ack):
            raise PublishNotConfirmed(f"broker refused publish to {routing_key!r}: {confirmation}")

    async def close(self) -> None:
        if self._connect_task:
            self._connect_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connect_task
        if self.connection is not None:
            await self.connection.close()
        self.connection = None
        self._channel = None
        self.connected.clear()
