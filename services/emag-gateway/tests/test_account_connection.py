"""`POST /emag/accounts/{id}/test` explains each failure, and every call lands in the journal
without credentials. eMAG is faked with respx; the database is real."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from emag_gateway.main import create_app
from emag_gateway.settings import EmagGatewaySettings
from taraba_testing import ADMIN, OPERATOR, auth, running_app

from .conftest import cancel_pending_jobs

pytestmark = pytest.mark.integration


EMAG = "http://emag.test/api-3"
OK = {"isError": False, "messages": [], "results": [{"vat_id": 1, "vat_rate": "0.21"}]}


@pytest.fixture
async def client(make_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(make_settings(EmagGatewaySettings, run_jobs=False))
    async with running_app(app) as http:
        yield http
        await cancel_pending_jobs(app)


async def add_account(client: httpx.AsyncClient, base_url: str = EMAG) -> str:
    response = await client.post(
        "/api/v1/emag/accounts",
        json={
            "name": f"acct {uuid.uuid4().hex[:8]}",
            "platform": "ro",
            "username": "api-user",
            "password": "TopSecret-123",
            "base_url": base_url,
        },
        headers=auth(ADMIN),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def check(client: httpx.AsyncClient, account_id: str) -> dict[str, Any]:
    response = await client.post(f"/api/v1/emag/accounts/{account_id}/test", headers=auth(OPERATOR))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("reply", "kind", "words"),
    [
        (httpx.Response(200, json=OK), "ok", ""),
        (httpx.Response(401, json={"message": "Unauthorized"}), "auth", "password"),
        (
            httpx.Response(
                200,
                json={"isError": True, "messages": ["Invalid vendor ip [1.2.3.4]"], "results": []},
            ),
            "ip_not_allowed",
            "IP",
        ),
        (
            httpx.Response(
                200, text="<html>Maintenance</html>", headers={"content-type": "text/html"}
            ),
            "invalid_response",
            "",
        ),
        (httpx.Response(200, content=b""), "invalid_response", ""),
        (httpx.Response(503, text="down"), "unavailable", ""),
    ],
)
async def test_connection_check_explains_the_outcome(
    client: httpx.AsyncClient, reply: httpx.Response, kind: str, words: str
) -> None:
    account = await add_account(client)
    with respx.mock(assert_all_called=True) as emag:
        emag.post(f"{EMAG}/vat/read").mock(return_value=reply)
        result = await check(client, account)
    assert result["kind"] == kind, result
    assert result["ok"] is (kind == "ok")
    assert words.lower() in result["message"].lower()
    stored = (await client.get(f"/api/v1/emag/accounts/{account}", headers=auth(ADMIN))).json()
    assert stored["last_check"]["kind"] == kind


async def test_a_base_url_that_does_not_answer_is_unavailable(client: httpx.AsyncClient) -> None:
    account = await add_account(client, base_url="http://127.0.0.1:1/api-3")
    result = await check(client, account)
    assert result["ok"] is False and result["kind"] == "unavailable"


async def test_every_call_is_journalled_without_credentials(client: httpx.AsyncClient) -> None:
    account = await add_account(client)
    with respx.mock() as emag:
        route = emag.post(f"{EMAG}/vat/read")
        route.side_effect = [httpx.Response(502, text="bad gateway"), httpx.Response(200, json=OK)]
        result = await check(client, account)
    assert result["ok"] is True
    sent = route.calls[-1].request
    assert sent.headers["Authorization"].startswith("Basic ")
    journal = (
        await client.get(
            "/api/v1/emag/calls", params={"account_id": account}, headers=auth(OPERATOR)
        )
    ).json()
    outcomes = sorted(item["outcome"] for item in journal["items"])
    assert journal["total"] == 2 and outcomes == ["http_error", "ok"], journal
    for item in journal["items"]:
        detail = await client.get(f"/api/v1/emag/calls/{item['id']}", headers=auth(OPERATOR))
        text = detail.text
        assert "TopSecret-123" not in text and "api-user" not in text
        assert "Basic " not in text
    by_route = (
        await client.get(
            "/api/v1/emag/calls",
            params={"route": "vat/", "outcome": "ok", "account_id": account},
            headers=auth(OPERATOR),
        )
    ).json()
    assert by_route["total"] == 1
    missing = await client.get("/api/v1/emag/calls/999999999", headers=auth(OPERATOR))
    assert missing.status_code == 404


async def test_journal_keeps_thirty_days(make_settings: Any) -> None:
    import sqlalchemy as sa
    from emag_gateway.journal import prune_journal

    app = create_app(make_settings(EmagGatewaySettings, run_jobs=False))
    async with running_app(app):
        runtime = app.state.runtime
        marker = f"prune-test/{uuid.uuid4().hex}"
        async with runtime.engine.begin() as conn:
            for age_days in (31, 29):
                await conn.execute(
                    sa.text(
                        "INSERT INTO emag_calls (route, method, duration_ms, outcome, started_at) "
                        "VALUES (:r, 'POST', 5, 'ok', now() - make_interval(days => :d))"
                    ),
                    {"r": marker, "d": age_days},
                )
        assert await prune_journal(runtime.session_factory, 30) >= 1
        async with runtime.engine.connect() as conn:
            left = await conn.scalar(
                sa.text("SELECT count(*) FROM emag_calls WHERE route = :r"), {"r": marker}
            )
        assert left == 1
