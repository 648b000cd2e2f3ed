"""Annotated types every service's routes share: the request's session, the Idempotency-Key
header and paging parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query
from sqlalchemy.ext.asyncio import AsyncSession

from taraba_platform.http import get_session

SessionDep = Annotated[AsyncSession, Depends(get_session)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Send the same key when retrying: the write happens at most once",
    ),
]
Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Offset = Annotated[int, Query(ge=0, le=100_000_000, description="Items to skip")]
