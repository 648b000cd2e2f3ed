"""The sandbox's own capacity: requests/s it serves on this machine.

Starts the sandbox under uvicorn (one worker) on a free 127.0.0.1 port with rate limits
disabled, seeds an account with 300 offers, then fires requests from httpx with some
concurrency for a fixed time per scenario and prints requests/s and latency percentiles.

    uv run python bench/sandbox_capacity.py [--seconds 10] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

import httpx
from taraba_testing.sandbox import running_sandbox

AUTH = ("bench", "bench-pass")


async def scenario(
    client: httpx.AsyncClient,
    name: str,
    make_request: Callable[[int], tuple[str, str, Any]],
    seconds: float,
    concurrency: int,
) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    counter = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors, counter
        while time.perf_counter() < stop_at:
            counter += 1
            method, path, body = make_request(counter)
            started = time.perf_counter()
            response = await client.request(method, path, json=body, auth=AUTH)
            latencies.append(time.perf_counter() - started)
            if response.status_code >= 400 or (
                response.headers.get("content-type") == "application/json"
                and response.json().get("isError")
            ):
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "scenario": name,
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


async def run(seconds: float, concurrency: int) -> list[dict[str, Any]]:
    with running_sandbox(rate_limits_enabled="false") as base:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
            created = await client.post(
                "/sandbox/accounts",
                json={"username": AUTH[0], "password": AUTH[1], "seed": True, "offers": 300},
            )
            created.raise_for_status()
            offers = (await client.get(f"/sandbox/accounts/{AUTH[0]}/offers?limit=300")).json()
            band = [(o["id"], o["min_sale_price"]) for o in offers["items"] if o["min_sale_price"]]

            def read_small(n: int) -> tuple[str, str, Any]:
                return "POST", "/api-3/product_offer/read", {"id": band[n % len(band)][0]}

            def read_page(n: int) -> tuple[str, str, Any]:
                return "POST", "/api-3/product_offer/read", {"currentPage": n % 3 + 1}

            def save_batch(size: int) -> Callable[[int], tuple[str, str, Any]]:
                def make(n: int) -> tuple[str, str, Any]:
                    items = [
                        {
                            "id": band[(n * size + i) % len(band)][0],
                            "sale_price": band[(n * size + i) % len(band)][1],
                            "stock": [{"warehouse_id": 1, "value": n % 50}],
                        }
                        for i in range(size)
                    ]
                    return "POST", "/api-3/offer/save", {"data": items}

                return make

            results = []
            for name, maker in (
                ("product_offer/read {id} (1 offer)", read_small),
                ("product_offer/read (page of 100 offers)", read_page),
                ("offer/save (1 offer per call)", save_batch(1)),
                ("offer/save (50 offers per call)", save_batch(50)),
            ):
                results.append(await scenario(client, name, maker, seconds, concurrency))
            return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    results = asyncio.run(run(args.seconds, args.concurrency))
    print(f"sandbox capacity, 1 uvicorn worker, {args.concurrency} concurrent httpx clients")
    print(f"{'scenario':45} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'errors':>7}")
    for r in results:
        print(
            f"{r['scenario']:45} {r['rps']:8.0f} {r['p50_ms']:8.1f} {r['p99_ms']:8.1f} "
            f"{r['requests']:9d} {r['errors']:7d}"
        )


if __name__ == "__main__":
    main()
