"""Small helpers shared by every test suite."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
import sqlalchemy as sa
from fastapi import FastAPI

T = TypeVar("T")

ADMIN = "test-admin-token"
OPERATOR = "test-operator-token"
WAREHOUSE = "test-warehouse-token"
TEST_TOKENS = f"{ADMIN}:admin,{OPERATOR}:operator,{WAREHOUSE}:warehouse"


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@cache
def repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "deploy" / "services.toml").exists():
            return parent
    raise RuntimeError("cannot find the repository root (deploy/services.toml)")


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 10.0,
    interval: float = 0.05,
    message: str = "condition not met",
) -> T:
    """Poll `probe` until it returns something truthy, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"{message} within {timeout}s (last value: {last!r})")


@asynccontextmanager
async def running_app(
    app: FastAPI, *, wait_ready: bool = True, timeout: float = 15.0
) -> AsyncIterator[httpx.AsyncClient]:
    """Run the app's lifespan (relay, consumers) and give an HTTP client bound to it.

    With `wait_ready`, returns once the broker is connected and the consumer (if any) has bound
    its queue, so a test's first event cannot slip past an unbound queue.
    """
    async with app.router.lifespan_context(app):
        if wait_ready:
            runtime = app.state.runtime

            async def ready() -> bool:
                checks = await runtime.readiness()
                return all(value == "ok" for value in checks.values())

            await eventually(ready, timeout=timeout, message="app not ready")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            yield client


def assert_error(
    response: httpx.Response, status: int, code: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """The response is Taraba's JSON error `{"error": {"code", "message", "field"}}`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}, body
    error: dict[str, Any] = body["error"]
    assert {"code", "message", "field"} <= set(error), error
    assert isinstance(error["message"], str) and error["message"], error
    if code is not None:
        assert error["code"] == code, error
    assert error["field"] == field, error
    return error


async def outbox_events(app: FastAPI, subject: str) -> list[tuple[str, dict[str, Any]]]:
    """(routing key, envelope) of every event the app's service wrote for `subject`, in order."""
    async with app.state.runtime.engine.connect() as conn:
        rows = (
            await conn.execute(
                sa.text(
                    "SELECT routing_key, envelope FROM outbox "
                    "WHERE envelope->>'subject' = :subject ORDER BY id"
                ),
                {"subject": subject},
            )
        ).all()
    return [(key, env if isinstance(env, dict) else json.loads(env)) for key, env in rows]
