"""The running sandbox: state, limiter, faults, the outbound HTTP client and background tasks."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable
from datetime import timedelta

import httpx

from emag_sandbox.faults import FaultBook
from emag_sandbox.ratelimit import RateLimiter
from emag_sandbox.settings import SandboxSettings
from emag_sandbox.state import Account, CallbackAttempt, Order, Store
from emag_sandbox.util import utcnow

log = logging.getLogger("emag_sandbox")


class Sandbox:
    def __init__(
        self, settings: SandboxSettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.store = Store(settings)
        self.limiter = RateLimiter(settings)
        self.faults = FaultBook(self.store.fault_rng, settings.fault_timeout_seconds)
        self.transport = transport
        self._http: httpx.AsyncClient | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._callback_task: asyncio.Task[None] | None = None
        self._rng = random.Random(settings.fault_seed + 1)

    @property
    def http(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                transport=self.transport,
                timeout=self.settings.callback_timeout_seconds,
                follow_redirects=True,
                headers={"User-Agent": "eMAG-Marketplace-Sandbox/1.0"},
            )
        return self._http

    def spawn(self, job: Awaitable[None]) -> None:
        async def runner() -> None:
            try:
                await job
            except Exception:  # pragma: no cover - a background job must never kill the app
                log.exception("background job failed")

        task = asyncio.get_running_loop().create_task(runner())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        self._callback_task = asyncio.get_running_loop().create_task(self._callback_loop())

    async def stop(self) -> None:
        if self._callback_task is not None:
            self._callback_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._callback_task
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def drain(self) -> None:
        """Wait for the background jobs started so far (used by tests and the admin API)."""
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # --- callbacks ---------------------------------------------------------------------------

    async def _callback_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.callback_tick_seconds)
            try:
                await self.run_due_callbacks()
            except Exception:  # pragma: no cover
                log.exception("callback round failed")

    async def run_due_callbacks(self) -> None:
        now = utcnow()
        jobs: list[Awaitable[None]] = []
        settings = self.settings
        for account in self.store.accounts.values():
            for order in account.orders.values():
                if (
                    order.next_callback_at is not None
                    and order.status == 1
                    and account.new_order_callback_url
                    and order.next_callback_at <= now
                ):
                    order.next_callback_at = now + self._interval()
                    order.new_order_callbacks_sent += 1
                    if 0 < settings.callback_max_attempts <= order.new_order_callbacks_sent:
                        order.next_callback_at = None
                    url = account.new_order_callback_url
                    jobs.append(self._send(account, order, "new_order", url))
                    if settings.callback_duplicate_rate and (
                        self._rng.random() < settings.callback_duplicate_rate
                    ):
                        jobs.append(self._send(account, order, "new_order", url))
                elif order.status != 1:
                    order.next_callback_at = None
                if (
                    order.cancellation_callback_pending
                    and account.cancellation_callback_url
                    and order.next_cancellation_callback_at is not None
                    and order.next_cancellation_callback_at <= now
                ):
                    order.next_cancellation_callback_at = now + self._interval()
                    order.cancellation_callbacks_sent += 1
                    if (
                        order.cancellation_callbacks_sent
                        >= settings.cancellation_callback_max_attempts
                    ):
                        order.cancellation_callback_pending = False
                    jobs.append(
                        self._send(
                            account, order, "cancellation", account.cancellation_callback_url
                        )
                    )
        if jobs:
            await asyncio.gather(*jobs)

    def _interval(self) -> timedelta:
        jitter = self._rng.uniform(0, self.settings.callback_jitter_seconds)
        return timedelta(seconds=self.settings.callback_interval_seconds + jitter)

    async def _send(self, account: Account, order: Order, kind: str, url: str) -> None:
        started = time.perf_counter()
        status: int | None = None
        problem: str | None = None
        try:
            target = httpx.URL(url).copy_merge_params({"order_id": str(order.id)})
            response = await self.http.get(target, timeout=self.settings.callback_timeout_seconds)
            status = response.status_code
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        attempt = CallbackAttempt(
            at=utcnow(),
            kind=kind,
            url=url,
            order_id=order.id,
            account=account.username,
            http_status=status,
            error=problem,
            duration_ms=round((time.perf_counter() - started) * 1000, 2),
        )
        order.callback_attempts.append(attempt)
        self.store.callback_log.append(attempt)
        if kind == "cancellation" and status is not None and 200 <= status < 300:
            order.cancellation_callback_pending = False
