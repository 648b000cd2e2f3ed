"""Request bodies in every encoding eMAG accepts, and eMAG's response envelope.

Accepted bodies (emag-api.md §1.3):
1. JSON ``{"data": <payload>}``;
2. a bare JSON payload (a list for saves, an object of filters for reads);
3. form-encoded ``data=<JSON text>`` or PHP bracket notation ``data[0][id]=1&...``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import Response

from emag_sandbox.util import count_leaves


class BodyError(Exception):
    """The body could not be decoded at all."""


@dataclass
class Payload:
    """A decoded request body."""

    value: Any  # what the client sent, after JSON/form decoding
    wrapped: bool  # a top-level "data" key was present
    input_vars: int
    encoding: str  # json | form | empty

    @property
    def inner(self) -> Any:
        """The payload with a top-level `data` key unwrapped."""
        if self.wrapped and isinstance(self.value, dict):
            return self.value["data"]
        return self.value


def _php_segments(key: str) -> list[str]:
    if "[" not in key:
        return [key]
    head, _, rest = key.partition("[")
    segments = [head]
    rest = "[" + rest
    while rest.startswith("["):
        end = rest.find("]")
        if end < 0:
            break
        segments.append(rest[1:end])
        rest = rest[end + 1 :]
    return segments


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {k: _listify(v) for k, v in node.items()}
        keys = list(converted)
        if keys and all(k.isdigit() for k in keys):
            ordered = sorted(keys, key=int)
            if [int(k) for k in ordered] == list(range(len(ordered))):
                return [converted[k] for k in ordered]
        return converted
    return node


def parse_php_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP's `http_build_query` decoding: `a[0][b]=1` -> {"a": [{"b": "1"}]}."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        segments = _php_segments(key)
        node: dict[str, Any] = root
        for i, segment in enumerate(segments):
            last = i == len(segments) - 1
            if segment == "":
                segment = str(len(node))
            if last:
                node[segment] = value
            else:
                child = node.get(segment)
                if not isinstance(child, dict):
                    child = {}
                    node[segment] = child
                node = child
    result = _listify(root)
    return result if isinstance(result, dict) else {}


def decode_body(body: bytes, content_type: str | None) -> Payload:
    """Decode a body; raises BodyError if it is not valid JSON or form data."""
    ctype = (content_type or "").split(";")[0].strip().lower()
    text = body.decode("utf-8", errors="replace").strip() if body else ""
    if not text:
        return Payload(value=None, wrapped=False, input_vars=0, encoding="empty")
    if ctype == "application/x-www-form-urlencoded" or (
        ctype != "application/json" and not text.startswith(("{", "["))
    ):
        pairs = parse_qsl(text, keep_blank_values=True)
        if not pairs:
            raise BodyError("empty form")
        if len(pairs) == 1 and pairs[0][0] == "data":
            raw = pairs[0][1]
            try:
                inner = json.loads(raw)
            except ValueError as exc:
                raise BodyError("data is not JSON") from exc
            return Payload(
                value={"data": inner},
                wrapped=True,
                input_vars=count_leaves(inner),
                encoding="form",
            )
        form = parse_php_form(pairs)
        return Payload(value=form, wrapped="data" in form, input_vars=len(pairs), encoding="form")
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise BodyError("invalid JSON") from exc
    wrapped = isinstance(value, dict) and "data" in value
    return Payload(value=value, wrapped=wrapped, input_vars=count_leaves(value), encoding="json")


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def envelope(
    results: Any = None,
    *,
    is_error: bool = False,
    messages: list[Any] | None = None,
    errors: list[Any] | None = None,
    status: int = 200,
) -> Response:
    """eMAG's envelope: `{"isError": ..., "messages": [...], "results": ...}`."""
    body: dict[str, Any] = {
        "isError": is_error,
        "messages": messages or [],
        "results": [] if results is None else results,
    }
    if errors is not None:
        body["errors"] = errors
    return json_response(body, status=status)


def error(*messages: str, status: int = 200, results: Any = None) -> Response:
    return envelope(results, is_error=True, messages=list(messages), status=status)
