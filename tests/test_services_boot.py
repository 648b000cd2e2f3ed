"""Every service in deploy/services.toml boots on the platform's app factory and behaves the same
way at its edges: health, readiness, metrics, OpenAPI, bearer auth, correlation ids, CORS, and its
database role confined to its own schema."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from taraba_platform.provisioning import ServiceSpec
from taraba_platform.settings import ServiceSettings
from taraba_testing import ADMIN, OPERATOR, WAREHOUSE, assert_error, auth, eventually, running_app
from taraba_testing.infra import ADMIN_DSN, service_specs

pytestmark = pytest.mark.integration

CLOSED_BROKER = "amqp://guest:guest@127.0.0.1:1/"
ALLOWED_ORIGINS = ServiceSettings.model_fields["cors_origins"].default
DISALLOWED_ORIGIN = "https://evil.example"


@dataclass(frozen=True)
class Service:
    spec: ServiceSpec
    create_app: Callable[[Any], FastAPI]
    settings_cls: type[ServiceSettings]

    @property
    def status_path(self) -> str:
        return f"/api/v1/ops/{self.spec.name}/status"


def _load(spec: ServiceSpec) -> Service:
    main = importlib.import_module(f"{spec.package}.main")
    settings_module = importlib.import_module(f"{spec.package}.settings")
    classes = [
        obj
        for name, obj in vars(settings_module).items()
        if name.endswith("Settings")
        and isinstance(obj, type)
        and issubclass(obj, ServiceSettings)
        and obj is not ServiceSettings
        and obj.__module__ == settings_module.__name__
    ]
    assert len(classes) == 1, f"{spec.package}.settings must define one <X>Settings: {classes}"
    return Service(spec=spec, create_app=main.create_app, settings_cls=classes[0])


SERVICES = [_load(spec) for spec in service_specs()]


@pytest.fixture(params=SERVICES, ids=[s.spec.name for s in SERVICES])
def service(request: pytest.FixtureRequest) -> Service:
    return request.param  # type: ignore[no-any-return]


def test_services_toml_lists_six_distinct_services() -> None:
    specs = service_specs()
    assert len(specs) == 6
    for attribute in ("name", "package", "schema", "port"):
        values = [getattr(spec, attribute) for spec in specs]
        assert len(set(values)) == len(values), f"duplicate {attribute}: {values}"


def test_settings_identity_matches_services_toml(service: Service) -> None:
    settings = service.settings_cls(environment="test")
    assert settings.service_name == service.spec.name
    assert settings.db_schema == service.spec.schema
    assert settings.db_role == service.spec.role
    port = importlib.import_module(f"{service.spec.package}.settings").DEFAULT_PORT
    assert port == service.spec.port


async def test_health_ready_and_metrics(service: Service, make_settings: Any) -> None:
    app = service.create_app(make_settings(service.settings_cls))
    async with running_app(app) as client:
        health = await client.get("/health")
        assert health.status_code == 200, health.text
        assert health.json() == {"status": "ok", "service": service.spec.name}

        ready = await client.get("/ready")
        assert ready.status_code == 200, ready.text
        body = ready.json()
        assert body["status"] == "ok"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["broker"] == "ok"
        assert all(value == "ok" for value in body["checks"].values()), body

        metrics = await client.get("/metrics")
        assert metrics.status_code == 200
        assert metrics.headers["content-type"].startswith("text/plain")
        text = metrics.text
        assert "taraba_http_requests_total" in text
        # The two requests above were counted, by route template and status.
        assert 'taraba_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
        assert 'taraba_http_requests_total{method="GET",route="/ready",status="200"} 1.0' in text
        assert "taraba_http_request_duration_seconds_bucket" in text
        assert "taraba_outbox_backlog" in text


async def test_openapi_declares_bearer_auth_on_the_api_only(
    service: Service, make_settings: Any
) -> None:
    app = service.create_app(make_settings(service.settings_cls))
    async with running_app(app) as client:
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        spec = response.json()
        assert (await client.get("/docs")).status_code == 200
    schemes = spec["components"]["securitySchemes"]
    bearer = [
        name
        for name, s in schemes.items()
        if s.get("type") == "http" and s.get("scheme", "").lower() == "bearer"
    ]
    assert len(bearer) == 1, schemes
    status_op = spec["paths"][service.status_path]["get"]
    assert {bearer[0]: []} in status_op["security"]
    for path in ("/health", "/ready", "/metrics"):
        assert "security" not in spec["paths"][path]["get"], path
    for path, operations in spec["paths"].items():
        if path.startswith("/api/v1/"):
            for method, operation in operations.items():
                assert operation.get("security"), f"{method.upper()} {path} has no security"
                assert "401" in operation["responses"], f"{method.upper()} {path}"


def test_openapi_security_scheme_is_named_bearer_auth(service: Service) -> None:
    app = service.create_app(service.settings_cls(environment="test"))
    schemes = app.openapi()["components"]["securitySchemes"]
    assert schemes.get("bearerAuth", {}).get("scheme") == "bearer", schemes


async def test_ops_status_is_admin_only(service: Service, make_settings: Any) -> None:
    app = service.create_app(make_settings(service.settings_cls))
    async with running_app(app) as client:
        path = service.status_path

        missing = await client.get(path)
        error = assert_error(missing, 401, "unauthenticated", "Authorization")
        assert "missing" in error["message"]
        assert missing.headers["www-authenticate"] == "Bearer"

        wrong = await client.get(path, headers=auth("not-a-real-token"))
        error = assert_error(wrong, 401, "unauthenticated", "Authorization")
        assert "invalid" in error["message"]
        assert wrong.headers["www-authenticate"] == "Bearer"

        basic = await client.get(path, headers={"Authorization": f"Basic {ADMIN}"})
        assert_error(basic, 401, "unauthenticated", "Authorization")

        # A prefix of a valid token is no token.
        prefix = await client.get(path, headers=auth(ADMIN[:-1]))
        assert_error(prefix, 401, "unauthenticated", "Authorization")

        for token in (OPERATOR, WAREHOUSE):
            forbidden = await client.get(path, headers=auth(token))
            error = assert_error(forbidden, 403, "forbidden")
            assert "admin" in error["message"]

        ok = await client.get(path, headers=auth(ADMIN))
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["service"] == service.spec.name
        outbox = body["outbox"]
        assert isinstance(outbox["backlog"], int) and outbox["backlog"] >= 0
        assert outbox["oldest_unpublished_age_seconds"] >= 0
        assert isinstance(outbox["rows_failing"], int)
        assert isinstance(outbox["relay_active"], bool)
        assert body["dependencies"]["database"] == "ok"
        assert body["dependencies"]["broker"] == "ok"


async def test_unknown_routes_answer_json_errors(service: Service, make_settings: Any) -> None:
    app = service.create_app(make_settings(service.settings_cls))
    async with running_app(app) as client:
        assert_error(
            await client.get("/api/v1/no-such-thing", headers=auth(ADMIN)), 404, "not_found"
        )
        assert_error(await client.get("/no-such-thing"), 404, "not_found")
        assert_error(await client.post("/health"), 405, "method_not_allowed")


async def test_correlation_id_is_echoed_or_generated(service: Service, make_settings: Any) -> None:
    app = service.create_app(make_settings(service.settings_cls))
    async with running_app(app) as client:
        sent = f"test-{uuid.uuid4()}"
        echoed = await client.get("/health", headers={"X-Correlation-ID": sent})
        assert echoed.headers["x-correlation-id"] == sent

        # Also on error responses.
        denied = await client.get(service.status_path, headers={"X-Correlation-ID": sent})
        assert denied.status_code == 401
        assert denied.headers["x-correlation-id"] == sent

        first = await client.get("/health")
        second = await client.get("/health")
        generated = [first.headers["x-correlation-id"], second.headers["x-correlation-id"]]
        for value in generated:
            uuid.UUID(value)  # a fresh UUID
        assert generated[0] != generated[1]

        long = await client.get("/health", headers={"X-Correlation-ID": "x" * 300})
        assert long.headers["x-correlation-id"] == "x" * 128


async def test_unexpected_error_is_a_json_500_naming_the_correlation_id(
    service: Service, make_settings: Any
) -> None:
    app = service.create_app(make_settings(service.settings_cls))

    async def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/test-boom", boom)
    async with running_app(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get("/test-boom", headers={"X-Correlation-ID": "corr-500"})
    error = assert_error(response, 500, "internal_error")
    assert "boom" not in error["message"]  # no internals leak
    assert "corr-500" in error["message"]
    assert response.headers.get("x-correlation-id") == "corr-500"


async def test_cors_preflight(service: Service, make_settings: Any) -> None:
    assert ALLOWED_ORIGINS, "settings.py should allow the local web UI by default"
    app = service.create_app(make_settings(service.settings_cls))
    async with running_app(app) as client:
        for origin in ALLOWED_ORIGINS:
            allowed = await client.options(
                service.status_path,
                headers={
                    "Origin": origin,
                    "Access-Control-Request-Method": "GET",
                    "Access-Control-Request-Headers": "authorization, idempotency-key",
                },
            )
            assert allowed.status_code == 200, allowed.text
            assert allowed.headers["access-control-allow-origin"] == origin
            assert "GET" in allowed.headers["access-control-allow-methods"]
            allow_headers = allowed.headers["access-control-allow-headers"].lower()
            assert "authorization" in allow_headers
            assert "idempotency-key" in allow_headers

        denied = await client.options(
            service.status_path,
            headers={
                "Origin": DISALLOWED_ORIGIN,
                "Access-Control-Request-Method": "GET",
            },
        )
        assert denied.status_code >= 400
        assert "access-control-allow-origin" not in denied.headers

        # A simple request: the allowed origin may read the correlation id, another may not.
        simple = await client.get("/health", headers={"Origin": ALLOWED_ORIGINS[0]})
        assert simple.headers["access-control-allow-origin"] == ALLOWED_ORIGINS[0]
        assert "x-correlation-id" in simple.headers["access-control-expose-headers"].lower()
        other = await client.get("/health", headers={"Origin": DISALLOWED_ORIGIN})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers


async def test_ready_is_503_while_the_broker_is_unreachable(
    service: Service, make_settings: Any
) -> None:
    app = service.create_app(make_settings(service.settings_cls, rabbitmq_url=CLOSED_BROKER))
    async with running_app(app, wait_ready=False) as client:
        ready = await client.get("/ready")
        assert ready.status_code == 503, ready.text
        body = ready.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["broker"] == "unavailable"
        assert body["checks"]["database"] == "ok"

        health = await client.get("/health")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"

        # The API itself still serves; the admin sees why the service is not ready.
        status = await client.get(service.status_path, headers=auth(ADMIN))
        assert status.status_code == 200, status.text
        assert status.json()["dependencies"]["broker"] == "unavailable"


async def test_ready_is_503_while_the_database_is_unreachable(
    service: Service, make_settings: Any
) -> None:
    app = service.create_app(make_settings(service.settings_cls, db_port=1))
    async with running_app(app, wait_ready=False) as client:
        ready = await client.get("/ready")
        assert ready.status_code == 503, ready.text
        assert ready.json()["checks"]["database"].startswith("unavailable")
        assert (await client.get("/health")).status_code == 200
        # Let the broker connection finish before shutting down: cancelling aio-pika in the
        # middle of its handshake leaves tasks behind on the closing event loop.
        await eventually(lambda: _connected(app), message="broker never connected")


async def _connected(app: FastAPI) -> bool:
    return bool(app.state.runtime.bus.is_connected)


# --- each service's role is confined to its own schema ----------------------------------------


def _dsn(database: str, role: str) -> str:
    host = ADMIN_DSN.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql://{role}@{host}/{database}"


async def test_stock_role_cannot_read_the_gateway_schema(test_database: str) -> None:
    conn = await asyncpg.connect(_dsn(test_database, "stock_svc"))
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.fetch("SELECT * FROM emag.desired_stock")
        # Its own schema is readable (the failure above is about privileges, not the query).
        await conn.fetch("SELECT * FROM stock.warehouses LIMIT 1")
    finally:
        await conn.close()


async def test_each_role_reaches_only_its_own_schema(service: Service, test_database: str) -> None:
    conn = await asyncpg.connect(_dsn(test_database, service.spec.role))
    try:
        # search_path points at the service's own schema.
        assert await conn.fetchval("SELECT count(*) >= 0 FROM outbox") is True
        assert await conn.fetchval("SELECT current_schema()") == service.spec.schema
        for other in SERVICES:
            if other.spec.schema == service.spec.schema:
                continue
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.fetch(f'SELECT * FROM "{other.spec.schema}".outbox LIMIT 1')
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await conn.execute(f'CREATE TABLE "{other.spec.schema}".intruder (id int)')
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CREATE TABLE public.intruder (id int)")
    finally:
        await conn.close()
