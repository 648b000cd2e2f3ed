"""Everything a service runs besides its HTTP routes: engine, bus, relay and consumer.

Started and stopped in order by the app's lifespan; nothing is created at import time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from taraba_platform.bus import Bus
from taraba_platform.consumer import Consumer, Subscription
from taraba_platform.db import asyncpg_dsn, make_engine, make_session_factory, ping
from taraba_platform.metrics import ServiceMetrics
from taraba_platform.outbox import OutboxRelay, outbox_stats
from taraba_platform.settings import ServiceSettings

log = logging.getLogger(__name__)


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        subscriptions: Sequence[Subscription[Any]] = (),
        metrics: ServiceMetrics | None = None,
    ) -> None:
        self.settings = settings
        self.subscriptions = list(subscriptions)
        self.metrics = metrics or ServiceMetrics(settings.service_name)
        self.engine: AsyncEngine = make_engine(settings)
        self.session_factory: async_sessionmaker[AsyncSession] = make_session_factory(self.engine)
        self.bus = Bus(
            settings.rabbitmq_url,
            namespace=settings.bus_namespace,
            connection_name=settings.service_name,
            publish_timeout=settings.bus_publish_timeout,
        )
        self.relay: OutboxRelay | None = None
        self.consumer: Consumer | None = None

    async def start(self) -> None:
        s = self.settings
        self.bus.start()
        if s.run_relay:
            self.relay = OutboxRelay(
                engine=self.engine,
                bus=self.bus,
                schema=s.db_schema,
                dsn=asyncpg_dsn(s.sqlalchemy_url),
                metrics=self.metrics,
                batch_size=s.relay_batch_size,
                poll_interval=s.relay_poll_interval,
                max_backoff=s.relay_max_backoff,
                retention_days=s.relay_retention_days,
                inbox_retention_days=s.inbox_retention_days,
            )
            self.relay.start()
        # A service that subscribes to nothing declares no queue and never consumes.
        if s.run_consumers and self.subscriptions:
            self.consumer = Consumer(
                bus=self.bus,
                service=s.service_name,
                schema=s.db_schema,
                session_factory=self.session_factory,
                subscriptions=self.subscriptions,
                prefetch=s.bus_prefetch,
                retry_delays=s.bus_retry_delays,
                max_attempts=s.bus_max_attempts,
                delivery_limit=s.bus_delivery_limit,
                handler_timeout=s.bus_handler_timeout,
                metrics=self.metrics,
            )
            self.consumer.start()

    async def stop(self) -> None:
        if self.consumer:
            await self.consumer.stop()
        if self.relay:
            await self.relay.stop()
        await self.bus.close()
        await self.engine.dispose()

    async def refresh_metrics(self) -> None:
        """Outbox gauges, read at scrape time so they stay true when the relay is down."""
        try:
            async with self.engine.connect() as conn:
                stats = await asyncio.wait_for(outbox_stats(conn, self.settings.db_schema), 3)
        except Exception:
            log.warning("could not read the outbox for metrics")
            return
        self.metrics.outbox_backlog.set(stats.backlog)
        self.metrics.outbox_oldest_age.set(stats.oldest_age_seconds)

    async def readiness(self) -> dict[str, str]:
        """Each dependency's state; the service is ready when all say 'ok'."""
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ping(self.engine), timeout=3)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unavailable: {type(exc).__name__}"
        checks["broker"] = "ok" if self.bus.is_connected else "unavailable"
        if self.consumer is not None:
            checks["consumer"] = "ok" if self.consumer.started.is_set() else "starting"
        return checks
