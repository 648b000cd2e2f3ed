"""`/api-3/...`: routing, Basic auth, rate limits, fault injection and the request log."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import math
import re
import time
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from emag_sandbox import handlers_catalog as cat
from emag_sandbox import handlers_orders as orders
from emag_sandbox import handlers_shipping as ship
from emag_sandbox.context import Ctx, Handler, HandlerError
from emag_sandbox.encoding import BodyError, decode_body, error, json_response
from emag_sandbox.ratelimit import EANS, ORDERS, OTHER
from emag_sandbox.runtime import Sandbox
from emag_sandbox.state import Account, LoggedRequest
from emag_sandbox.util import utcnow

log = logging.getLogger("emag_sandbox")


@dataclass(frozen=True)
class RouteDef:
    name: str
    methods: frozenset[str]
    pattern: re.Pattern[str]
    bucket: str
    handler: Handler
    has_body_limit: bool = True


def _route(
    name: str, methods: str, handler: Handler, *, pattern: str | None = None, bucket: str = ""
) -> RouteDef:
    regex = re.compile("^" + (pattern or re.escape(name)) + "$")
    if not bucket:
        bucket = ORDERS if name.startswith("order") else OTHER
    return RouteDef(name, frozenset(methods.split(",")), regex, bucket, handler)


ROUTES: tuple[RouteDef, ...] = (
    _route("category/read", "POST", cat.category_read),
    _route("category/count", "POST", cat.category_count),
    _route("vat/read", "POST", cat.vat_read),
    _route("handling_time/read", "POST", cat.handling_time_read),
    _route("product_offer/read", "POST", cat.product_offer_read),
    _route("product_offer/count", "POST", cat.product_offer_count),
    _route("product_offer/save", "POST", cat.product_offer_save),
    _route("offer/save", "POST", cat.offer_save),
    _route("offer_stock", "PATCH", cat.offer_stock, pattern=r"offer_stock/(?P<id>[^/]+)"),
    _route("documentation/find_by_eans", "GET", cat.find_by_eans, bucket=EANS),
    _route("order/read", "POST", orders.order_read),
    _route("order/count", "POST", orders.order_count),
    _route("order/save", "POST", orders.order_save),
    _route(
        "order/acknowledge",
        "POST",
        orders.order_acknowledge,
        pattern=r"order/acknowledge/(?P<id>[^/]+)",
    ),
    _route(
        "order/unlock-courier",
        "POST",
        orders.order_unlock_courier,
        pattern=r"order/(?P<id>\d+)/unlock-courier",
    ),
    _route("order/attachments/save", "POST", orders.order_attachments_save),
    _route("courier_accounts/read", "POST", ship.courier_accounts_read),
    _route("locality/read", "POST", ship.locality_read),
    _route("locality/count", "POST", ship.locality_count),
    _route("addresses/read", "POST", ship.addresses_read),
    _route("awb/save", "POST", ship.awb_save),
    _route("awb/read", "POST", ship.awb_read),
    _route("awb/read_pdf", "GET,POST", ship.awb_read_pdf),
    _route("awb/read_zpl", "GET,POST", ship.awb_read_zpl),
)

INVALID_URL = {"message": "Invalid URL"}
NO_ROUTE = {"message": "no Route matched with those values"}
KONG_5XX = {
    500: "An unexpected error occurred",
    502: "An invalid response was received from the upstream server",
    503: "failure to get a peer from the ring-balancer",
    504: "The upstream server is timing out",
}
HTML_ERROR = (
    "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx</center></body></html>"
)


def match_route(path: str, method: str) -> tuple[RouteDef | None, dict[str, str], bool]:
    """(route, path params, method allowed). route None = unknown path."""
    known: RouteDef | None = None
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            if method in route.methods:
                return route, found.groupdict(), True
            known = route
    return known, {}, False


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    return (username, password) if sep else None


def _log_body(raw: bytes, limit: int) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if len(text) > limit:
        return {"truncated": True, "size": len(raw), "head": text[:limit]}
    try:
        return json.loads(text)
    except ValueError:
        return text


def build_router(sandbox: Sandbox) -> APIRouter:
    router = APIRouter()

    @router.api_route(
        "/api-3/{path:path}",
        methods=["GET", "POST", "PATCH", "PUT", "DELETE"],
        include_in_schema=False,
    )
    async def dispatch(path: str, request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()
        route, params, method_ok = match_route(path.strip("/"), request.method)
        creds = basic_credentials(request.headers.get("authorization"))
        account: Account | None = None
        if creds is not None:
            candidate = sandbox.store.accounts.get(creds[0])
            if candidate is not None and candidate.password == creds[1]:
                account = candidate
        outcome = "ok"
        response: Response
        if route is None:
            response, outcome = json_response(INVALID_URL, status=404), "not_found"
        elif not method_ok:
            response, outcome = json_response(NO_ROUTE, status=404), "not_found"
        else:
            response, outcome = await _handle(sandbox, route, params, request, body, account, creds)
        duration = (time.perf_counter() - started) * 1000
        limit = sandbox.settings.request_log_body_chars
        response_body: Any
        if response.media_type == "application/pdf":
            response_body = {"pdf_bytes": len(response.body)}
        else:
            response_body = _log_body(bytes(response.body), limit)
        sandbox.store.request_log.append(
            LoggedRequest(
                id=sandbox.store.next_request_id(),
                at=utcnow(),
                account=account.username if account else (creds[0] if creds else None),
                method=request.method,
                path="/api-3/" + path,
                route=route.name if route else None,
                query=request.url.query,
                request_body=_log_body(body, limit),
                status=response.status_code,
                response_body=response_body,
                duration_ms=round(duration, 3),
                outcome=outcome,
            )
        )
        return response

    return router


async def _handle(
    sandbox: Sandbox,
    route: RouteDef,
    params: dict[str, str],
    request: Request,
    body: bytes,
    account: Account | None,
    creds: tuple[str, str] | None,
) -> tuple[Response, str]:
    settings = sandbox.settings
    # 1. rate limits (Kong, in front of everything; invalid requests count too)
    if settings.rate_limits_enabled:
        key = account.username if account else "anonymous:" + (creds[0] if creds else "")
        decision = sandbox.limiter.check(key, route.bucket)
        headers = {
            "X-RateLimit-Limit-3second": str(decision.limit),
            "X-RateLimit-Remaining-3second": str(decision.remaining),
        }
        if not decision.allowed:
            if settings.rate_limit_send_retry_after:
                headers["Retry-After"] = str(max(1, math.ceil(decision.retry_after)))
            return json_response(
                {"message": "API rate limit exceeded"}, status=429, headers=headers
            ), "rate_limited"
    else:
        headers = {}
    # 2. injected faults
    faults = sandbox.faults.decide(route.name, account.username if account else None)
    if faults.fault_ids:
        if faults.latency_s > 0:
            await asyncio.sleep(faults.latency_s)
        if faults.rate_limited:
            limited_headers = {
                "X-RateLimit-Limit-3second": "3",
                "X-RateLimit-Remaining-3second": "0",
            }
            if settings.rate_limit_send_retry_after:
                limited_headers["Retry-After"] = "1"
            return json_response(
                {"message": "API rate limit exceeded"}, status=429, headers=limited_headers
            ), "fault"
        if faults.timeout_s is not None:
            await asyncio.sleep(faults.timeout_s)
            return json_response({"message": KONG_5XX[504]}, status=504), "fault"
        if faults.status is not None:
            message = KONG_5XX.get(faults.status, "An unexpected error occurred")
            return json_response({"message": message}, status=faults.status), "fault"
        if faults.bad_body == "html":
            return Response(HTML_ERROR, status_code=200, media_type="text/html"), "fault"
        if faults.bad_body == "empty":
            return Response(b"", status_code=200, media_type="application/json"), "fault"
    # 3. authentication and the IP allow-list
    if account is None:
        return error("Invalid username or password", status=settings.auth_failure_status), "auth"
    if account.ip_failure:
        ip = request.client.host if request.client else "unknown"
        return error(f"Invalid vendor ip [{ip}]", status=settings.ip_failure_status), "auth"
    if not account.api_allowed:
        return error("You are not allowed to use this API.", status=403), "auth"
    # 4. PHP's max_input_vars
    payload = None
    if body and route.has_body_limit and request.method != "PATCH":
        try:
            payload = decode_body(body, request.headers.get("content-type"))
        except BodyError:
            payload = None
        if payload is not None and payload.input_vars > settings.max_input_vars:
            return error(f"Maximum input vars of {settings.max_input_vars} exceeded"), "error"
    ctx = Ctx(
        store=sandbox.store,
        settings=settings,
        account=account,
        request=request,
        body=body,
        params=params,
        faults=faults,
        http=sandbox.http,
        spawn=sandbox.spawn,
        _payload=payload,
    )
    try:
        response = await route.handler(ctx)
    except HandlerError as exc:
        response = exc.response
    except Exception:
        log.exception("handler %s failed", route.name)
        return json_response({"message": KONG_5XX[500]}, status=500), "error"
    for name, value in headers.items():
        response.headers[name] = value
    outcome = "ok"
    if response.status_code >= 400 or (
        response.media_type == "application/json" and response.body[:14] == b'{"isError":tru'
    ):
        outcome = "error"
    return response, outcome
