"""eMAG Marketplace API client: plain httpx + pydantic, no FastAPI, database or broker.

- `client.EmagClient`: typed async methods for every route the gateway uses;
- `ratelimit`: one limiter per account (`default_registry`), eMAG's buckets;
- `journal.CallRecord` / `CallRecorder`: what the client reports for each attempt;
- `errors`: what can go wrong, each with a message for the seller;
- `parsing` / `models`: eMAG's string numbers, local dates and messages, made typed.
"""

from emag_gateway.emag.client import EmagClient, base_url_for, normalise_base_url
from emag_gateway.emag.errors import (
    EmagApiError,
    EmagAuthError,
    EmagError,
    EmagInvalidResponse,
    EmagIpNotAllowed,
    EmagRateLimited,
    EmagRequestTooLarge,
    EmagUnavailable,
)
from emag_gateway.emag.journal import CallRecord, CallRecorder, MemoryRecorder
from emag_gateway.emag.ratelimit import LimiterRegistry, RateLimits, default_registry

__all__ = [
    "CallRecord",
    "CallRecorder",
    "EmagApiError",
    "EmagAuthError",
    "EmagClient",
    "EmagError",
    "EmagInvalidResponse",
    "EmagIpNotAllowed",
    "EmagRateLimited",
    "EmagRequestTooLarge",
    "EmagUnavailable",
    "LimiterRegistry",
    "MemoryRecorder",
    "RateLimits",
    "base_url_for",
    "default_registry",
    "normalise_base_url",
]
