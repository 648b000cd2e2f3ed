"""Issue 4 end to end: seed the sandbox, add the account (the first sync starts by itself),
import the staged offers into catalog-svc, through the real database and broker. The catalog
ends with exactly one product per eMAG product; products that existed are linked, not
duplicated; images and characteristics come across; a second import creates nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from typing import Any

import aio_pika
import httpx
import pytest
from catalog_svc.main import create_app as create_catalog
from catalog_svc.settings import CatalogSvcSettings
from emag_gateway.main import create_app as create_gateway
from emag_gateway.settings import EmagGatewaySettings
from taraba_testing import ADMIN, OPERATOR, auth, eventually, running_app
from taraba_testing.infra import RABBITMQ_URL
from taraba_testing.sandbox import running_sandbox

pytestmark = pytest.mark.e2e
OFFERS = 150


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running_sandbox() as url:
        yield url


async def wait_done(gateway: httpx.AsyncClient, job_id: str) -> dict[str, Any]:
    async def finished() -> dict[str, Any] | None:
        job: dict[str, Any] = (
            await gateway.get(f"/api/v1/emag/jobs/{job_id}", headers=auth(OPERATOR))
        ).json()
        assert job["status"] != "failed", job
        return job if job["status"] == "done" else None

    return await eventually(finished, timeout=90, message=f"job {job_id} did not finish")


async def seed_seller(admin: httpx.AsyncClient, username: str, seed: int, offers: int) -> None:
    """A seller on the sandbox with `offers` generated offers (password "pw")."""
    seeded = await admin.post(
        "/sandbox/accounts",
        json={
            "username": username,
            "password": "pw",
            "platform": "RO",
            "seed": True,
            "seed_value": seed,
            "offers": offers,
        },
    )
    assert seeded.status_code == 201, seeded.text


async def connect_and_sync(
    gateway: httpx.AsyncClient, sandbox: str, username: str
) -> dict[str, Any]:
    """Add the seller's eMAG account to the gateway and wait for its first sync."""
    account: dict[str, Any] = (
        await gateway.post(
            "/api/v1/emag/accounts",
            json={
                "name": username,
                "platform": "ro",
                "username": username,
                "password": "pw",
                "base_url": f"{sandbox}/api-3",
            },
            headers=auth(ADMIN),
        )
    ).json()
    jobs = (
        await gateway.get(
            "/api/v1/emag/jobs", params={"account_id": account["id"]}, headers=auth(OPERATOR)
        )
    ).json()
    await wait_done(gateway, jobs[0]["id"])
    return account


