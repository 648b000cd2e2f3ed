"""The inbox: a consumer's effects and its (consumer, message id) row commit together.

The same table keeps HTTP `Idempotency-Key`s: the consumer is the route, the message id the key,
and the stored response is replayed to a client that retries.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from taraba_platform.errors import ApiError

MAX_IDEMPOTENCY_KEY_LENGTH = 200


async def claim_message(session: AsyncSession, schema: str, consumer: str, message_id: str) -> bool:
    """Record that `consumer` handles `message_id`; False if it already has.

    A concurrent duplicate blocks on the primary key until the first transaction ends, then sees
    its row (commit) or takes over (rollback): never two effects.
    """
    result = await session.execute(
        sa.text(
            f'INSERT INTO "{schema}".inbox (consumer, message_id) VALUES (:consumer, :message_id) '
            "ON CONFLICT DO NOTHING RETURNING 1"
        ),
        {"consumer": consumer, "message_id": message_id},
    )
    return result.first() is not None


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: Any


class IdempotencyKeyReused(ApiError):
    def __init__(self) -> None:
        super().__init__(
            422,
            "idempotency_key_reused",
            "this Idempotency-Key was already used for a different request",
            "Idempotency-Key",
        )


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + body).hexdigest()


def check_idempotency_key(key: str) -> str:
    key = key.strip()
    if not key or len(key) > MAX_IDEMPOTENCY_KEY_LENGTH or not key.isprintable():
        raise ApiError(
            400,
            "invalid_idempotency_key",
            f"Idempotency-Key must be 1-{MAX_IDEMPOTENCY_KEY_LENGTH} printable characters",
            "Idempotency-Key",
        )
    return key


async def begin_idempotent_request(
    session: AsyncSession, schema: str, scope: str, key: str, fingerprint: str
) -> StoredResponse | None:
    """Claim `key` for this request in the current transaction, or return the stored response.

    None means: first time, go ahead and call `finish_idempotent_request` before committing.
    """
    result = await session.execute(
        sa.text(
            f'INSERT INTO "{schema}".inbox (consumer, message_id, request_fingerprint) '
            "VALUES (:scope, :key, :fingerprint) ON CONFLICT DO NOTHING RETURNING 1"
        ),
        {"scope": scope, "key": key, "fingerprint": fingerprint},
    )
    if result.first() is not None:
        return None
    row = (
        await session.execute(
            sa.text(
                "SELECT request_fingerprint, response_status, response_body "
                f'FROM "{schema}".inbox WHERE consumer = :scope AND message_id = :key'
            ),
            {"scope": scope, "key": key},
        )
    ).one()
    if row[0] != fingerprint:
        raise IdempotencyKeyReused()
    return StoredResponse(status=row[1], body=row[2])


async def finish_idempotent_request(
    session: AsyncSession, schema: str, scope: str, key: str, status: int, body: Any
) -> None:
    await session.execute(
        sa.text(
            f'UPDATE "{schema}".inbox SET response_status = :status, '
            "response_body = CAST(:body AS jsonb) WHERE consumer = :scope AND message_id = :key"
        ),
        {"status": status, "body": json.dumps(body), "scope": scope, "key": key},
    )
