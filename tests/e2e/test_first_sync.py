"""The first sync of an eMAG account against the sandbox: every step, its progress, and a
restart in the middle that resumes instead of starting over."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from emag_gateway.main import create_app
from emag_gateway.settings import EmagGatewaySettings
from taraba_testing import ADMIN, OPERATOR, auth, eventually, running_app
from taraba_testing.sandbox import running_sandbox

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def sandbox() -> Iterator[str]:
    with running_sandbox() as url:
        yield url


@pytest.fixture
async def seller(sandbox: str) -> AsyncIterator[dict[str, Any]]:
    username = f"sync-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=sandbox, timeout=30) as admin:
        created = await admin.post(
            "/sandbox/accounts",
            json={
                "username": username,
                "password": "pw",
                "platform": "RO",
                "seed": True,
                "seed_value": 11,
                "offers": 300,
            },
        )
        assert created.status_code == 201, created.text
        yield {"username": username, "api": f"{sandbox}/api-3", "admin": admin}


async def add_account(gateway: httpx.AsyncClient, seller: dict[str, Any]) -> dict[str, Any]:
    response = await gateway.post(
        "/api/v1/emag/accounts",
        json={
            "name": seller["username"],
            "platform": "ro",
            "username": seller["username"],
            "password": "pw",
            "base_url": seller["api"],
        },
        headers=auth(ADMIN),
    )
    assert response.status_code == 201, response.text
    account: dict[str, Any] = response.json()
    return account


async def sync_job(gateway: httpx.AsyncClient, account_id: str) -> dict[str, Any]:
    jobs = (
        await gateway.get(
            "/api/v1/emag/jobs", params={"account_id": account_id}, headers=auth(OPERATOR)
        )
    ).json()
    (job,) = [j for j in jobs if j["kind"] == "initial_sync"]
    return dict(job)


async def test_first_sync_pulls_everything_with_progress(
    make_settings: Any, seller: dict[str, Any]
) -> None:
    async with running_app(create_app(make_settings(EmagGatewaySettings))) as gateway:
        account = await add_account(gateway, seller)

        async def done() -> dict[str, Any] | None:
            job = await sync_job(gateway, account["id"])
            assert job["status"] not in ("failed",), job
            return job if job["status"] == "done" else None

        job = await eventually(done, timeout=60, message="first sync did not finish")
        steps = {step["name"]: step for step in job["steps"]}
        assert list(steps) == [
            "vat_rates",
            "handling_times",
            "offers",
            "categories",
            "characteristics",
            "couriers",
        ]
        assert all(step["status"] == "done" for step in steps.values())
        assert steps["offers"]["done"] == steps["offers"]["total"] == 300
        assert steps["vat_rates"]["done"] >= 1 and steps["couriers"]["done"] >= 1

        staged = (
            await gateway.get(
                f"/api/v1/emag/accounts/{account['id']}/offers",
                params={"limit": 500},
                headers=auth(OPERATOR),
            )
        ).json()
        assert staged["total"] == 300
        assert {o["link_state"] for o in staged["items"]} == {"unlinked"}
        used = (
            await gateway.get(
                f"/api/v1/emag/accounts/{account['id']}/categories",
                params={"used_only": "true"},
                headers=auth(OPERATOR),
            )
        ).json()
        used_ids = {o["category_id"] for o in staged["items"] if o["category_id"]}
        assert {c["emag_id"] for c in used} == used_ids
        assert any(ch.get("is_mandatory") for c in used for ch in c["characteristics"])
        assert any(ch.get("values") for c in used for ch in c["characteristics"])

        again = await gateway.post(
            f"/api/v1/emag/accounts/{account['id']}/sync", headers=auth(OPERATOR)
        )
        assert again.status_code == 202


async def test_a_sync_interrupted_by_a_restart_resumes_where_it_stopped(
    make_settings: Any, seller: dict[str, Any]
) -> None:
    fault = await seller["admin"].post(
        "/sandbox/faults",
        json={"route": "product_offer/read", "account": seller["username"], "latency_ms": 700},
    )
    assert fault.status_code == 201, fault.text
    settings = make_settings(EmagGatewaySettings)
    async with running_app(create_app(settings)) as gateway:
        account = await add_account(gateway, seller)

        async def first_page_stored() -> bool:
            job = await sync_job(gateway, account["id"])
            offers = [s for s in job["steps"] if s["name"] == "offers"]
            return bool(offers and offers[0]["done"] >= 100)

        await eventually(first_page_stored, timeout=30, message="no page stored")
    # The gateway stopped mid-sync. A new process takes the job over from its cursor.
    await seller["admin"].delete("/sandbox/faults", params={"account": seller["username"]})
    async with running_app(create_app(settings)) as gateway:

        async def done() -> dict[str, Any] | None:
            job = await sync_job(gateway, account["id"])
            return job if job["status"] == "done" else None

        job = await eventually(done, timeout=60, message="the sync did not resume")
        offers = next(s for s in job["steps"] if s["name"] == "offers")
        assert offers["done"] == 300
        staged = (
            await gateway.get(
                f"/api/v1/emag/accounts/{account['id']}/offers",
                params={"limit": 1},
                headers=auth(OPERATOR),
            )
        ).json()
        assert staged["total"] == 300
        reads = (
            await gateway.get(
                "/api/v1/emag/calls",
                params={
                    "account_id": account["id"],
                    "route": "product_offer/read",
                    "outcome": "ok",
                    "limit": 50,
                },
                headers=auth(OPERATOR),
            )
        ).json()
        # Pages 1-4 (the 4th is the short one), plus at most the page in flight at the stop.
        assert 4 <= reads["total"] <= 5, reads["total"]
