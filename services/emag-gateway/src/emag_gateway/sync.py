"""The first sync of an eMAG account: VAT rates, handling times, every offer (the staging
list), the category tree with the characteristics of every category the offers use, and the
courier accounts. Each page is stored together with the job's cursor, so a restart resumes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from emag_gateway.accounts import load_account
from emag_gateway.connection import client_for
from emag_gateway.emag.client import EmagClient
from emag_gateway.emag.errors import EmagInvalidResponse
from emag_gateway.emag.models import ProductOffer
from emag_gateway.jobs import JobContext
from emag_gateway.models import (
    emag_categories,
    emag_couriers,
    emag_handling_times,
    emag_offers,
    emag_vat_rates,
)

PAGE_SIZE = 100
STEPS = ["vat_rates", "handling_times", "offers", "categories", "characteristics", "couriers"]


def _jsonable(raw: Any) -> Any:
    return json.loads(json.dumps(raw, default=str))


async def _upsert(
    session: AsyncSession, table: sa.Table, keys: tuple[str, ...], rows: list[dict[str, Any]]
) -> None:
    """Insert `rows`, or update the columns they carry where the key exists: one statement,
    so re-running a step (a resumed job, a second sync) changes nothing else."""
    if not rows:
        return
    stmt = insert(table).values(rows)
    changes: dict[str, Any] = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    if "synced_at" in table.c:
        changes["synced_at"] = sa.func.now()
    index = [table.c[key] for key in keys]
    await session.execute(
        stmt.on_conflict_do_update(index_elements=index, set_=changes)
        if changes
        else stmt.on_conflict_do_nothing(index_elements=index)
    )


async def run_initial_sync(job: JobContext) -> None:
    async with job.runtime.session_factory() as session:
        account = await load_account(session, job.account_id)
    client = client_for(job.app, account)
    job.plan(STEPS)
    for name, step in (
        ("vat_rates", _vat_rates),
        ("handling_times", _handling_times),
        ("offers", _offers),
        ("categories", _categories),
        ("characteristics", _characteristics),
        ("couriers", _couriers),
    ):
        progress = job.step(name)
        if progress.status == "done":
            continue  # finished before a restart
        progress.status = "running"
        await step(job, client)
        progress.status = "done"
        await job.checkpoint()


async def _vat_rates(job: JobContext, client: EmagClient) -> None:
    rates = await client.read_vat_rates()
    async with job.runtime.session_factory() as session, session.begin():
        await _upsert(
            session,
            emag_vat_rates,
            ("account_id", "vat_id"),
            [
                {
                    "account_id": job.account_id,
                    "vat_id": rate.id,
                    "rate": rate.rate,
                    "name": rate.name,
                    "is_default": rate.is_default,
                }
                for rate in rates
            ],
        )
        job.step("vat_rates").done = job.step("vat_rates").total = len(rates)
        await job.checkpoint(session)


async def _handling_times(job: JobContext, client: EmagClient) -> None:
    times = await client.read_handling_times()
    async with job.runtime.session_factory() as session, session.begin():
        await _upsert(
            session,
            emag_handling_times,
            ("account_id", "days"),
            [{"account_id": job.account_id, "days": item.value} for item in times],
        )
        job.step("handling_times").done = job.step("handling_times").total = len(times)
        await job.checkpoint(session)


def _offer_row(account_id: Any, offer: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "offer_id": offer.id,
        "part_number": offer.part_number,
        "part_number_key": offer.part_number_key,
        "eans": list(offer.ean),
        "name": offer.name,
        "brand": offer.brand,
        "category_id": offer.category_id,
        "raw": _jsonable(offer.raw),
        "fetched_at": datetime.now(UTC),
    }


async def _offers(job: JobContext, client: EmagClient) -> None:
    progress = job.step("offers")
    if "offers_started_at" not in job.cursor:
        job.cursor["offers_started_at"] = datetime.now(UTC).isoformat()
        job.cursor["offers_page"] = 1
        progress.total = int((await client.count_product_offers()).no_of_items or 0)
        progress.done = 0
    while True:
        page_number = int(job.cursor["offers_page"])
        page, unreadable = await _read_offer_page(client, page_number)
        for problem in unreadable:
            progress.errors += 1
            progress.messages = [*progress.messages, problem][-50:]
        async with job.runtime.session_factory() as session, session.begin():
            await _upsert(
                session,
                emag_offers,
                ("account_id", "offer_id"),
                [_offer_row(job.account_id, o) for o in page],
            )
            progress.done += len(page)
            job.cursor["offers_page"] = page_number + 1
            # A short page ends the list (counts lie); unreadable offers still filled the page.
            finished = len(page) + len(unreadable) < PAGE_SIZE
            if finished:
                # Offers gone from eMAG since the last sync leave the staging list, unless
                # they are linked (their listing keeps the history).
                started = datetime.fromisoformat(job.cursor["offers_started_at"])
                await session.execute(
                    emag_offers.delete().where(
                        emag_offers.c.account_id == job.account_id,
                        emag_offers.c.fetched_at < started,
                        emag_offers.c.link_state != "linked",
                    )
                )
                progress.total = progress.done
            await job.checkpoint(session)
        if finished:
            return


async def _read_offer_page(
    client: EmagClient, page_number: int
) -> tuple[list[ProductOffer], list[str]]:
    """One page of offers. If eMAG sends an offer that does not parse, the page is read again
    as raw data and parsed offer by offer: the readable ones are staged and each unreadable one
    is reported, instead of one bad offer failing the whole sync."""
    try:
        offers = await client.read_product_offers(
            current_page=page_number, items_per_page=PAGE_SIZE
        )
        return offers, []
    except EmagInvalidResponse:
        envelope = await client.call(
            "product_offer/read", {"currentPage": page_number, "itemsPerPage": PAGE_SIZE}
        )
    readable: list[ProductOffer] = []
    problems: list[str] = []
    for item in envelope.results if isinstance(envelope.results, list) else []:
        try:
            readable.append(ProductOffer.model_validate(item))
        except ValidationError as exc:
            offer_id = item.get("id") if isinstance(item, dict) else None
            first = exc.errors()[0]
            problems.append(
                f"offer {offer_id} on page {page_number} could not be read: "
                f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
            )
    return readable, problems


async def _categories(job: JobContext, client: EmagClient) -> None:
    progress = job.step("categories")
    page_number = int(job.cursor.get("categories_page", 1))
    while True:
        page = await client.read_categories(current_page=page_number, items_per_page=PAGE_SIZE)
        async with job.runtime.session_factory() as session, session.begin():
            await _upsert(
                session,
                emag_categories,
                ("account_id", "emag_id"),
                [
                    {
                        "account_id": job.account_id,
                        "emag_id": category.id,
                        "parent_id": category.parent_id,
                        "name": category.name,
                        "is_allowed": category.is_allowed,
                    }
                    for category in page
                ],
            )
            progress.done += len(page)
            page_number += 1
            job.cursor["categories_page"] = page_number
            if len(page) < PAGE_SIZE:
                progress.total = progress.done
            await job.checkpoint(session)
        if len(page) < PAGE_SIZE:
            return


async def _characteristics(job: JobContext, client: EmagClient) -> None:
    """Characteristics (allowed values, mandatory flags) of every category an offer uses."""
    progress = job.step("characteristics")
    async with job.runtime.session_factory() as session:
        used = sorted(
            (
                await session.scalars(
                    sa.select(emag_offers.c.category_id)
                    .distinct()
                    .where(
                        emag_offers.c.account_id == job.account_id,
                        emag_offers.c.category_id.is_not(None),
                    )
                )
            ).all()
        )
    progress.total = len(used)
    after = int(job.cursor.get("characteristics_after", -1))
    for category_id in (c for c in used if c > after):
        category = await client.read_category(category_id)
        async with job.runtime.session_factory() as session, session.begin():
            if category is None:
                progress.errors += 1
                progress.messages.append(
                    f"category {category_id} used by offers is unknown to eMAG"
                )
            else:
                await _upsert(
                    session,
                    emag_categories,
                    ("account_id", "emag_id"),
                    [
                        {
                            "account_id": job.account_id,
                            "emag_id": category.id,
                            "parent_id": category.parent_id,
                            "name": category.name,
                            "is_allowed": category.is_allowed,
                            "characteristics": [
                                _jsonable(c.raw)
                                | {
                                    "id": c.id,
                                    "name": c.name,
                                    "is_mandatory": bool(c.is_mandatory),
                                    "values": c.values,
                                }
                                for c in category.characteristics
                            ],
                            "family_types": [_jsonable(f.raw) for f in category.family_types],
                        }
                    ],
                )
            progress.done = sum(1 for c in used if c <= category_id)
            job.cursor["characteristics_after"] = category_id
            await job.checkpoint(session)


async def _couriers(job: JobContext, client: EmagClient) -> None:
    accounts = await client.read_courier_accounts()
    async with job.runtime.session_factory() as session, session.begin():
        await _upsert(
            session,
            emag_couriers,
            ("account_id", "courier_account_id"),
            [
                {
                    "account_id": job.account_id,
                    "courier_account_id": courier.account_id,
                    "name": courier.account_display_name,
                    "courier_name": courier.courier_name,
                    "raw": _jsonable(courier.raw),
                }
                for courier in accounts
            ],
        )
        job.step("couriers").done = job.step("couriers").total = len(accounts)
        await job.checkpoint(session)
