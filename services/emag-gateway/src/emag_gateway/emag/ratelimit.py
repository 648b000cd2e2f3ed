"""One rate limiter per eMAG account, shared by every client of that account in the process.

eMAG's buckets (emag-api.md §1.7), per seller account:
- every route whose path starts with `order`: 12 req/s (720/min);
- `documentation/find_by_eans`: 5 req/s, 200/min, 5000/day;
- everything else, all resources together: 3 req/s (180/min).

We do not know how eMAG's gateway counts (fixed or sliding windows; Kong also reports a 3-second
window), so the limiter assumes the strictest reading, *any* 1-second (or 1-minute) window, and
never bursts: calls are spaced at least `window / limit * (1 + safety_margin)` apart, measured
from when the previous call was actually released. Waiters are served first come, first served
(an `asyncio.Lock` queues them in order). A 429 pauses the whole bucket, so every caller backs off,
for `Retry-After` seconds when eMAG sends it, otherwise for a pause that doubles with each
consecutive 429 (1 s, 2 s, 4 s ... up to `max_pause`). Daily quotas (find_by_eans) are counted and,
once spent, refused at once with `EmagRateLimited` rather than waited out.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace

from emag_gateway.emag.errors import EmagRateLimited

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

ORDERS = "orders"
FIND_BY_EANS = "find_by_eans"
OTHER = "other"

# Windows longer than this are quotas (counted, refused when spent), not spacing constraints.
_QUOTA_WINDOW = 3600.0


@dataclass(frozen=True)
class Limit:
    requests: int
    per_seconds: float

    @property
    def interval(self) -> float:
        return self.per_seconds / self.requests


@dataclass(frozen=True)
class BucketSpec:
    limits: tuple[Limit, ...]

    @property
    def interval(self) -> float:
        """The spacing the limits impose (quotas excluded), before the safety margin."""
        spacing = [lim.interval for lim in self.limits if lim.per_seconds < _QUOTA_WINDOW]
        return max(spacing, default=0.0)

    @property
    def quotas(self) -> tuple[Limit, ...]:
        return tuple(lim for lim in self.limits if lim.per_seconds >= _QUOTA_WINDOW)

    def scaled(self, factor: float) -> BucketSpec:
        """The same bucket `factor` times faster (tests run eMAG's shape at a higher speed)."""
        return BucketSpec(
            tuple(Limit(lim.requests, lim.per_seconds / factor) for lim in self.limits)
        )


@dataclass(frozen=True)
class RateLimits:
    """eMAG's buckets and how the limiter keeps under them. Injectable for tests and benchmarks."""

    orders: BucketSpec = field(default_factory=lambda: BucketSpec((Limit(12, 1), Limit(720, 60))))
    find_by_eans: BucketSpec = field(
        default_factory=lambda: BucketSpec((Limit(5, 1), Limit(200, 60), Limit(5000, 86400)))
    )
    other: BucketSpec = field(default_factory=lambda: BucketSpec((Limit(3, 1), Limit(180, 60))))
    # Spacing is stretched by this fraction so that jitter between our clock and eMAG's (event
    # loop lateness, network) cannot squeeze one call too many into a window. 7 % keeps a batch of
    # 200 calls within ~7 % of the floor and absorbs ~70 ms of jitter at 3 req/s (6 % let one
    # 429 through on a machine whose two cores were saturated).
    safety_margin: float = 0.07
    default_pause: float = 1.0  # first 429 without Retry-After; doubles per consecutive 429
    max_pause: float = 30.0  # cap of that doubling (Retry-After itself is honoured as sent)
    max_wait: float = 120.0  # a caller facing a longer pause or quota wait fails fast instead

    def scaled(self, factor: float) -> RateLimits:
        return replace(
            self,
            orders=self.orders.scaled(factor),
            find_by_eans=self.find_by_eans.scaled(factor),
            other=self.other.scaled(factor),
            default_pause=self.default_pause / factor,
            max_pause=self.max_pause / factor,
        )

    def spec(self, bucket: str) -> BucketSpec:
        specs = {ORDERS: self.orders, FIND_BY_EANS: self.find_by_eans, OTHER: self.other}
        return specs[bucket]


def bucket_for(path: str) -> str:
    """The bucket a route counts against: `order...` → orders, find_by_eans, else other."""
    route = path.lstrip("/").removeprefix("api-3/").lower()
    if route.startswith("order"):
        return ORDERS
    if route.startswith("documentation/find_by_eans"):
        return FIND_BY_EANS
    return OTHER


class Bucket:
    """Spaces calls of one bucket of one account; FIFO; pausable by a 429."""

    def __init__(
        self,
        name: str,
        spec: BucketSpec,
        limits: RateLimits,
        *,
        clock: Clock,
        sleep: Sleep,
    ) -> None:
        self.name = name
        self.interval = spec.interval * (1 + limits.safety_margin)
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._next_at = -math.inf
        self._paused_until = -math.inf
        self._strikes = 0
        self._quotas = [(lim, deque[float]()) for lim in spec.quotas]
        self._lock: asyncio.Lock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self.granted = 0
        self.penalties = 0

    def _get_lock(self) -> asyncio.Lock:
        # A lock belongs to one event loop; a process-wide registry may outlive a loop (tests).
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock = asyncio.Lock()
            self._lock_loop = loop
        return self._lock

    @property
    def paused_for(self) -> float:
        return max(0.0, self._paused_until - self._clock())

    async def acquire(self, route: str = "") -> None:
        """Wait for this bucket's next slot (FIFO). Raises `EmagRateLimited` rather than wait
        longer than `max_wait` for a 429 pause or a spent quota."""
        async with self._get_lock():
            while True:
                now = self._clock()
                self._check_long_waits(now, route)
                ready = max(self._next_at, self._paused_until, now + self._quota_wait(now))
                if ready <= now:
                    break
                await self._sleep(ready - now)
            granted_at = self._clock()
            self._next_at = granted_at + self.interval
            for _lim, stamps in self._quotas:
                stamps.append(granted_at)
            self.granted += 1

    def _quota_wait(self, now: float) -> float:
        wait = 0.0
        for lim, stamps in self._quotas:
            while stamps and stamps[0] <= now - lim.per_seconds:
                stamps.popleft()
            if len(stamps) >= lim.requests:
                wait = max(wait, stamps[0] + lim.per_seconds - now)
        return wait

    def _check_long_waits(self, now: float, route: str) -> None:
        pause = self._paused_until - now
        if pause > self._limits.max_wait:
            raise EmagRateLimited(
                f"eMAG asked this account to pause its {self.name} calls for {pause:.0f} s; "
                "the call was not sent. Try again later.",
                retry_after=pause,
                route=route,
            )
        quota = self._quota_wait(now)
        if quota > self._limits.max_wait:
            raise EmagRateLimited(
                f"The account's quota of {self.name} calls is spent for now "
                f"(eMAG allows {self._quota_text()}); the call was not sent. "
                f"It frees up in {quota / 60:.0f} min.",
                retry_after=quota,
                route=route,
            )

    def _quota_text(self) -> str:
        return ", ".join(f"{lim.requests} per {lim.per_seconds:.0f} s" for lim, _ in self._quotas)

    def penalize(self, retry_after: float | None = None) -> float:
        """eMAG answered 429: pause the whole bucket. Returns the pause in seconds."""
        self._strikes += 1
        self.penalties += 1
        if retry_after is not None and retry_after >= 0:
            pause = retry_after
        else:
            pause = min(
                self._limits.default_pause * 2.0 ** (self._strikes - 1), self._limits.max_pause
            )
        pause = max(pause, self.interval)
        self._paused_until = max(self._paused_until, self._clock() + pause)
        return pause

    def succeeded(self) -> None:
        """A call of this bucket got through: the next 429 starts the pause ladder again."""
        self._strikes = 0


class AccountLimiter:
    """The buckets of one eMAG account."""

    def __init__(self, account_key: str, limits: RateLimits, *, clock: Clock, sleep: Sleep):
        self.account_key = account_key
        self.limits = limits
        self.buckets = {
            name: Bucket(name, limits.spec(name), limits, clock=clock, sleep=sleep)
            for name in (ORDERS, FIND_BY_EANS, OTHER)
        }

    def bucket(self, path: str) -> Bucket:
        return self.buckets[bucket_for(path)]

    async def acquire(self, path: str) -> None:
        await self.bucket(path).acquire(path)

    def penalize(self, path: str, retry_after: float | None = None) -> float:
        return self.bucket(path).penalize(retry_after)

    def succeeded(self, path: str) -> None:
        self.bucket(path).succeeded()


class LimiterRegistry:
    """Account key → its limiter. One registry per process (`default_registry`) is the rule;
    tests inject their own with scaled rates or a fake clock."""

    def __init__(
        self,
        limits: RateLimits | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits or RateLimits()
        self._clock = clock
        self._sleep = sleep
        self._accounts: dict[str, AccountLimiter] = {}

    def for_account(self, account_key: str) -> AccountLimiter:
        limiter = self._accounts.get(account_key)
        if limiter is None:
            limiter = AccountLimiter(account_key, self.limits, clock=self._clock, sleep=self._sleep)
            self._accounts[account_key] = limiter
        return limiter

    def forget(self, account_key: str) -> None:
        """Drop an account's limiter (account deleted). Calls in flight keep their old one."""
        self._accounts.pop(account_key, None)


default_registry = LimiterRegistry()
