"""eMAG's rate limits (emag-api.md §1.7): sliding-window logs per account and bucket.

A request is admitted when, in every window of its bucket, fewer than `limit` admitted requests
fall inside the last `window` seconds (the window is half-open: a request exactly `window`
seconds old no longer counts). Rejected requests (429) are not recorded, so a client that
hammers still gets through at the limit. Every admitted request counts, whatever its outcome
(eMAG: invalid requests count against the same limits).
"""

from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass

from emag_sandbox.settings import SandboxSettings

ORDERS = "orders"
OTHER = "other"
EANS = "find_by_eans"


@dataclass(frozen=True)
class Window:
    seconds: float
    limit: int


@dataclass
class Decision:
    allowed: bool
    limit: int  # of the short window, for the X-RateLimit-* headers
    remaining: int
    retry_after: float


def bucket_windows(settings: SandboxSettings, bucket: str) -> list[Window]:
    short = settings.rate_limit_window_seconds
    if bucket == ORDERS:
        return [
            Window(short, max(1, math.floor(settings.rate_limit_orders_per_second * short))),
            Window(60.0, settings.rate_limit_orders_per_minute),
        ]
    if bucket == EANS:
        return [
            Window(short, max(1, math.floor(settings.rate_limit_eans_per_second * short))),
            Window(60.0, settings.rate_limit_eans_per_minute),
            Window(86400.0, settings.rate_limit_eans_per_day),
        ]
    return [
        Window(short, max(1, math.floor(settings.rate_limit_other_per_second * short))),
        Window(60.0, settings.rate_limit_other_per_minute),
    ]


class RateLimiter:
    def __init__(self, settings: SandboxSettings) -> None:
        self.settings = settings
        self._logs: dict[tuple[str, str, float], deque[float]] = {}

    def reset(self) -> None:
        self._logs.clear()

    def check(self, key: str, bucket: str, now: float | None = None) -> Decision:
        now = time.monotonic() if now is None else now
        windows = bucket_windows(self.settings, bucket)
        logs: list[deque[float]] = []
        retry_after = 0.0
        for window in windows:
            log = self._logs.setdefault((key, bucket, window.seconds), deque())
            cutoff = now - window.seconds
            while log and log[0] <= cutoff:
                log.popleft()
            logs.append(log)
            if len(log) >= window.limit:
                # the oldest entry that must leave before one more fits
                oldest = log[len(log) - window.limit]
                retry_after = max(retry_after, oldest + window.seconds - now)
        short_limit = windows[0].limit
        if retry_after > 0:
            return Decision(False, short_limit, 0, retry_after)
        for log in logs:
            log.append(now)
        return Decision(True, short_limit, max(0, short_limit - len(logs[0])), 0.0)
