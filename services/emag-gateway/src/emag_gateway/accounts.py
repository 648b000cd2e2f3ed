"""eMAG accounts: credentials (encrypted, never returned), platform, callback URL and the sync
settings that the stock and price sync use."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, AnyHttpUrl, BaseModel, Field, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from taraba_platform.auth import require_role
from taraba_platform.deps import IdempotencyKey, SessionDep
from taraba_platform.errors import Conflict, NotFound, Unprocessable
from taraba_platform.http import idempotent_write
from taraba_platform.schemas import RequestModel, Text

from emag_gateway.connection import ConnectionCheck, check_account_connection, platform_url
from emag_gateway.crypto import CredentialsCipher
from emag_gateway.jobs import create_job, wake_runner
from emag_gateway.models import (
    emag_accounts,
    emag_categories,
    emag_couriers,
    emag_handling_times,
    emag_jobs,
    emag_listings,
    emag_notifications,
    emag_offers,
    emag_vat_rates,
)
from emag_gateway.settings import EmagGatewaySettings

Platform = Literal["ro", "bg", "hu"]

router = APIRouter(prefix="/emag/accounts", tags=["emag accounts"])

Markup = Annotated[
    Decimal,
    Field(
        ge=0,
        le=1000,
        max_digits=7,
        decimal_places=2,
        description="Percent added to the prices sent, e.g. 12.50",
    ),
]
SafetyBuffer = Annotated[
    int, Field(ge=0, le=1_000_000, description="Units held back: eMAG gets available - N")
]
SyncInterval = Annotated[
    int, Field(ge=30, le=3600, description="Seconds between stock/price flushes")
]


def _no_credentials_in_url(value: AnyHttpUrl | None) -> AnyHttpUrl | None:
    if value is not None and (value.username or value.password):
        raise ValueError(
            "must not contain a user name or password: send them as username "
            "and password, which are stored encrypted"
        )
    return value


class SyncSettings(RequestModel):
    stock_warehouse_ids: list[uuid.UUID] = Field(
        default_factory=list,
        max_length=100,
        description="Warehouses whose available stock is summed and sent",
    )
    price_warehouse_id: uuid.UUID | None = Field(
        default=None, description="Warehouse whose price list is sent"
    )
    markup_percent: Markup = Decimal("0")
    safety_buffer: SafetyBuffer = 0
    sync_interval_seconds: SyncInterval = 60
    stock_sync_enabled: bool = False
    price_sync_enabled: bool = False

    @field_validator("stock_warehouse_ids")
    @classmethod
    def _distinct(cls, value: list[uuid.UUID]) -> list[uuid.UUID]:
        if len(set(value)) != len(value):
            raise ValueError("a warehouse appears twice")
        return value


class AccountIn(SyncSettings):
    name: Text = Field(min_length=1, max_length=100, description="e.g. 'eMAG RO - main shop'")
    platform: Platform
    username: Text = Field(min_length=1, max_length=200)
    password: Text = Field(min_length=1, max_length=200)
    base_url: Annotated[AnyHttpUrl | None, AfterValidator(_no_credentials_in_url)] = Field(
        default=None,
        description="Overrides the platform's API URL, e.g. the sandbox's "
        "http://127.0.0.1:8010/api-3",
    )


class AccountPatch(RequestModel):
    name: Text | None = Field(default=None, min_length=1, max_length=100)
    username: Text | None = Field(default=None, min_length=1, max_length=200)
    password: Text | None = Field(default=None, min_length=1, max_length=200)
    base_url: Annotated[AnyHttpUrl | None, AfterValidator(_no_credentials_in_url)] = None
    use_platform_url: bool = Field(default=False, description="Drop the base_url override")
    stock_warehouse_ids: list[uuid.UUID] | None = Field(default=None, max_length=100)
    price_warehouse_id: uuid.UUID | None = None
    clear_price_warehouse: bool = False
    markup_percent: Markup | None = None
    safety_buffer: SafetyBuffer | None = None
    sync_interval_seconds: SyncInterval | None = None
    stock_sync_enabled: bool | None = None
    price_sync_enabled: bool | None = None


class ConnectionCheckOut(BaseModel):
    ok: bool
    kind: str = Field(
        description="ok, auth (wrong credentials or API rights off), "
        "ip_not_allowed, unavailable (eMAG down or the URL does not answer), "
        "rate_limited, invalid_response (not eMAG's JSON), api_error, error"
    )
    message: str
    checked_at: datetime


class AccountOut(BaseModel):
    id: uuid.UUID
    name: str
    platform: Platform
    api_url: str = Field(description="The URL calls go to (platform default or override)")
    base_url_override: str | None
    notification_secret: str
    notification_url: str = Field(
        description="Paste into eMAG's panel as the new-order callback URL"
    )
    cancellation_notification_url: str
    stock_warehouse_ids: list[uuid.UUID]
    price_warehouse_id: uuid.UUID | None
    markup_percent: Decimal
    safety_buffer: int
    sync_interval_seconds: int
    stock_sync_enabled: bool
    price_sync_enabled: bool
    last_check: ConnectionCheckOut | None
    created_at: datetime
    updated_at: datetime


def api_url(row: Any) -> str:
    return str(row.base_url or platform_url(row.platform)).rstrip("/")


def account_out(row: Any, settings: EmagGatewaySettings) -> AccountOut:
    notify = (
        f"{settings.gateway_public_url.rstrip('/')}/emag/notify/{row.id}/{row.notification_secret}"
    )
    last_check = None
    if row.last_check_at is not None:
        last_check = ConnectionCheckOut(
            ok=bool(row.last_check_ok),
            kind=row.last_check_kind or "unknown",
            message=row.last_check_message or "",
            checked_at=row.last_check_at,
        )
    return AccountOut(
        id=row.id,
        name=row.name,
        platform=row.platform,
        api_url=api_url(row),
        base_url_override=row.base_url,
        notification_secret=row.notification_secret,
        notification_url=f"{notify}?order_id=",
        cancellation_notification_url=f"{notify}/cancelled?order_id=",
        stock_warehouse_ids=row.stock_warehouse_ids,
        price_warehouse_id=row.price_warehouse_id,
        markup_percent=row.markup_percent,
        safety_buffer=row.safety_buffer,
        sync_interval_seconds=row.sync_interval_seconds,
        stock_sync_enabled=row.stock_sync_enabled,
        price_sync_enabled=row.price_sync_enabled,
        last_check=last_check,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _settings(request: Request) -> EmagGatewaySettings:
    settings: EmagGatewaySettings = request.app.state.settings
    return settings


def _cipher(request: Request) -> CredentialsCipher:
    cipher: CredentialsCipher = request.app.state.credentials_cipher
    return cipher


async def load_account(session: AsyncSession, account_id: uuid.UUID) -> Any:
    row = (
        await session.execute(sa.select(emag_accounts).where(emag_accounts.c.id == account_id))
    ).first()
    if row is None:
        raise NotFound(f"eMAG account {account_id} does not exist", "account_id")
    return row


def _name_taken(name: str) -> Conflict:
    return Conflict(f"an eMAG account named {name!r} exists", "name")


@router.post(
    "",
    status_code=201,
    response_model=AccountOut,
    summary="Add an eMAG account",
    dependencies=[Depends(require_role())],
)
async def create_account(
    body: AccountIn, request: Request, session: SessionDep, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    cipher, settings = _cipher(request), _settings(request)

    async def action() -> tuple[int, AccountOut]:
        if await session.scalar(
            sa.select(emag_accounts.c.id).where(emag_accounts.c.name == body.name)
        ):
            raise _name_taken(body.name)
        row = (
            await session.execute(
                emag_accounts.insert()
                .values(
                    id=uuid.uuid4(),
                    name=body.name,
                    platform=body.platform,
                    base_url=str(body.base_url).rstrip("/") if body.base_url else None,
                    username_encrypted=cipher.encrypt(body.username),
                    password_encrypted=cipher.encrypt(body.password),
                    notification_secret=secrets.token_urlsafe(24),
                    stock_warehouse_ids=[str(w) for w in body.stock_warehouse_ids],
                    price_warehouse_id=body.price_warehouse_id,
                    markup_percent=body.markup_percent,
                    safety_buffer=body.safety_buffer,
                    sync_interval_seconds=body.sync_interval_seconds,
                    stock_sync_enabled=body.stock_sync_enabled,
                    price_sync_enabled=body.price_sync_enabled,
                )
                .returning(*emag_accounts.c)
            )
        ).one()
        # The first sync starts by itself; it commits (or not) with the account.
        await create_job(session, row.id, "initial_sync")
        return 201, account_out(row, settings)

    try:
        response = await idempotent_write(request, session, idempotency_key, action)
    except IntegrityError:
        raise _name_taken(body.name) from None
    wake_runner(request.app)
    return response


@router.get("", response_model=list[AccountOut], summary="List eMAG accounts")
async def list_accounts(
    request: Request, session: SessionDep, platform: Annotated[Platform | None, Query()] = None
) -> list[AccountOut]:
    query = sa.select(emag_accounts).order_by(emag_accounts.c.name)
    if platform:
        query = query.where(emag_accounts.c.platform == platform)
    return [account_out(row, _settings(request)) for row in await session.execute(query)]


@router.get("/{account_id}", response_model=AccountOut, summary="One eMAG account")
async def read_account(account_id: uuid.UUID, request: Request, session: SessionDep) -> AccountOut:
    return account_out(await load_account(session, account_id), _settings(request))


@router.patch(
    "/{account_id}",
    response_model=AccountOut,
    summary="Change credentials, URL or sync settings",
    dependencies=[Depends(require_role())],
)
async def update_account(
    account_id: uuid.UUID, body: AccountPatch, request: Request, session: SessionDep
) -> AccountOut:
    cipher = _cipher(request)
    changes: dict[str, Any] = {}
    fields = body.model_dump(exclude_unset=True)
    for simple in (
        "name",
        "markup_percent",
        "safety_buffer",
        "sync_interval_seconds",
        "stock_sync_enabled",
        "price_sync_enabled",
        "price_warehouse_id",
    ):
        if fields.get(simple) is not None:
            changes[simple] = fields[simple]
    if body.username is not None:
        changes["username_encrypted"] = cipher.encrypt(body.username)
    if body.password is not None:
        changes["password_encrypted"] = cipher.encrypt(body.password)
    if body.base_url is not None and body.use_platform_url:
        raise Unprocessable("send base_url or use_platform_url, not both", "base_url")
    if body.base_url is not None:
        changes["base_url"] = str(body.base_url).rstrip("/")
    if body.use_platform_url:
        changes["base_url"] = None
    if body.stock_warehouse_ids is not None:
        if len(set(body.stock_warehouse_ids)) != len(body.stock_warehouse_ids):
            raise Unprocessable("a warehouse appears twice", "stock_warehouse_ids")
        changes["stock_warehouse_ids"] = [str(w) for w in body.stock_warehouse_ids]
    if body.clear_price_warehouse:
        changes["price_warehouse_id"] = None
    if not changes:
        raise Unprocessable("nothing to change", "body")
    if "username_encrypted" in changes or "password_encrypted" in changes or "base_url" in changes:
        # A previous connection check says nothing about the new credentials or URL.
        changes.update(
            last_check_at=None, last_check_ok=None, last_check_kind=None, last_check_message=None
        )
    changes["updated_at"] = sa.func.now()
    try:
        async with session.begin():
            row = (
                await session.execute(
                    emag_accounts.update()
                    .where(emag_accounts.c.id == account_id)
                    .values(**changes)
                    .returning(*emag_accounts.c)
                )
            ).first()
    except IntegrityError:
        raise _name_taken(str(body.name)) from None
    if row is None:
        raise NotFound(f"eMAG account {account_id} does not exist", "account_id")
    return account_out(row, _settings(request))


@router.delete(
    "/{account_id}",
    status_code=204,
    summary="Remove an eMAG account",
    dependencies=[Depends(require_role())],
)
async def delete_account(account_id: uuid.UUID, session: SessionDep) -> Response:
    async with session.begin():
        deleted = await session.scalar(
            emag_accounts.delete()
            .where(emag_accounts.c.id == account_id)
            .returning(emag_accounts.c.id)
        )
        # Its mirror of eMAG (offers, listings, reference data, callbacks) goes with it. The
        # call journal stays: it is kept 30 days whatever happens to the account.
        for table in (
            emag_offers,
            emag_listings,
            emag_categories,
            emag_vat_rates,
            emag_handling_times,
            emag_couriers,
            emag_notifications,
        ):
            await session.execute(table.delete().where(table.c.account_id == account_id))
        # Its pending jobs have nothing left to do; a running one stops at its next checkpoint.
        await session.execute(
            emag_jobs.update()
            .where(
                emag_jobs.c.account_id == account_id, emag_jobs.c.status.in_(("queued", "running"))
            )
            .values(
                status="cancelled",
                lease_owner=None,
                lease_until=None,
                finished_at=sa.func.now(),
                updated_at=sa.func.now(),
            )
        )
    if deleted is None:
        raise NotFound(f"eMAG account {account_id} does not exist", "account_id")
    return Response(status_code=204)


@router.post(
    "/{account_id}/test",
    response_model=ConnectionCheckOut,
    summary="Check the connection (vat/read) and explain a failure",
)
async def test_account(
    account_id: uuid.UUID, request: Request, session: SessionDep
) -> ConnectionCheckOut:
    row = await load_account(session, account_id)
    await session.rollback()  # no transaction held open across the call to eMAG
    check: ConnectionCheck = await check_account_connection(request.app, row)
    checked_at = datetime.now(UTC)
    async with session.begin():
        await session.execute(
            emag_accounts.update()
            .where(emag_accounts.c.id == account_id)
            .values(
                last_check_at=checked_at,
                last_check_ok=check.ok,
                last_check_kind=check.kind,
                last_check_message=check.message,
            )
        )
    return ConnectionCheckOut(
        ok=check.ok, kind=check.kind, message=check.message, checked_at=checked_at
    )
