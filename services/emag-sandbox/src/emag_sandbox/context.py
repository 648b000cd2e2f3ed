"""What an api-3 handler gets: the account, the decoded body and helpers for eMAG's conventions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi import Request
from fastapi.responses import Response

from emag_sandbox.encoding import BodyError, Payload, decode_body, error
from emag_sandbox.faults import FaultDecision
from emag_sandbox.settings import SandboxSettings
from emag_sandbox.state import Account, Store
from emag_sandbox.util import to_int

EXPECTED_LIST = "Expected list of arrays, single array received"


class HandlerError(Exception):
    """Raised by a handler to answer with a prepared response."""

    def __init__(self, response: Response) -> None:
        super().__init__("handler error")
        self.response = response


@dataclass
class Ctx:
    store: Store
    settings: SandboxSettings
    account: Account
    request: Request
    body: bytes
    params: dict[str, str]
    faults: FaultDecision
    http: httpx.AsyncClient
    spawn: Callable[[Awaitable[None]], None]
    _payload: Payload | None = field(default=None, repr=False)

    @property
    def payload(self) -> Payload:
        if self._payload is None:
            try:
                self._payload = decode_body(self.body, self.request.headers.get("content-type"))
            except BodyError:
                raise HandlerError(error("Invalid JSON or form data in the request body")) from None
        return self._payload

    def filters(self) -> dict[str, Any]:
        """Read filters: the top-level keys (a `data` wrapper is ignored or unwrapped)."""
        payload = self.payload
        value = payload.value
        if not isinstance(value, dict):
            return {}
        top = {k: v for k, v in value.items() if k != "data"}
        inner = value.get("data")
        if isinstance(inner, dict) and (
            payload.encoding == "form" or self.settings.read_filters_in_data == "unwrap"
        ):
            return {**inner, **top}
        return top

    def items(self) -> list[Any]:
        """The entity list of a */save call, with eMAG's limits checked."""
        payload = self.payload
        inner = payload.inner
        if inner is None:
            raise HandlerError(error("No data was sent"))
        if isinstance(inner, dict):
            # PHP bracket notation with non-sequential keys is still a list of entities
            if inner and all(isinstance(k, str) and k.isdigit() for k in inner):
                inner = [inner[k] for k in sorted(inner, key=int)]
            else:
                raise HandlerError(error(EXPECTED_LIST))
        if not isinstance(inner, list):
            raise HandlerError(error(EXPECTED_LIST))
        limit = self.settings.max_items_per_save
        if len(inner) > limit:
            raise HandlerError(
                error(f"Maximum number of entities per request is {limit}; received {len(inner)}")
            )
        return inner

    def item_fails(self, item_id: Any) -> bool:
        """Per-item fault injection."""
        decision = self.faults
        number = to_int(item_id)
        if number is not None and number in decision.item_error_ids:
            return True
        if decision.item_error_rate > 0:
            return self.store.fault_rng.random() < decision.item_error_rate
        return False


Handler = Callable[[Ctx], Awaitable[Response]]


def page_params(filters: dict[str, Any], settings: SandboxSettings) -> tuple[int, int]:
    """`currentPage` (1-based) and `itemsPerPage` (silently capped at the maximum)."""
    page = to_int(filters.get("currentPage"))
    per_page = to_int(filters.get("itemsPerPage"))
    if page is None or page < 1:
        page = 1
    if per_page is None or per_page < 1:
        per_page = settings.max_items_per_page
    return page, min(per_page, settings.max_items_per_page)


def paginate(items: list[Any], filters: dict[str, Any], settings: SandboxSettings) -> list[Any]:
    page, per_page = page_params(filters, settings)
    start = (page - 1) * per_page
    return items[start : start + per_page]


def count_result(total: int, filters: dict[str, Any], settings: SandboxSettings) -> dict[str, Any]:
    """`{resource}/count` results: noOfItems as a string, as eMAG sends it."""
    _, per_page = page_params(filters, settings)
    pages = (total + per_page - 1) // per_page
    return {"noOfItems": str(total), "noOfPages": pages, "itemsPerPage": per_page}


def int_filter(value: Any) -> set[int] | None:
    """A filter given as one int or a list of ints; None if absent or unusable."""
    if value is None or value == "" or value == []:
        return None
    values = value if isinstance(value, list) else [value]
    result = {number for number in (to_int(v) for v in values) if number is not None}
    return result or {-1}
