"""Demo data for `make run`: two warehouses and a first stock receipt, sent through the public
APIs (so the events flow as in real use), then a summary of where everything is.

Idempotent: the writes carry fixed Idempotency-Keys, so restarting `make run` adds nothing.
It then stays up, because honcho stops every process when one exits.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import uuid

import httpx

STOCK = os.environ.get("TARABA_DEMO_STOCK_URL", "http://127.0.0.1:8002")
CATALOG = os.environ.get("TARABA_DEMO_CATALOG_URL", "http://127.0.0.1:8001")
SANDBOX = os.environ.get("TARABA_DEMO_SANDBOX_URL", "http://127.0.0.1:8010")
# The sandbox seeds this seller (EMAG_SANDBOX_SEED_DEMO=true in the Procfile).
SANDBOX_USER, SANDBOX_PASSWORD = "taraba-demo", "taraba-demo-pass"
GATEWAY = os.environ.get("TARABA_DEMO_GATEWAY_URL", "http://127.0.0.1:8004")
TOKEN = os.environ.get("TARABA_DEMO_TOKEN", "dev-admin-token")
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
DEMO = uuid.UUID("6a1f0e2c-8d0b-4d7e-9d51-0c6a1f0e2c8d")
PRODUCTS = {
    name: uuid.uuid5(DEMO, name)
    for name in ("laptop-stand", "usb-c-hub", "mechanical-keyboard", "webcam-1080p", "desk-lamp")
}


def say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


async def wait_ready(client: httpx.AsyncClient, base: str) -> None:
    for _ in range(240):
        try:
            if (await client.get(f"{base}/ready")).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    raise SystemExit(f"{base} did not become ready")


async def warehouse(client: httpx.AsyncClient, code: str, name: str) -> str:
    response = await client.post(
        f"{STOCK}/api/v1/warehouses",
        json={"code": code, "name": name},
        headers={**HEADERS, "Idempotency-Key": f"demo-warehouse-{code}"},
    )
    if response.status_code == 409:  # created earlier without this key
        listing = await client.get(f"{STOCK}/api/v1/warehouses", headers=HEADERS)
        return str(next(w["id"] for w in listing.json() if w["code"] == code))
    response.raise_for_status()
    return str(response.json()["id"])


async def emag_account(client: httpx.AsyncClient) -> None:
    """The demo eMAG account, pointing at the sandbox, and the sandbox's callbacks at it."""
    for _ in range(120):
        try:
            if (await client.get(f"{SANDBOX}/sandbox/health")).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        await asyncio.sleep(0.5)
    accounts = (await client.get(f"{GATEWAY}/api/v1/emag/accounts", headers=HEADERS)).json()
    account = next((a for a in accounts if a["name"] == "eMAG RO (sandbox)"), None)
    if account is None:
        created = await client.post(
            f"{GATEWAY}/api/v1/emag/accounts",
            json={
                "name": "eMAG RO (sandbox)",
                "platform": "ro",
                "username": SANDBOX_USER,
                "password": SANDBOX_PASSWORD,
                "base_url": f"{SANDBOX}/api-3",
            },
            headers={**HEADERS, "Idempotency-Key": "demo-emag-account"},
        )
        created.raise_for_status()
        account = created.json()
    callbacks = await client.put(
        f"{SANDBOX}/sandbox/accounts/{SANDBOX_USER}/callbacks",
        json={
            "new_order_url": account["notification_url"].removesuffix("?order_id="),
            "cancellation_url": account["cancellation_notification_url"].removesuffix("?order_id="),
        },
    )
    callbacks.raise_for_status()
    check = (
        await client.post(f"{GATEWAY}/api/v1/emag/accounts/{account['id']}/test", headers=HEADERS)
    ).json()
    say(
        f"eMAG account {account['name']!r} -> {account['api_url']}: connection {check['kind']}"
        f" ({check['message']})"
    )
    await sync_and_import(client, account["id"])


async def wait_job(client: httpx.AsyncClient, job_id: str) -> dict[str, object]:
    job: dict[str, object] = {}
    for _ in range(600):
        job = (await client.get(f"{GATEWAY}/api/v1/emag/jobs/{job_id}", headers=HEADERS)).json()
        if job["status"] in ("done", "failed"):
            break
        await asyncio.sleep(0.5)
    return job


async def sync_and_import(client: httpx.AsyncClient, account_id: str) -> None:
    """The first sync (or a fresh one), then the sandbox's offers into the catalog."""
    sync = (
        await client.post(f"{GATEWAY}/api/v1/emag/accounts/{account_id}/sync", headers=HEADERS)
    ).json()
    job = await wait_job(client, str(sync["id"]))
    say(f"first sync of the eMAG account: {job.get('status')}")
    imported = (
        await client.post(
            f"{GATEWAY}/api/v1/emag/accounts/{account_id}/offers/import", json={}, headers=HEADERS
        )
    ).json()
    job = await wait_job(client, str(imported["id"]))
    products = (
        await client.get(f"{CATALOG}/api/v1/products", params={"limit": 1}, headers=HEADERS)
    ).json()
    say(
        f"eMAG offers imported into the catalog: {job.get('status')}; the catalog has "
        f"{products['total']} products"
    )


async def seed() -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        await wait_ready(client, STOCK)
        await wait_ready(client, GATEWAY)
        main = await warehouse(client, "MAIN", "Depozit principal")
        await warehouse(client, "SHOWROOM", "Showroom Bucuresti")
        lines = [
            {"product_id": str(pid), "quantity": 10 + i * 5}
            for i, pid in enumerate(PRODUCTS.values())
        ]
        receipt = await client.post(
            f"{STOCK}/api/v1/stock/movements",
            json={
                "kind": "receipt",
                "warehouse_id": main,
                "reference": "NIR-DEMO-1",
                "lines": lines,
            },
            headers={**HEADERS, "Idempotency-Key": "demo-receipt-1"},
        )
        receipt.raise_for_status()
        say(f"stock received in MAIN for {len(lines)} demo products")
        for _ in range(100):
            desired = await client.get(f"{GATEWAY}/api/v1/emag/desired-stock", headers=HEADERS)
            if desired.json()["total"] >= len(lines):
                break
            await asyncio.sleep(0.2)
        say(f"emag-gateway knows the desired stock of {desired.json()['total']} products")
        await emag_account(client)
    say("Taraba is running. APIs (token: Authorization: Bearer dev-admin-token):")
    for name, port in (
        ("catalog-svc", 8001),
        ("stock-svc", 8002),
        ("order-svc", 8003),
        ("emag-gateway", 8004),
        ("invoice-svc", 8005),
        ("picking-svc", 8006),
        ("emag-sandbox", 8010),
    ):
        say(f"  {name:13} http://127.0.0.1:{port}/docs")


async def main() -> None:
    try:
        await seed()
    except (httpx.HTTPError, SystemExit) as exc:
        say(f"could not load demo data: {exc}")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
