"""The gateway's eMAG client against the sandbox with eMAG's rate limits on: the calls/s it
sustains per bucket, as a ratio to eMAG's limit (1.00 would be the limit itself), side by side.

    uv run python bench/emag_client_bench.py [--shared-calls 90] [--order-calls 240]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from emag_gateway.emag.client import EmagClient
from emag_gateway.emag.journal import MemoryRecorder
from emag_gateway.emag.ratelimit import LimiterRegistry
from taraba_testing.sandbox import running_sandbox

USER, PASSWORD = "bench-client", "bench-client-pass"


async def measure(calls: int, call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await asyncio.gather(*(call() for _ in range(calls)))
    return calls / (time.perf_counter() - started)


async def run(shared_calls: int, order_calls: int) -> None:
    with running_sandbox() as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as admin:
            (
                await admin.post(
                    "/sandbox/accounts",
                    json={"username": USER, "password": PASSWORD, "seed": True, "offers": 50},
                )
            ).raise_for_status()
            recorder = MemoryRecorder()
            client = EmagClient(
                f"{base}/api-3",
                USER,
                PASSWORD,
                account_key=USER,
                recorder=recorder,
                limiters=LimiterRegistry(),
            )
            shared = await measure(shared_calls, client.read_vat_rates)
            orders = await measure(order_calls, client.count_orders)
            log = (
                await admin.get(
                    "/sandbox/requests", params={"account": USER, "status": 429, "limit": 1000}
                )
            ).json()
            rejected = len(log["items"] if isinstance(log, dict) else log)
    print("eMAG client vs the sandbox, eMAG's limits enforced, calls fired concurrently")
    print(f"{'bucket':28} {'calls':>6} {'calls/s':>8} {'limit':>6} {'ratio':>6}")
    print(f"{'everything else (3/s)':28} {shared_calls:6d} {shared:8.2f} {3:6d} {shared / 3:6.2f}")
    print(f"{'order routes (12/s)':28} {order_calls:6d} {orders:8.2f} {12:6d} {orders / 12:6.2f}")
    print(f"429 answers from the sandbox: {rejected}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared-calls", type=int, default=90)
    parser.add_argument("--order-calls", type=int, default=240)
    args = parser.parse_args()
    asyncio.run(run(args.shared_calls, args.order_calls))


if __name__ == "__main__":
    main()