async def staged(gateway: httpx.AsyncClient, account_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    while True:
        page = (
            await gateway.get(
                f"/api/v1/emag/accounts/{account_id}/offers",
                params={"limit": 500, "offset": len(items)},
                headers=auth(OPERATOR),
            )
        ).json()
        items += page["items"]
        if len(items) >= page["total"] or not page["items"]:
            return items


async def test_first_sync_then_import_links_or_creates_exactly_one_product_each(
    sandbox: str, make_settings: Any, bus_namespace: str
) -> None:
    username = f"import-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=sandbox, timeout=60) as admin:
        await seed_seller(admin, username, seed=23, offers=OFFERS)
        listing = (
            await admin.get(f"/sandbox/accounts/{username}/offers", params={"limit": OFFERS})
        ).json()
    emag_offers = listing["items"] if isinstance(listing, dict) else listing
    by_sku = next(o for o in emag_offers if o.get("part_number"))
    by_ean = next(o for o in emag_offers if o.get("ean") and o["id"] != by_sku["id"])

    catalog_app = create_catalog(make_settings(CatalogSvcSettings))
    async with running_app(catalog_app) as catalog:
        # Two products the seller already has: one with eMAG's part number as its SKU, one
        # carrying the EAN of another eMAG offer.
        sku_product = (
            await catalog.post(
                "/api/v1/products",
                json={"sku": by_sku["part_number"], "name": "Already in the ERP (by SKU)"},
                headers=auth(ADMIN),
            )
        ).json()
        ean = by_ean["ean"][0] if isinstance(by_ean["ean"], list) else by_ean["ean"]
        ean_product = await catalog.post(
            "/api/v1/products",
            json={
                "sku": f"ERP-{uuid.uuid4().hex[:8]}",
                "name": "Already in the ERP (by EAN)",
                "eans": [ean],
            },
            headers=auth(ADMIN),
        )
        assert ean_product.status_code == 201, ean_product.text
        ean_product_id = ean_product.json()["id"]

        gateway_app = create_gateway(
            make_settings(EmagGatewaySettings, service_token=OPERATOR),
            catalog_transport=httpx.ASGITransport(app=catalog_app),
        )
        async with running_app(gateway_app) as gateway:
            account = await connect_and_sync(gateway, sandbox, username)
            assert len(await staged(gateway, account["id"])) == OFFERS

            # Other shops and services learn of each new product through the real broker.
            probe_connection = await aio_pika.connect(RABBITMQ_URL)
            probe_channel = await probe_connection.channel()
            probe = await probe_channel.declare_queue(exclusive=True)
            await probe.bind(f"{bus_namespace}taraba.events", "catalog.product_created.v1")

            job = await gateway.post(
                f"/api/v1/emag/accounts/{account['id']}/offers/import",
                json={},
                headers=auth(OPERATOR),
            )
            assert job.status_code == 202, job.text
            done = await wait_done(gateway, job.json()["id"])
            (step,) = done["steps"]
            assert step["done"] == step["total"] == OFFERS

            rows = {o["offer_id"]: o for o in await staged(gateway, account["id"])}
            assert {o["link_state"] for o in rows.values()} == {"linked"}, [
                (o["offer_id"], o["link_state"], o["reason"])
                for o in rows.values()
                if o["link_state"] != "linked"
            ]
            assert rows[by_sku["id"]]["product_id"] == sku_product["id"]
            assert rows[by_sku["id"]]["link_rule"] == "sku"
            assert rows[by_ean["id"]]["product_id"] == ean_product_id
            assert rows[by_ean["id"]]["link_rule"] == "ean"
            product_ids = {o["product_id"] for o in rows.values()}
            assert len(product_ids) == OFFERS, "one product per distinct eMAG product"
            created_ids = {o["product_id"] for o in rows.values() if o["link_rule"] == "created"}
            announced: set[str] = set()

            async def all_announced() -> bool:
                while (message := await probe.get(no_ack=True, fail=False)) is not None:
                    announced.add(json.loads(message.body)["payload"]["product_id"])
                return announced == created_ids

            await eventually(all_announced, timeout=20, message="product events not published")
            await probe_connection.close()

            created = next(o for o in rows.values() if o["link_rule"] == "created")
            product = (
                await catalog.get(
                    f"/api/v1/products/{created['product_id']}", headers=auth(OPERATOR)
                )
            ).json()
            assert product["images"] and product["characteristics"]
            assert product["pnks"].get("ro") == created["part_number_key"]
            untouched = (
                await catalog.get(f"/api/v1/products/{sku_product['id']}", headers=auth(OPERATOR))
            ).json()
            assert untouched["name"] == "Already in the ERP (by SKU)", "details left alone"

            total_before = (
                await catalog.get("/api/v1/products", params={"limit": 1}, headers=auth(OPERATOR))
            ).json()["total"]
            again = await gateway.post(
                f"/api/v1/emag/accounts/{account['id']}/offers/import",
                json={},
                headers=auth(OPERATOR),
            )
            await wait_done(gateway, again.json()["id"])
            total_after = (
                await catalog.get("/api/v1/products", params={"limit": 1}, headers=auth(OPERATOR))
            ).json()["total"]
            assert total_after == total_before, "importing twice creates nothing new"
            rows_again = {o["offer_id"]: o for o in await staged(gateway, account["id"])}
            assert {o["product_id"] for o in rows_again.values()} == product_ids


async def catalog_ids(catalog: httpx.AsyncClient) -> set[str]:
    ids: set[str] = set()
    while True:
        page = (
            await catalog.get(
                "/api/v1/products",
                params={"limit": 100, "offset": len(ids)},
                headers=auth(OPERATOR),
            )
        ).json()
        ids |= {p["id"] for p in page["items"]}
        if len(ids) >= page["total"] or not page["items"]:
            return ids


class SlowTransport(httpx.AsyncBaseTransport):
    """catalog-svc answering slowly, so a test can stop the gateway in mid-import."""

    def __init__(self, inner: httpx.AsyncBaseTransport, delay: float) -> None:
        self.inner, self.delay = inner, delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.delay)
        return await self.inner.handle_async_request(request)


async def test_an_import_interrupted_by_a_restart_resumes_and_creates_each_product_once(
    sandbox: str, make_settings: Any
) -> None:
    offers = 600
    username = f"resume-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=sandbox, timeout=60) as admin:
        await seed_seller(admin, username, seed=31, offers=offers)
    catalog_app = create_catalog(make_settings(CatalogSvcSettings))
    settings = make_settings(EmagGatewaySettings, service_token=OPERATOR)
    async with running_app(catalog_app) as catalog:
        slow = SlowTransport(httpx.ASGITransport(app=catalog_app), delay=1.5)
        async with running_app(create_gateway(settings, catalog_transport=slow)) as gateway:
            account = await connect_and_sync(gateway, sandbox, username)
            before = await catalog_ids(catalog)
            job_id = (
                await gateway.post(
                    f"/api/v1/emag/accounts/{account['id']}/offers/import",
                    json={},
                    headers=auth(OPERATOR),
                )
            ).json()["id"]

            async def first_batch_stored() -> bool:
                job = (
                    await gateway.get(f"/api/v1/emag/jobs/{job_id}", headers=auth(OPERATOR))
                ).json()
                return bool(job["steps"] and job["steps"][0]["done"] >= 200)

            await eventually(first_batch_stored, timeout=30, message="no batch stored")
        # The gateway stopped in mid-import; the next one resumes from the job's cursor.
        async with running_app(
            create_gateway(settings, catalog_transport=httpx.ASGITransport(app=catalog_app))
        ) as gateway:
            job = await wait_done(gateway, job_id)
            assert job["steps"][0]["done"] == offers
            rows = await staged(gateway, account["id"])
            assert {o["link_state"] for o in rows} == {"linked"}
            linked_ids = {o["product_id"] for o in rows}
            assert len(linked_ids) == offers
        after = await catalog_ids(catalog)
        # Other sellers' offers of the same eMAG products (a shared platform catalogue, and a
        # database shared with other tests) may exist already: what is new is exactly what this
        # import linked and did not exist before, so nothing was created twice.
        assert after - before == linked_ids - before, "each eMAG product created exactly once"
