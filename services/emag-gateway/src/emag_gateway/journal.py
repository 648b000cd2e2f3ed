"""The eMAG call journal: every attempt of every call, searchable, kept 30 days.

The client reports each attempt to `DbCallRecorder`, which writes it in its own short
transaction (a journal row must survive the caller's rollback). Credentials never reach it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, FastAPI, Path, Query
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from taraba_platform.deps import SessionDep
from taraba_platform.errors import NotFound
from taraba_platform.runtime import ServiceRuntime

from emag_gateway.emag.journal import CallRecord
from emag_gateway.models import emag_calls

log = logging.getLogger(__name__)

MAX_STORED_BODY = 200_000  # characters of JSON; a huge catalogue page is cut, not dropped
SECRET_KEYS = {"password", "authorization", "username"}


def _scrub(value: Any) -> Any:
    """Belt and braces: drop anything that looks like a credential before it is stored."""
    if isinstance(value, dict):
        return {k: ("***" if k.lower() in SECRET_KEYS else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def _storable(value: Any) -> Any:
    if value is None:
        return None
    text = json.dumps(_scrub(value), default=str)
    if len(text) > MAX_STORED_BODY:
        return {"truncated": True, "size": len(text), "head": text[:MAX_STORED_BODY]}
    return json.loads(text)


class DbCallRecorder:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def record(self, call: CallRecord) -> None:
        try:
            account_id = uuid.UUID(call.account_key)
        except ValueError:
            account_id = None
        async with self.sessions() as session, session.begin():
            await session.execute(
                emag_calls.insert().values(
                    account_id=account_id,
                    route=call.route,
                    method=call.method,
                    request_body=_storable(call.request_body),
                    response_status=call.response_status,
                    response_body=_storable(call.response_body),
                    duration_ms=int(call.duration_ms),
                    outcome=call.outcome,
                    attempt=call.attempt,
                    error_message=call.error_message,
                    started_at=call.started_at,
                )
            )


async def prune_journal(sessions: async_sessionmaker[AsyncSession], days: int) -> int:
    async with sessions() as session, session.begin():
        result = await session.execute(
            emag_calls.delete().where(
                emag_calls.c.started_at < sa.func.now() - sa.func.make_interval(0, 0, 0, days)
            )
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


@contextlib.asynccontextmanager
async def journal_pruner(app: FastAPI, runtime: ServiceRuntime) -> AsyncIterator[None]:
    """Deletes journal rows older than the retention, hourly, while the app runs."""
    days: int = app.state.settings.emag_journal_retention_days

    async def loop() -> None:
        while True:
            try:
                removed = await prune_journal(runtime.session_factory, days)
                if removed:
                    log.info("pruned the eMAG call journal", extra={"removed": removed})
            except Exception:
                log.exception("could not prune the eMAG call journal")
            await asyncio.sleep(3600)

    task = asyncio.create_task(loop(), name="emag-journal-pruner")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


router = APIRouter(prefix="/emag/calls", tags=["emag call journal"])


class CallOut(BaseModel):
    id: int
    account_id: uuid.UUID | None
    route: str
    method: str
    response_status: int | None
    duration_ms: int
    outcome: str
    attempt: int
    error_message: str | None
    started_at: datetime


class CallDetail(CallOut):
    request_body: Any
    response_body: Any


class CallPage(BaseModel):
    items: list[CallOut]
    total: int
    limit: int
    offset: int


@router.get(
    "",
    response_model=CallPage,
    summary="Search the journal of calls to eMAG",
    description="Newest first. Filters combine; `route` matches a prefix "
    "(e.g. `order/` for every order route).",
)
async def search_calls(
    session: SessionDep,
    account_id: uuid.UUID | None = None,
    route: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Annotated[str | None, Query(max_length=40)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    conditions: list[Any] = []
    if account_id:
        conditions.append(emag_calls.c.account_id == account_id)
    if route:
        escaped = route.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(emag_calls.c.route.like(f"{escaped}%", escape="\\"))
    if outcome:
        conditions.append(emag_calls.c.outcome == outcome)
    if since:
        conditions.append(emag_calls.c.started_at >= since)
    if until:
        conditions.append(emag_calls.c.started_at < until)
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(emag_calls).where(*conditions)
    )
    columns = [c for c in emag_calls.c if c.name not in ("request_body", "response_body")]
    rows = await session.execute(
        sa.select(*columns)
        .where(*conditions)
        .order_by(emag_calls.c.started_at.desc(), emag_calls.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return {
        "items": [dict(r._mapping) for r in rows],
        "total": total or 0,
        "limit": limit,
        "offset": offset,
    }


@router.get("/{call_id}", response_model=CallDetail, summary="One call with its bodies")
async def read_call(
    call_id: Annotated[int, Path(ge=1, le=2**63 - 1)], session: SessionDep
) -> dict[str, Any]:
    row = (await session.execute(sa.select(emag_calls).where(emag_calls.c.id == call_id))).first()
    if row is None:
        raise NotFound(f"call {call_id} is not in the journal", "call_id")
    return dict(row._mapping)
