"""The transactional outbox: events are rows written in the same transaction as the state.

Nothing but the relay publishes. `add_event` is the only way a service emits an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession
from taraba_contracts import Envelope, Event, new_envelope

from taraba_platform.bus import Bus
from taraba_platform.logging import causation_id_var, correlation_id_var
from taraba_platform.metrics import ServiceMetrics

log = logging.getLogger(__name__)


def notify_channel(schema: str) -> str:
    return f"{schema}_outbox"


async def add_event(
    session: AsyncSession,
    event: Event,
    *,
    source: str,
    schema: str,
    subject: str,
    sequence: int,
    occurred_at: datetime | None = None,
) -> Envelope:
    """Write `event` to the outbox in the session's current transaction.

    The correlation and causation ids come from the current request or message, so a chain of
    events can be followed across services. The NOTIFY is transactional: it wakes the relay only
    if the transaction commits.
    """
    envelope = new_envelope(
        event,
        source=source,
        subject=subject,
        sequence=sequence,
        correlation_id=correlation_id_var.get(),
        causation_id=causation_id_var.get(),
        occurred_at=occurred_at,
    )
    await session.execute(
        sa.text(
            f'INSERT INTO "{schema}".outbox (message_id, routing_key, envelope) '
            "VALUES (:message_id, :routing_key, CAST(:envelope AS jsonb))"
        ),
        {
            "message_id": envelope.id,
            "routing_key": envelope.routing_key,
            "envelope": envelope.model_dump_json(),
        },
    )
    await session.execute(
        sa.text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(schema)}
    )
    return envelope


async def add_events(
    session: AsyncSession,
    events: Sequence[tuple[Event, str, int]],
    *,
    source: str,
    schema: str,
) -> list[Envelope]:
    """Write many `(event, subject, sequence)` to the outbox in the session's transaction:
    one multi-row INSERT and one NOTIFY, for bulk writes that emit an event per row."""
    envelopes = [
        new_envelope(
            event,
            source=source,
            subject=subject,
            sequence=sequence,
            correlation_id=correlation_id_var.get(),
            causation_id=causation_id_var.get(),
        )
        for event, subject, sequence in events
    ]
    if not envelopes:
        return envelopes
    await session.execute(
        sa.text(
            f'INSERT INTO "{schema}".outbox (message_id, routing_key, envelope) '
            "VALUES (:message_id, :routing_key, CAST(:envelope AS jsonb))"
        ),
        [
            {"message_id": e.id, "routing_key": e.routing_key, "envelope": e.model_dump_json()}
            for e in envelopes
        ],
    )
    await session.execute(
        sa.text("SELECT pg_notify(:channel, '')"), {"channel": notify_channel(schema)}
    )
    return envelopes


@dataclass(frozen=True)
class OutboxStats:
    backlog: int
    oldest_age_seconds: float
    failing: int


async def outbox_stats(session_or_conn: AsyncSession | AsyncConnection, schema: str) -> OutboxStats:
    row = (
        await session_or_conn.execute(
            sa.text(
                "SELECT count(*), COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0),"
                " count(*) FILTER (WHERE attempts > 0)"
                f' FROM "{schema}".outbox WHERE published_at IS NULL'
            )
        )
    ).one()
    return OutboxStats(backlog=int(row[0]), oldest_age_seconds=float(row[1]), failing=int(row[2]))


def backoff_seconds(attempts: int, cap: float) -> float:
    """Exponential backoff with full jitter: 0.5 s, 1 s, 2 s ... capped."""
    base: float = min(cap, 0.5 * (2 ** max(0, attempts - 1)))
    return base / 2 + random.random() * base / 2


class OutboxRelay:
    """Publishes every due outbox row of one service, with publisher confirms, forever.

    One relay per service is active at a time (a session-level advisory lock on a dedicated
    connection; another replica takes over if that connection dies). Rows are claimed with
    `FOR UPDATE SKIP LOCKED` and selected by state (`published_at IS NULL`), not by position, so a
    transaction that commits late is still picked up. A row that fails is retried with backoff
    and never dropped; the age of the oldest unpublished row is exported as a metric.
    """

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        bus: Bus,
        schema: str,
        dsn: str,
        metrics: ServiceMetrics | None = None,
        batch_size: int = 200,
        poll_interval: float = 1.0,
        max_backoff: float = 30.0,
        retention_days: int = 7,
        inbox_retention_days: int = 30,
        pipelined: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.bus = bus
        self.schema = schema
        self.dsn = dsn
        self.metrics = metrics
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.max_backoff = max_backoff
        self.retention_days = retention_days
        self.inbox_retention_days = inbox_retention_days
        self.pipelined = pipelined
        self._clock = clock
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.is_leader = False
        self.published_total = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self.schema}")

    async def stop(self, grace: float = 5.0) -> None:
        """Finish the batch in hand (never cut a transaction mid-way), then stop."""
        self._stopping = True
        self._wakeup.set()
        if self._task:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    def wake(self) -> None:
        self._wakeup.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay lost its connection; retrying")
            self.is_leader = False
            if not self._stopping:
                await self._pause(min(self.poll_interval * 2, 5.0))

    async def _lead(self) -> None:
        conn = await asyncpg.connect(self.dsn, timeout=10)
        try:
            lock_key = f"taraba.outbox.{self.schema}"
            while not self._stopping:
                if await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", lock_key):
                    break
                await self._pause(max(self.poll_interval, 1.0))
            if self._stopping:
                return
            self.is_leader = True
            log.info("outbox relay is active", extra={"schema": self.schema})
            await conn.add_listener(notify_channel(self.schema), self._on_notify)
            last_housekeeping = 0.0
            loop = asyncio.get_running_loop()
            while not self._stopping:
                if conn.is_closed():
                    raise ConnectionError("relay lock connection closed")
                self._wakeup.clear()
                published, more = await self.relay_once()
                if loop.time() - last_housekeeping > 3600:
                    await self.housekeeping()
                    last_housekeeping = loop.time()
                if more and published:
                    continue
                await self._pause(self.poll_interval)
        finally:
            await conn.close()

    async def _pause(self, seconds: float) -> None:
        """Sleep until `seconds` pass, a NOTIFY arrives or stop() is called."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=seconds)

    def _on_notify(self, *_: object) -> None:
        self._wakeup.set()

    async def relay_once(self) -> tuple[int, bool]:
        """Claim and publish one batch of due rows. Returns (published, batch_was_full)."""
        schema = self.schema
        async with self.engine.begin() as conn:
            rows = (
                await conn.execute(
                    sa.text(
                        "SELECT o.id, o.routing_key, o.envelope::text, o.attempts, "
                        "o.envelope->>'subject' "
                        f'FROM "{schema}".outbox o '
                        "WHERE o.published_at IS NULL AND o.next_attempt_at <= now() "
                        # A subject's events never overtake an earlier one still backing off.
                        f'AND NOT EXISTS (SELECT 1 FROM "{schema}".outbox e '
                        "WHERE e.published_at IS NULL AND e.id < o.id "
                        "AND e.next_attempt_at > now() "
                        "AND e.envelope->>'subject' = o.envelope->>'subject') "
                        "ORDER BY o.id LIMIT :limit FOR UPDATE OF o SKIP LOCKED"
                    ),
                    {"limit": self.batch_size},
                )
            ).all()
            if not rows:
                return 0, False
            outcomes = await self._publish_rows(rows)
            ok_ids = [row[0] for row, err in zip(rows, outcomes, strict=True) if err is None]
            if ok_ids:
                await conn.execute(
                    sa.text(
                        f'UPDATE "{schema}".outbox SET published_at = now(), last_error = NULL '
                        "WHERE id = ANY(:ids)"
                    ),
                    {"ids": ok_ids},
                )
            now = self._clock()
            for row, err in zip(rows, outcomes, strict=True):
                if err is None:
                    continue
                attempts = row[3] + 1
                await conn.execute(
                    sa.text(
                        f'UPDATE "{schema}".outbox SET attempts = :attempts, '
                        "next_attempt_at = :next, last_error = :error WHERE id = :id"
                    ),
                    {
                        "attempts": attempts,
                        "next": now
                        + timedelta(seconds=backoff_seconds(attempts, self.max_backoff)),
                        "error": f"{type(err).__name__}: {err}"[:2000],
                        "id": row[0],
                    },
                )
        failed = len(rows) - len(ok_ids)
        self.published_total += len(ok_ids)
        if self.metrics:
            self.metrics.outbox_published.inc(len(ok_ids))
            if failed:
                self.metrics.outbox_publish_failures.inc(failed)
        if failed:
            log.warning("outbox publish failed", extra={"failed": failed, "published": len(ok_ids)})
        return len(ok_ids), len(rows) == self.batch_size

    async def _publish_rows(self, rows: Sequence[Any]) -> list[BaseException | None]:
        if not self.bus.is_connected:
            error = ConnectionError("broker not connected")
            return [error for _ in rows]

        async def publish(row: Any) -> BaseException | None:
            try:
                envelope = Envelope.model_validate_json(row[2])
                await self.bus.publish_envelope(envelope)
                return None
            except Exception as exc:  # every failure means "not sent", never "drop"
                return exc

        async def publish_in_order(group: Sequence[int]) -> None:
            for position, index in enumerate(group):
                results[index] = await publish(rows[index])
                if results[index] is not None:
                    # Later rows wait for the failed one instead of overtaking it.
                    for later in group[position + 1 :]:
                        results[later] = ConnectionError("not attempted: an earlier event failed")
                    return

        results: list[BaseException | None] = [None] * len(rows)
        if not self.pipelined:
            await publish_in_order(range(len(rows)))
            return results
        # Pipelined: each subject's events go in order, subjects concurrently, so the
        # confirms of many subjects are awaited together (see bench/).
        by_subject: dict[str, list[int]] = {}
        for index, row in enumerate(rows):
            by_subject.setdefault(row[4] or "", []).append(index)
        await asyncio.gather(*(publish_in_order(group) for group in by_subject.values()))
        return results

    async def housekeeping(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    f'DELETE FROM "{self.schema}".outbox WHERE published_at IS NOT NULL '
                    "AND published_at < now() - make_interval(days => :days)"
                ),
                {"days": self.retention_days},
            )
            await conn.execute(
                sa.text(
                    f'DELETE FROM "{self.schema}".inbox '
                    "WHERE received_at < now() - make_interval(days => :days)"
                ),
                {"days": self.inbox_retention_days},
            )
