"""The call journal's record of one attempt, and the protocol the client writes it through.

The client builds a `CallRecord` for every attempt (each retry too) and hands it to a
`CallRecorder`; the gateway's recorder stores it in the journal table. Credentials never reach a
record: headers are not recorded at all, and `sanitize` masks any password-like key in bodies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

Outcome = Literal[
    "ok",
    "api_error",
    "http_error",
    "timeout",
    "network_error",
    "rate_limited",
    "invalid_response",
]

REDACTED = "***"
_SECRET_KEY_PARTS = ("password", "passwd", "authorization", "secret", "api_key", "apikey", "token")
MAX_TEXT_SNIPPET = 2000
MAX_JSON_CHARS = 256_000


@dataclass
class CallRecord:
    account_key: str
    route: str  # the path after the base URL, e.g. "order/read" or "offer_stock/6050"
    method: str
    request_body: Any  # JSON-able; the query parameters for GET; None when there was no body
    response_status: int | None  # None when no HTTP answer arrived (timeout, network error)
    response_body: Any  # parsed JSON, or {"text": snippet}, or {"binary": ...}; None if none
    duration_ms: int
    outcome: Outcome
    attempt: int  # 1-based; 0 for a request refused before sending (over eMAG's limits)
    error_message: str | None
    started_at: datetime  # aware UTC

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class CallRecorder(Protocol):
    async def record(self, call: CallRecord) -> None: ...


class MemoryRecorder:
    """Keeps records in a list: for tests and for tools without a database."""

    def __init__(self) -> None:
        self.records: list[CallRecord] = []

    async def record(self, call: CallRecord) -> None:
        self.records.append(call)


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in _SECRET_KEY_PARTS)


def sanitize(value: Any, depth: int = 0) -> Any:
    """A JSON-able copy of `value` with password-like keys masked (recursively)."""
    if depth > 20:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            str(k): REDACTED if _is_secret_key(str(k)) else sanitize(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [sanitize(v, depth + 1) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def text_snippet(text: str, limit: int = MAX_TEXT_SNIPPET) -> dict[str, Any]:
    if len(text) <= limit:
        return {"text": text}
    return {"text": text[:limit], "truncated": True, "length": len(text)}


def bounded_json(value: Any, limit: int = MAX_JSON_CHARS) -> Any:
    """Parsed JSON as is when it is reasonably small, else a truncated snippet of its text."""
    try:
        encoded = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return text_snippet(str(value))
    if len(encoded) <= limit:
        return value
    return {"json_truncated": True, "length": len(encoded), "text": encoded[:MAX_TEXT_SNIPPET]}
