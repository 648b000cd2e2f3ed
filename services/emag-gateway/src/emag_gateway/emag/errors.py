"""What can go wrong when talking to eMAG, each with a message a seller can act on.

Every error carries the route it happened on, the HTTP status when there was one, the messages
eMAG gave (normalised to strings) and `seller_message`, a sentence fit for the UI. `kind` is a
stable machine name the accounts API and the journal can use.
"""

from __future__ import annotations

from collections.abc import Sequence


class EmagError(Exception):
    """Base class: any failure of a call to eMAG's Marketplace API."""

    kind = "error"
    default_message = "The call to eMAG failed."

    def __init__(
        self,
        message: str | None = None,
        *,
        route: str = "",
        http_status: int | None = None,
        messages: Sequence[str] = (),
        attempts: int = 0,
    ) -> None:
        self.route = route
        self.http_status = http_status
        self.messages = list(messages)
        self.attempts = attempts
        self.seller_message = message or self.default_message
        super().__init__(self.seller_message)

    def __str__(self) -> str:
        parts = [self.seller_message]
        if self.messages:
            joined = "; ".join(self.messages)
            if joined not in self.seller_message:
                parts.append(f"eMAG said: {joined}")
        where = f" [{self.route}" + (f", HTTP {self.http_status}" if self.http_status else "") + "]"
        return " ".join(parts) + (where if self.route else "")


class EmagAuthError(EmagError):
    """401/403 or a credentials message: the account cannot use the API."""

    kind = "auth"
    default_message = (
        "eMAG refused the credentials: the API username or password is wrong, or the user's "
        "API rights are off. Check them in the eMAG Marketplace panel (Profile > API)."
    )


class EmagIpNotAllowed(EmagError):
    """eMAG answered `Invalid vendor ip`: the caller's IP is not on the account's allow-list."""

    kind = "ip_not_allowed"
    default_message = (
        "eMAG refused the call because this server's IP address is not on the account's API "
        "allow-list. Add the server's public IP in the eMAG Marketplace panel and try again."
    )


class EmagUnavailable(EmagError):
    """5xx, timeouts or connection errors that persisted through the retries."""

    kind = "unavailable"
    default_message = (
        "eMAG is down or unreachable (server errors, timeouts or no connection) even after "
        "retrying. Check the base URL; if it is right, eMAG is having trouble: try again later."
    )


class EmagRateLimited(EmagError):
    """429 persisted through the retries, or a pause/quota longer than the client will wait."""

    kind = "rate_limited"
    default_message = (
        "eMAG is refusing calls because the account's rate limit was exceeded. The gateway "
        "backs off on its own; try again in a minute."
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        route: str = "",
        http_status: int | None = None,
        messages: Sequence[str] = (),
        attempts: int = 0,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            message, route=route, http_status=http_status, messages=messages, attempts=attempts
        )


class EmagInvalidResponse(EmagError):
    """HTML, an empty body, non-JSON, or JSON without the envelope where one was due."""

    kind = "invalid_response"
    default_message = (
        "eMAG answered with something that is not its API's JSON (an HTML page, an empty body "
        "or an unexpected shape). The base URL may point at the wrong place."
    )


class EmagApiError(EmagError):
    """eMAG answered `isError: true` (or a 4xx with messages): the request itself was refused."""

    kind = "api_error"
    default_message = "eMAG refused the request."


class EmagRequestTooLarge(EmagError):
    """Refused before sending: over 50 entities in a save or over 4000 leaf values."""

    kind = "request_too_large"
    default_message = (
        "The request is over eMAG's limits (at most 50 items per save and 4000 values per "
        "request); it was not sent. Send it in smaller batches."
    )
