"""Rate limits (emag-api.md §1.7): 12 req/s for order routes, 3 req/s for everything else,
5 req/s for find_by_eans, per account, answered with 429 and Kong's body and headers."""

from __future__ import annotations

import asyncio

from emag_sandbox.ratelimit import EANS, ORDERS, OTHER, RateLimiter
from emag_sandbox.settings import SandboxSettings


async def test_a_client_that_ignores_the_limit_gets_429s(make_env):
    async with make_env(offers=10, rate_limits_enabled=True) as env:
        responses = await asyncio.gather(*(env.api("vat/read", {}) for _ in range(10)))
        statuses = [r.status_code for r in responses]
        assert statuses.count(200) == 3
        assert statuses.count(429) == 7
        limited = next(r for r in responses if r.status_code == 429)
        assert limited.json() == {"message": "API rate limit exceeded"}
        assert limited.headers["X-RateLimit-Limit-3second"] == "3"
        assert limited.headers["X-RateLimit-Remaining-3second"] == "0"
        assert "Retry-After" not in limited.headers
        ok = next(r for r in responses if r.status_code == 200)
        assert ok.headers["X-RateLimit-Limit-3second"] == "3"
        # the whole "other" bucket is shared: stock, AWB, categories...
        assert (await env.api("category/read", {})).status_code == 429
        assert (await env.api("offer_stock/1001", {"stock": 1}, method="PATCH")).status_code == 429
        # ...but order routes have their own 12/s bucket
        orders = await asyncio.gather(*(env.api("order/read", {}) for _ in range(14)))
        statuses = [r.status_code for r in orders]
        assert statuses.count(200) == 12
        assert statuses.count(429) == 2
        assert orders[-1].headers["X-RateLimit-Limit-3second"] == "12"
        # every 429 is in the request log
        log = await env.admin("GET", "/requests?status=429&limit=1000")
        assert log["total"] == 7 + 2 + 2


async def test_the_window_slides_and_accounts_are_separate(make_env):
    async with make_env(offers=10, rate_limits_enabled=True) as env:
        await env.admin("POST", "/accounts", {"username": "other", "password": "pw"})
        for _ in range(3):
            assert (await env.api("vat/read", {})).status_code == 200
        assert (await env.api("vat/read", {})).status_code == 429
        # another seller has its own budget
        assert (await env.api("vat/read", {}, auth=("other", "pw"))).status_code == 200
        await asyncio.sleep(1.05)
        assert (await env.api("vat/read", {})).status_code == 200


async def test_a_client_keeping_to_3_per_second_never_sees_429(make_env):
    async with make_env(offers=10, rate_limits_enabled=True) as env:
        statuses = []
        for _ in range(7):  # 1/0.34 s is just under 3 per second
            statuses.append((await env.api("vat/read", {})).status_code)
            await asyncio.sleep(0.34)
        assert statuses == [200] * 7


async def test_invalid_requests_count_and_retry_after_is_optional(make_env):
    async with make_env(
        offers=10, rate_limits_enabled=True, rate_limit_send_retry_after=True
    ) as env:
        for _ in range(3):
            response = await env.api("vat/read", {}, auth=("seller", "wrong"))
            assert response.status_code == 401
        for _ in range(3):
            assert (await env.api("nothing", {})).status_code == 404  # unknown routes: no bucket
        for _ in range(3):
            assert (await env.api("product_offer/read", {"id": "x"})).status_code == 200
        limited = await env.api("vat/read", {})
        assert limited.status_code == 429
        assert limited.headers["Retry-After"] == "1"


async def test_find_by_eans_has_its_own_5_per_second_bucket(make_env):
    async with make_env(offers=10, rate_limits_enabled=True) as env:
        calls = [
            env.api("documentation/find_by_eans", method="GET", params={"eans[]": "5941234567890"})
            for _ in range(7)
        ]
        statuses = [r.status_code for r in await asyncio.gather(*calls)]
        assert statuses.count(200) == 5
        assert statuses.count(429) == 2
        assert (await env.api("vat/read", {})).status_code == 200


async def test_disabled_limits(make_env):
    async with make_env(offers=10, rate_limits_enabled=False) as env:
        responses = await asyncio.gather(*(env.api("vat/read", {}) for _ in range(30)))
        assert {r.status_code for r in responses} == {200}


def test_sliding_window_is_exact():
    limiter = RateLimiter(SandboxSettings())
    assert [limiter.check("a", OTHER, t).allowed for t in (0.0, 0.1, 0.2)] == [True] * 3
    assert limiter.check("a", OTHER, 0.99).allowed is False
    rejected = limiter.check("a", OTHER, 0.5)
    assert rejected.retry_after == 0.5
    # the request at t=0.0 leaves the window at exactly t=1.0 (half-open window)
    assert limiter.check("a", OTHER, 1.0).allowed is True
    assert limiter.check("a", OTHER, 1.05).allowed is False
    assert limiter.check("a", OTHER, 1.1).allowed is True
    # rejected requests are not recorded
    assert limiter.check("a", OTHER, 1.21).allowed is True


def test_minute_and_day_windows():
    limiter = RateLimiter(SandboxSettings(rate_limit_other_per_minute=5))
    times = [0.0, 1.0, 2.0, 3.0, 4.0]
    assert all(limiter.check("a", OTHER, t).allowed for t in times)
    assert limiter.check("a", OTHER, 30.0).allowed is False  # 5 in the last minute
    assert limiter.check("a", OTHER, 60.0).allowed is True
    eans = RateLimiter(SandboxSettings(rate_limit_eans_per_day=3, rate_limit_eans_per_minute=100))
    assert all(eans.check("a", EANS, t).allowed for t in (0.0, 100.0, 200.0))
    assert eans.check("a", EANS, 80000.0).allowed is False
    orders = RateLimiter(SandboxSettings())
    assert sum(orders.check("a", ORDERS, i * 0.01).allowed for i in range(20)) == 12


def test_a_three_second_window_allows_bursts_of_nine():
    limiter = RateLimiter(SandboxSettings(rate_limit_window_seconds=3.0))
    assert sum(limiter.check("a", OTHER, 0.0).allowed for _ in range(12)) == 9
    assert limiter.check("a", OTHER, 2.9).allowed is False
    assert limiter.check("a", OTHER, 3.0).allowed is True
