"""The app factory every service uses: errors, correlation ids, auth, health, readiness, metrics.

A service calls `create_service_app` from its own `create_app(settings=None)` and adds its
routers; uvicorn starts it with `--factory`, so nothing is built at import time.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import sqlalchemy.exc
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from taraba_platform.auth import authenticated, require_role
from taraba_platform.consumer import Subscription
from taraba_platform.errors import ApiError
from taraba_platform.inbox import (
    begin_idempotent_request,
    check_idempotency_key,
    finish_idempotent_request,
    request_fingerprint,
)
from taraba_platform.logging import configure_logging, correlation_id_var
from taraba_platform.outbox import outbox_stats
from taraba_platform.runtime import ServiceRuntime
from taraba_platform.settings import ServiceSettings

log = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-ID"
LifespanHook = Callable[[FastAPI, ServiceRuntime], AbstractAsyncContextManager[None]]
API_PREFIX = "/api/v1"


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "field": field}}


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {
        "description": description,
        "content": {"application/json": {"example": error_body(code, description, None)}},
    }
    for status, code, description in (
        (401, "unauthenticated", "Missing or invalid bearer token"),
        (403, "forbidden", "The token's role may not do this"),
        (422, "validation_error", "A field is missing, unknown or of the wrong type"),
    )
}


class RequestContextMiddleware:
    """Sets the correlation id for the request's logs and events, and records metrics."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope.get("path", ""):
            # PostgreSQL cannot store or compare a NUL character: refuse it up front.
            body = json.dumps(
                error_body("invalid_character", "the URL contains a NUL character (%00)", "query")
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 400,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        incoming = dict(scope.get("headers") or []).get(b"x-correlation-id", b"").decode("latin-1")
        correlation_id = (
            incoming[:128] if incoming and incoming.isprintable() else str(uuid.uuid4())
        )
        token = correlation_id_var.set(correlation_id)
        started = time.perf_counter()
        status_holder = {"status": 500}

        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_holder["status"] = message["status"]
                headers = list(message.get("headers", []))
                headers.append((CORRELATION_HEADER.lower().encode(), correlation_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Answered here, inside the correlation scope, so the 500 and its logged traceback
            # carry the id the client can quote.
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if response_started:
                raise
            body = json.dumps(
                error_body(
                    "internal_error",
                    f"internal error; quote correlation id {correlation_id} to find it in the logs",
                )
            ).encode()
            await send_wrapper(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send_wrapper({"type": "http.response.body", "body": body})
        finally:
            app = scope.get("app")
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            # The matched route object may be the router's original, without the prefix that
            # create_service_app puts in front of every API router.
            if scope["path"].startswith(API_PREFIX) and not path.startswith(API_PREFIX):
                path = API_PREFIX + path
            if app is not None and hasattr(app.state, "runtime"):
                metrics = app.state.runtime.metrics
                metrics.http_requests.labels(
                    scope["method"], path, str(status_holder["status"])
                ).inc()
                metrics.http_latency.labels(scope["method"], path).observe(
                    time.perf_counter() - started
                )
            correlation_id_var.reset(token)


def _field_of(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"}:
        parts = parts[1:] or parts
    return ".".join(parts) or "body"


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse(
            error_body(exc.code, exc.message, exc.field), exc.status, headers=headers
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first: dict[str, Any] = (
            dict(errors[0])
            if errors
            else {"loc": ("body",), "msg": "invalid request", "type": "invalid"}
        )
        if first.get("type") == "json_invalid":
            return JSONResponse(
                error_body(
                    "malformed_json",
                    f"request body is not valid JSON: "
                    f"{first.get('ctx', {}).get('error', first['msg'])}",
                    "body",
                ),
                400,
            )
        field = _field_of(first["loc"])
        message = f"{field}: {first['msg']}"
        if first.get("type") == "extra_forbidden":
            message = f"{field}: unknown field"
        if len(errors) > 1:
            message += f" (and {len(errors) - 1} more problem(s))"
        body = error_body("validation_error", message, field)
        body["error"]["details"] = [
            {"field": _field_of(e["loc"]), "message": e["msg"], "type": e["type"]} for e in errors
        ]
        return JSONResponse(body, 422)

    @app.exception_handler(sqlalchemy.exc.DataError)
    async def data_error(_: Request, exc: sqlalchemy.exc.DataError) -> JSONResponse:
        # A value that passed validation but that PostgreSQL refuses (out of range, a NUL
        # character): the client's input, so a 4xx, never a 500.
        log.warning("database refused a value", extra={"error": str(exc.orig)[:300]})
        return JSONResponse(
            error_body(
                "invalid_value",
                "a value is out of range or contains characters that cannot be stored",
            ),
            422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            error_body(code, str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )


def get_runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for one request; the route opens the transaction (`async with s.begin()`)."""
    async with get_runtime(request).session_factory() as session:
        yield session


def ops_router(settings: ServiceSettings) -> APIRouter:
    """The service's own operational status: outbox backlog and consumer state (admin only)."""
    router = APIRouter(tags=["operations"])

    @router.get(
        f"/ops/{settings.service_name}/status",
        summary="Outbox backlog and consumer state of this service",
        dependencies=[Depends(require_role())],
    )
    async def status(request: Request) -> dict[str, Any]:
        runtime = get_runtime(request)
        async with runtime.engine.connect() as conn:
            stats = await outbox_stats(conn, settings.db_schema)
        return {
            "service": settings.service_name,
            "outbox": {
                "backlog": stats.backlog,
                "oldest_unpublished_age_seconds": round(stats.oldest_age_seconds, 3),
                "rows_failing": stats.failing,
                "relay_active": bool(runtime.relay and runtime.relay.is_leader),
            },
            "dependencies": await runtime.readiness(),
        }

    return router


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    public_routers: Sequence[APIRouter] = (),
    subscriptions: Sequence[Subscription[Any]] = (),
    lifespan_hooks: Sequence[LifespanHook] = (),
    version: str = "0.1.0",
) -> FastAPI:
    """The service's app. `lifespan_hooks` are entered in order after the runtime starts
    (and left in reverse before it stops): a service's own resources and background jobs."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    tokens = settings.tokens()  # fail fast on a malformed TARABA_AUTH_TOKENS

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runtime = ServiceRuntime(settings, subscriptions=subscriptions)
        app.state.runtime = runtime
        await runtime.start()
        try:
            async with AsyncExitStack() as hooks:
                for hook in lifespan_hooks:
                    await hooks.enter_async_context(hook(app, runtime))
                log.info("service started", extra={"environment": settings.environment})
                yield
        finally:
            await runtime.stop()
            log.info("service stopped")

    app = FastAPI(
        title=title,
        description=description,
        version=version,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    app.state.settings = settings
    app.state.tokens = tokens
    install_error_handlers(app)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", CORRELATION_HEADER],
        expose_headers=[CORRELATION_HEADER],
        allow_credentials=False,
    )
    app.add_middleware(RequestContextMiddleware)

    @app.get("/health", tags=["operations"], summary="Alive")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": settings.service_name}

    @app.get(
        "/ready",
        tags=["operations"],
        summary="Database and broker reachable",
        responses={503: {"description": "A dependency is unavailable"}},
    )
    async def ready(request: Request) -> JSONResponse:
        checks = await get_runtime(request).readiness()
        ok = all(value == "ok" for value in checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks}, 200 if ok else 503
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    async def metrics(request: Request) -> Response:
        await get_runtime(request).refresh_metrics()
        return Response(
            generate_latest(get_runtime(request).metrics.registry), media_type=CONTENT_TYPE_LATEST
        )

    api = APIRouter(prefix=API_PREFIX, dependencies=[Depends(authenticated)])
    api.include_router(ops_router(settings))
    for router in routers:
        api.include_router(router)
    app.include_router(api)
    # Outside /api/v1 and its bearer auth: routes that authenticate otherwise (a secret in the
    # path for eMAG's callbacks, an unguessable token for public documents).
    for router in public_routers:
        app.include_router(router)
    return app


async def idempotent_write(
    request: Request,
    session: AsyncSession,
    idempotency_key: str | None,
    action: Callable[[], Awaitable[tuple[int, BaseModel]]],
) -> JSONResponse:
    """Run a write in one transaction; with an `Idempotency-Key`, at most once.

    The key, the request's fingerprint and the response are stored in the inbox table in the
    same transaction as the write, so a client that retries (timeout, lost response) gets the
    first answer back, marked `Idempotent-Replayed: true`, and nothing happens twice. A failed
    write rolls back its key too, so the client may retry it.
    """
    settings: ServiceSettings = request.app.state.settings
    route = request.scope.get("route")
    principal = getattr(request.state, "principal", None)
    # Keys are per caller: another token presenting the same key gets no one else's answer.
    caller = principal.token_fingerprint if principal is not None else "anonymous"
    scope_name = f"http:{request.method} {getattr(route, 'path', request.url.path)} {caller}"
    async with session.begin():
        key = check_idempotency_key(idempotency_key) if idempotency_key is not None else None
        if key is not None:
            fingerprint = request_fingerprint(
                request.method, request.url.path, await request.body()
            )
            stored = await begin_idempotent_request(
                session, settings.db_schema, scope_name, key, fingerprint
            )
            if stored is not None:
                return JSONResponse(
                    stored.body, stored.status, headers={"Idempotent-Replayed": "true"}
                )
        status, body = await action()
        # Encoded through the route's response model, exactly as FastAPI would a GET.
        encoded = body.model_dump(mode="json")
        if key is not None:
            await finish_idempotent_request(
                session, settings.db_schema, scope_name, key, status, encoded
            )
    return JSONResponse(encoded, status)
