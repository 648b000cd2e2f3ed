"""Errors that carry an HTTP status and a field name, and the consumer's permanent error."""

from __future__ import annotations


class PermanentError(Exception):
    """A message handler's failure that no retry can fix: the message goes to the dead letters."""


class ApiError(Exception):
    """An error answered as JSON `{"error": {"code", "message", "field"}}`."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field


class NotFound(ApiError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(404, "not_found", message, field)


class Conflict(ApiError):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(409, "conflict", message, field)


class Unprocessable(ApiError):
    def __init__(self, message: str, field: str | None = None, code: str = "invalid") -> None:
        super().__init__(422, code, message, field)
