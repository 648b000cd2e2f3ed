"""Per-account views of what the first sync pulled (the staging list of offers, categories,
couriers), and the actions on it: re-run the sync, import offers into the catalog."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from taraba_platform.auth import require_role
from taraba_platform.deps import SessionDep
from taraba_platform.schemas import RequestModel

from emag_gateway.accounts import load_account
from emag_gateway.jobs import JobOut, active_job, create_job, job_out, wake_runner
from emag_gateway.models import emag_categories, emag_couriers, emag_offers

router = APIRouter(prefix="/emag/accounts/{account_id}", tags=["emag staging"])
OfferId = Annotated[int, Field(ge=1, le=2**63 - 1)]
LinkState = Literal["unlinked", "linked", "ambiguous", "held"]


class StagedOffer(BaseModel):
    offer_id: int
    part_number: str | None
    part_number_key: str | None
    eans: list[str]
    name: str | None
    brand: str | None
    category_id: int | None
    link_state: LinkState
    product_id: uuid.UUID | None = Field(description="The linked catalog product")
    link_rule: str | None = Field(
        description="How it was linked: sku, ean, additional_code, "
        "pnk, or created (no match: made from eMAG's data)"
    )
    candidates: list[uuid.UUID] = Field(description="The products an ambiguous code matches")
    warnings: list[str]
    reason: str | None
    fetched_at: datetime
    imported_at: datetime | None


class StagedPage(BaseModel):
    items: list[StagedOffer]
    total: int
    limit: int
    offset: int


@router.get(
    "/offers",
    response_model=StagedPage,
    summary="The staging list of eMAG offers",
    description="Every offer the last sync read, with its link state. Filter by "
    "state, category, or `q` (name, part number, PNK or EAN).",
)
async def list_staged_offers(
    account_id: uuid.UUID,
    session: SessionDep,
    link_state: LinkState | None = None,
    category_id: int | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    await load_account(session, account_id)
    conditions: list[Any] = [emag_offers.c.account_id == account_id]
    if link_state:
        conditions.append(emag_offers.c.link_state == link_state)
    if category_id is not None:
        conditions.append(emag_offers.c.category_id == category_id)
    if q:
        like = f"%{q.replace('%', '').replace('_', '')}%"
        conditions.append(
            sa.or_(
                emag_offers.c.name.ilike(like),
                emag_offers.c.part_number.ilike(like),
                emag_offers.c.part_number_key == q,
                emag_offers.c.eans.contains([q]),
            )
        )
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(emag_offers).where(*conditions)
    )
    columns = [c for c in emag_offers.c if c.name not in ("raw", "account_id")]
    rows = await session.execute(
        sa.select(*columns)
        .where(*conditions)
        .order_by(emag_offers.c.offer_id)
        .limit(limit)
        .offset(offset)
    )
    return {
        "items": [dict(r._mapping) for r in rows],
        "total": total or 0,
        "limit": limit,
        "offset": offset,
    }


class ImportRequest(RequestModel):
    offer_ids: list[OfferId] | None = Field(
        default=None,
        min_length=1,
        max_length=100_000,
        description="Omit to import every staged offer",
    )
    update_details: bool = Field(
        default=False,
        description="Overwrite linked products' "
        "texts, brand, images and characteristics with eMAG's",
    )


@router.post(
    "/offers/import",
    status_code=202,
    response_model=JobOut,
    summary="Import staged offers into the catalog (a job)",
    dependencies=[Depends(require_role("operator"))],
)
async def import_offers(
    account_id: uuid.UUID, body: ImportRequest, request: Request, session: SessionDep
) -> JobOut:
    async with session.begin():
        await load_account(session, account_id)
        job = await create_job(
            session,
            account_id,
            "import",
            {
                "offer_ids": sorted(set(body.offer_ids)) if body.offer_ids else None,
                "update_details": body.update_details,
            },
        )
    wake_runner(request.app)
    return job_out(job)


@router.post(
    "/sync",
    status_code=202,
    response_model=JobOut,
    summary="Run the first sync again (or return the one in progress)",
    responses={200: {"description": "A sync is already queued or running"}},
    dependencies=[Depends(require_role("operator"))],
)
async def sync_account(
    account_id: uuid.UUID, request: Request, session: SessionDep
) -> JSONResponse:
    async with session.begin():
        await load_account(session, account_id)
        running = await active_job(session, account_id, "initial_sync")
        job = running or await create_job(session, account_id, "initial_sync")
    wake_runner(request.app)
    return JSONResponse(job_out(job).model_dump(mode="json"), 200 if running else 202)


class CategoryOut(BaseModel):
    emag_id: int
    parent_id: int | None
    name: str | None
    is_allowed: bool | None
    characteristics: list[dict[str, Any]] | None = Field(
        description="With allowed values and mandatory flags; read for used categories"
    )


@router.get(
    "/categories", response_model=list[CategoryOut], summary="eMAG's categories as last synced"
)
async def list_categories(
    account_id: uuid.UUID, session: SessionDep, used_only: bool = False
) -> list[dict[str, Any]]:
    await load_account(session, account_id)
    query = sa.select(emag_categories).where(emag_categories.c.account_id == account_id)
    if used_only:
        query = query.where(emag_categories.c.characteristics.is_not(None))
    rows = await session.execute(query.order_by(emag_categories.c.emag_id))
    return [dict(r._mapping) for r in rows]


class CourierOut(BaseModel):
    courier_account_id: int
    name: str | None
    courier_name: str | None


@router.get("/couriers", response_model=list[CourierOut], summary="eMAG courier accounts")
async def list_couriers(account_id: uuid.UUID, session: SessionDep) -> list[dict[str, Any]]:
    await load_account(session, account_id)
    rows = await session.execute(
        sa.select(emag_couriers)
        .where(emag_couriers.c.account_id == account_id)
        .order_by(emag_couriers.c.courier_account_id)
    )
    return [dict(r._mapping) for r in rows]
