"""catalog-svc with a seller's 20,000 products: bulk create, bulk update by SKU (1,000 per
request) and the CSV export, side by side, on a fresh database.

    uv run python bench/catalog_bulk_bench.py [--products 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid

from catalog_svc.main import create_app
from catalog_svc.settings import CatalogSvcSettings
from taraba_testing import ADMIN, auth, running_app
from taraba_testing.helpers import TEST_TOKENS
from taraba_testing.infra import create_test_database, drop_test_database

BATCH = 1000


def product(n: int, run: str, name: str) -> dict[str, object]:
    return {
        "sku": f"B-{run}-{n:06d}",
        "name": f"{name} {n}",
        "brand": "Bench",
        "vat_rate": "0.21",
        "warranty_months": 24,
        "characteristics": {"Culoare": ["negru"]},
        "images": [f"https://img/{n}.jpg"],
    }


async def run(count: int, database: str) -> None:
    settings = CatalogSvcSettings(
        db_name=database,
        bus_namespace=f"bench-{uuid.uuid4().hex[:6]}",
        auth_tokens=TEST_TOKENS,
        log_level="WARNING",
        environment="test",
    )
    run_id = uuid.uuid4().hex[:6]
    async with running_app(create_app(settings)) as client:
        timings: dict[str, float] = {}
        for label, name in (("bulk create", "Produs"), ("bulk update by SKU", "Produs nou")):
            started = time.perf_counter()
            for start in range(0, count, BATCH):
                items = [product(n, run_id, name) for n in range(start, min(count, start + BATCH))]
                response = await client.post(
                    "/api/v1/products/bulk", json={"items": items}, headers=auth(ADMIN), timeout=300
                )
                response.raise_for_status()
            timings[label] = time.perf_counter() - started
        started = time.perf_counter()
        rows = 0
        async with client.stream(
            "GET", "/api/v1/products/export.csv", headers=auth(ADMIN), timeout=300
        ) as response:
            async for line in response.aiter_lines():
                rows += 1 if line else 0
        timings["CSV export"] = time.perf_counter() - started
    print(f"catalog-svc, {count} products, {BATCH} per bulk request")
    for label, seconds in timings.items():
        print(f"  {label:20} {seconds:6.1f} s  {count / seconds:8.0f} products/s")
    print(f"  CSV rows (with header): {rows}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=20_000)
    args = parser.parse_args()
    database = create_test_database()
    try:
        asyncio.run(run(args.products, database))
    finally:
        drop_test_database(database)


if __name__ == "__main__":
    main()
