"""Importing staged eMAG offers into the catalog, as a job.

catalog-svc owns the codes, so it runs the matching (`POST /api/v1/products/import`); the
gateway sends offers in batches, stores the outcome on the staging rows and the links on its
listings, and advances the job's cursor in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import httpx
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from emag_gateway.accounts import load_account
from emag_gateway.jobs import JobContext
from emag_gateway.models import emag_categories, emag_listings, emag_offers, emag_vat_rates

BATCH = 200
MAIN_IMAGE = 1  # eMAG's display_type of the main image


class CatalogUnavailable(RuntimeError):
    """catalog-svc did not answer the import: the job retries from its cursor."""


def import_item(
    row: Any,
    characteristic_names: dict[int, str],
    vat_rates: dict[int, str],
    category_names: dict[int, str],
) -> dict[str, Any]:
    """The catalog's import request item for one staged offer (pure)."""
    raw: dict[str, Any] = row.raw
    # The seller's offer id is a code only when there is no part number: small numeric ids
    # ("17") would otherwise collide with unrelated SKUs or codes.
    codes = [row.part_number] if row.part_number else [str(row.offer_id)]
    images = [image for image in raw.get("images") or [] if isinstance(image, dict)]
    images.sort(key=lambda image: 0 if str(image.get("display_type")) == str(MAIN_IMAGE) else 1)
    characteristics: dict[str, list[str]] = defaultdict(list)
    for item in raw.get("characteristics") or []:
        if not isinstance(item, dict) or item.get("value") in (None, ""):
            continue
        raw_id = str(item.get("id") or "")
        name = characteristic_names.get(int(raw_id)) if raw_id.isdigit() else None
        characteristics[name or f"eMAG characteristic {item.get('id')}"].append(str(item["value"]))
    vat_id = raw.get("vat_id")
    warranty = raw.get("warranty")
    return {
        "key": str(row.offer_id),
        "codes": codes,
        "eans": [str(ean) for ean in row.eans],
        "pnk": row.part_number_key,
        "product": {
            "name": row.name or "",
            "description": raw.get("description"),
            "brand": row.brand,
            "images": [str(image["url"]) for image in images if image.get("url")],
            "characteristics": dict(characteristics),
            "warranty_months": int(str(warranty)) if str(warranty or "").isdigit() else None,
            "vat_rate": vat_rates.get(int(str(vat_id))) if str(vat_id or "").isdigit() else None,
            "category_name": category_names.get(row.category_id) if row.category_id else None,
        },
    }


async def _reference_data(job: JobContext) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    names: dict[int, str] = {}
    categories: dict[int, str] = {}
    async with job.runtime.session_factory() as session:
        for row in await session.execute(
            sa.select(
                emag_categories.c.emag_id, emag_categories.c.name, emag_categories.c.characteristics
            ).where(emag_categories.c.account_id == job.account_id)
        ):
            categories[row.emag_id] = row.name
            for characteristic in row.characteristics or []:
                if characteristic.get("id") is not None and characteristic.get("name"):
                    names[int(characteristic["id"])] = str(characteristic["name"])
        vat = {
            row.vat_id: str(row.rate)
            for row in await session.execute(
                sa.select(emag_vat_rates.c.vat_id, emag_vat_rates.c.rate).where(
                    emag_vat_rates.c.account_id == job.account_id
                )
            )
            if row.rate is not None
        }
    return names, vat, categories


def _selection(job: JobContext) -> list[Any]:
    conditions: list[Any] = [emag_offers.c.account_id == job.account_id]
    offer_ids = job.params.get("offer_ids")
    if offer_ids:
        conditions.append(emag_offers.c.offer_id.in_([int(i) for i in offer_ids]))
    return conditions


async def run_import(job: JobContext) -> None:
    async with job.runtime.session_factory() as session:
        account = await load_account(session, job.account_id)
        progress = job.step("import")
        if progress.total is None:
            progress.total = int(
                await session.scalar(
                    sa.select(sa.func.count()).select_from(emag_offers).where(*_selection(job))
                )
                or 0
            )
    progress.status = "running"
    names, vat, categories = await _reference_data(job)
    catalog: httpx.AsyncClient = job.app.state.catalog_http
    update_details = bool(job.params.get("update_details", False))
    while True:
        after = int(job.cursor.get("after_offer_id", -1))
        async with job.runtime.session_factory() as session:
            rows = list(
                await session.execute(
                    sa.select(emag_offers)
                    .where(*_selection(job), emag_offers.c.offer_id > after)
                    .order_by(emag_offers.c.offer_id)
                    .limit(BATCH)
                )
            )
        if not rows:
            progress.status = "done"
            await job.checkpoint()
            return
        payload = {
            "platform": account.platform,
            "update_details": update_details,
            "offers": [import_item(r, names, vat, categories) for r in rows],
        }
        try:
            response = await catalog.post("/api/v1/products/import", json=payload)
        except httpx.HTTPError as exc:
            raise CatalogUnavailable(f"catalog-svc unreachable: {exc!r}") from exc
        if response.status_code != 200:
            raise CatalogUnavailable(
                f"catalog-svc answered {response.status_code}: {response.text[:500]}"
            )
        results = {str(r["key"]): r for r in response.json()["results"]}
        async with job.runtime.session_factory() as session, session.begin():
            for row in rows:
                result = results.get(str(row.offer_id))
                if result is None:
                    raise CatalogUnavailable(f"catalog-svc skipped offer {row.offer_id}")
                await _apply(session, job, row.offer_id, result)
                if result["outcome"] in ("ambiguous", "held"):
                    progress.errors += 1
            progress.done += len(rows)
            job.cursor["after_offer_id"] = rows[-1].offer_id
            await job.checkpoint(session)


async def _apply(session: Any, job: JobContext, offer_id: int, result: dict[str, Any]) -> None:
    outcome = result["outcome"]
    linked = outcome in ("linked", "created") and result.get("product_id")
    await session.execute(
        emag_offers.update()
        .where(emag_offers.c.account_id == job.account_id, emag_offers.c.offer_id == offer_id)
        .values(
            link_state="linked" if linked else outcome,
            product_id=result.get("product_id") if linked else None,
            link_rule=(result.get("rule") or "created") if linked else None,
            candidates=result.get("candidates") or [],
            warnings=result.get("warnings") or [],
            reason=result.get("reason"),
            imported_at=sa.func.now(),
        )
    )
    if not linked:
        # The listing follows the latest outcome: an offer no longer linked is not synced.
        await session.execute(
            emag_listings.delete().where(
                emag_listings.c.account_id == job.account_id, emag_listings.c.offer_id == offer_id
            )
        )
        return
    if linked:
        stmt = insert(emag_listings).values(
            account_id=job.account_id,
            offer_id=offer_id,
            product_id=result["product_id"],
            link_rule=result.get("rule") or "created",
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=[emag_listings.c.account_id, emag_listings.c.offer_id],
                set_={"product_id": stmt.excluded.product_id, "link_rule": stmt.excluded.link_rule},
            )
        )
