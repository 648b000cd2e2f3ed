"""First sync and import of N eMAG offers against the sandbox (eMAG's rate limits on), beside
the floor eMAG's limit sets for reading them (pages of 100 at 3 requests/s).

Runs catalog-svc and emag-gateway in this process on a fresh database and broker namespace,
and the sandbox as its own process.

    uv run python bench/first_sync_bench.py [--offers 10000]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import time
import uuid
from typing import Any

import httpx
from catalog_svc.main import create_app as create_catalog
from catalog_svc.settings import CatalogSvcSettings
from emag_gateway.main import create_app as create_gateway
from emag_gateway.settings import EmagGatewaySettings
from taraba_testing import ADMIN, auth, running_app
from taraba_testing.helpers import TEST_TOKENS
from taraba_testing.infra import create_test_database, drop_test_database
from taraba_testing.sandbox import running_sandbox

USER = "bench-sync"


async def wait_job(gateway: httpx.AsyncClient, job_id: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = (
            await gateway.get(f"/api/v1/emag/jobs/{job_id}", headers=auth(ADMIN))
        ).json()
        if job["status"] in ("done", "failed"):
            return job
        await asyncio.sleep(0.5)
    raise TimeoutError(f"job {job_id} did not finish")


async def run(offers: int, database: str) -> None:
    common: dict[str, Any] = {
        "db_name": database,
        "auth_tokens": TEST_TOKENS,
        "bus_namespace": f"bench-{uuid.uuid4().hex[:6]}",
        "log_level": "WARNING",
        "environment": "test",
    }
    with running_sandbox() as sandbox:
        async with httpx.AsyncClient(base_url=sandbox, timeout=600) as admin:
            seeded = await admin.post(
                "/sandbox/accounts",
                json={"username": USER, "password": "pw", "seed": True, "offers": offers},
            )
            seeded.raise_for_status()
        catalog = create_catalog(CatalogSvcSettings(**common))
        async with running_app(catalog):
            gateway_app = create_gateway(
                EmagGatewaySettings(**common, service_token="test-operator-token"),
                catalog_transport=httpx.ASGITransport(app=catalog),
            )
            async with running_app(gateway_app) as gateway:
                started = time.perf_counter()
                account = (
                    await gateway.post(
                        "/api/v1/emag/accounts",
                        json={
                            "name": "bench",
                            "platform": "ro",
                            "username": USER,
                            "password": "pw",
                            "base_url": f"{sandbox}/api-3",
                        },
                        headers=auth(ADMIN),
                    )
                ).json()
                jobs = (
                    await gateway.get(
                        "/api/v1/emag/jobs",
                        params={"account_id": account["id"]},
                        headers=auth(ADMIN),
                    )
                ).json()
                sync = await wait_job(gateway, jobs[0]["id"], 3600)
                sync_seconds = time.perf_counter() - started
                started = time.perf_counter()
                job = (
                    await gateway.post(
                        f"/api/v1/emag/accounts/{account['id']}/offers/import",
                        json={},
                        headers=auth(ADMIN),
                    )
                ).json()
                imported = await wait_job(gateway, job["id"], 3600)
                import_seconds = time.perf_counter() - started
    pages = math.ceil(offers / 100) + (1 if offers % 100 == 0 else 0)
    floor = pages / 3.0
    steps = {s["name"]: s for s in sync["steps"]}
    print(f"First sync and import of {offers} eMAG offers against the sandbox (limits on)")
    print(
        f"  sync status {sync['status']}: offers {steps['offers']['done']}, categories "
        f"{steps['categories']['done']}, characteristics of {steps['characteristics']['done']}"
        f" used categories"
    )
    print(f"  first sync            : {sync_seconds:7.1f} s")
    print(f"  floor (offer reads)   : {floor:7.1f} s  ({pages} pages of 100 at 3 req/s)")
    print(f"  ratio sync / floor    : {sync_seconds / floor:7.2f}x")
    print(
        f"  import into catalog   : {import_seconds:7.1f} s  ({imported['status']}, "
        f"{offers / import_seconds:.0f} offers/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--offers", type=int, default=10_000)
    args = parser.parse_args()
    database = create_test_database()
    try:
        asyncio.run(run(args.offers, database))
    finally:
        drop_test_database(database)


if __name__ == "__main__":
    main()
