"""Catalogue and offer routes: category, vat, handling_time, product_offer, offer, offer_stock,
documentation/find_by_eans."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import Response

from emag_sandbox.context import Ctx, count_result, int_filter, paginate
from emag_sandbox.domain import (
    estimated_stock,
    record_price,
    record_stock,
    refresh_validation,
    render_offer,
)
from emag_sandbox.encoding import envelope, error, json_response
from emag_sandbox.state import Category, Offer
from emag_sandbox.util import decimal_places, fmt_date, to_decimal, to_int, utcnow

SUPPLY_LEAD_TIMES = {2, 3, 5, 7, 14, 30, 60, 90, 120}
EAN_RE = re.compile(r"^\d{6,14}$")
STOCK_MANDATORY = (
    "The stock field is mandatory. Its value must be a whole (integer) number. "
    "Decimals are not allowed. (ex: 5)"
)
CONTENT_KEYS = (
    "name",
    "brand",
    "description",
    "images",
    "characteristics",
    "family",
    "url",
    "category_id",
    "part_number",
)


# --- category / vat / handling_time -----------------------------------------------------------


def _render_category(category: Category, filters: dict[str, Any], *, full: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": category.id,
        "name": category.name,
        "is_allowed": category.is_allowed,
        "parent_id": category.parent_id,
        "is_ean_mandatory": category.is_ean_mandatory,
        "is_warranty_mandatory": category.is_warranty_mandatory,
    }
    if not full:
        return item
    values_page = to_int(filters.get("valuesCurrentPage")) or 1
    values_per_page = to_int(filters.get("valuesPerPage")) or 256
    values_page = max(1, values_page)
    values_per_page = max(1, min(256, values_per_page))
    start = (values_page - 1) * values_per_page
    item["characteristics"] = [
        {
            "id": ch.id,
            "name": ch.name,
            "type_id": ch.type_id,
            "display_order": ch.display_order,
            "is_mandatory": ch.is_mandatory,
            "is_filter": ch.is_filter,
            "allow_new_value": ch.allow_new_value,
            "values": ch.values[start : start + values_per_page],
            "tags": list(ch.tags),
        }
        for ch in category.characteristics
    ]
    item["family_types"] = [
        {"id": ft.id, "name": ft.name, "characteristics": [dict(c) for c in ft.characteristics]}
        for ft in category.family_types
    ]
    return item


def _categories(ctx: Ctx, filters: dict[str, Any]) -> list[Category]:
    platform = ctx.store.platform(ctx.account.platform)
    result = sorted(platform.categories.values(), key=lambda c: c.id)
    ids = int_filter(filters.get("id"))
    if ids is not None:
        result = [c for c in result if c.id in ids]
    name = filters.get("name")
    if isinstance(name, str) and name:
        result = [c for c in result if name.lower() in c.name.lower()]
    return result


async def category_read(ctx: Ctx) -> Response:
    filters = ctx.filters()
    categories = _categories(ctx, filters)
    full = filters.get("id") not in (None, "", [])
    page = paginate(categories, filters, ctx.settings)
    return envelope([_render_category(c, filters, full=full) for c in page])


async def category_count(ctx: Ctx) -> Response:
    filters = ctx.filters()
    return envelope(count_result(len(_categories(ctx, filters)), filters, ctx.settings))


async def vat_read(ctx: Ctx) -> Response:
    platform = ctx.store.platform(ctx.account.platform)
    if ctx.settings.vat_format == "id_value":
        results: list[dict[str, Any]] = [
            {"id": vat_id, "name": f"{Decimal(rate) * 100:.0f}%", "value": float(rate)}
            for vat_id, rate, _ in platform.info.vat_rates
        ]
    else:
        results = [
            {"vat_id": vat_id, "vat_rate": float(rate), "is_default": 1 if default else 0}
            for vat_id, rate, default in platform.info.vat_rates
        ]
    return envelope(results)


async def handling_time_read(ctx: Ctx) -> Response:
    days = range(ctx.settings.handling_time_max_days + 1)
    return envelope([{"id": day, "value": day} for day in days])


# --- product_offer/read|count -----------------------------------------------------------------


def _matching_offers(ctx: Ctx, filters: dict[str, Any]) -> list[Offer]:
    now = utcnow()
    account = ctx.account
    offers = sorted(account.offers.values(), key=lambda o: o.id)
    for offer in offers:
        refresh_validation(ctx.store, account, offer, now)
    ids = int_filter(filters.get("id"))
    if ids is not None:
        offers = [o for o in offers if o.id in ids]
    statuses = int_filter(filters.get("status"))
    if statuses is not None:
        offers = [o for o in offers if o.status in statuses]
    for key in ("part_number", "part_number_key"):
        wanted = filters.get(key)
        if isinstance(wanted, str | int) and str(wanted) != "":
            offers = [o for o in offers if getattr(o, key) == str(wanted)]
    general = to_int(filters.get("general_stock"))
    if general is not None:
        offers = [o for o in offers if 0 <= o.general_stock <= general]
    estimated = to_int(filters.get("estimated_stock"))
    if estimated is not None:
        offers = [o for o in offers if 0 <= estimated_stock(account, o) <= estimated]
    offer_validation = int_filter(filters.get("offer_validation_status"))
    if offer_validation is not None:
        offers = [o for o in offers if o.offer_validation_status in offer_validation]
    validation = int_filter(filters.get("validation_status"))
    if validation is not None:
        offers = [o for o in offers if o.validation_status in validation]
    if filters.get("translation_validation_status") not in (None, "", []):
        offers = []  # the sandbox never translates
    return offers


async def product_offer_read(ctx: Ctx) -> Response:
    filters = ctx.filters()
    offers = _matching_offers(ctx, filters)
    single = any(
        filters.get(k) not in (None, "", []) for k in ("id", "part_number", "part_number_key")
    )
    page = paginate(offers, filters, ctx.settings)
    return envelope([render_offer(ctx.store, ctx.account, o, single=single) for o in page])


async def product_offer_count(ctx: Ctx) -> Response:
    filters = ctx.filters()
    return envelope(count_result(len(_matching_offers(ctx, filters)), filters, ctx.settings))


# --- validation of offer fields ---------------------------------------------------------------


def _price(
    item: dict[str, Any], key: str, errors: list[str], oid: int, *, required: bool
) -> Decimal | None:
    if key not in item or item[key] in (None, ""):
        if required:
            errors.append(f"Offer {oid}: the {key} field is mandatory.")
        return None
    value = to_decimal(item[key])
    if value is None or value <= 0:
        errors.append(f"Offer {oid}: {key} must be a number greater than 0.")
        return None
    if decimal_places(value) > 4:
        errors.append(f"Offer {oid}: {key} accepts at most 4 decimals.")
        return None
    return value


def _warehouse_list(
    raw: Any, key: str, maximum: int, errors: list[str], oid: int
) -> list[dict[str, int]] | None:
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list) or not raw:
        errors.append(STOCK_MANDATORY if key == "stock" else f"Offer {oid}: invalid {key}.")
        return None
    result: list[dict[str, int]] = []
    for entry in raw:
        if not isinstance(entry, dict):
            errors.append(STOCK_MANDATORY if key == "stock" else f"Offer {oid}: invalid {key}.")
            return None
        warehouse = to_int(entry.get("warehouse_id", 1))
        value = to_int(entry.get("value"))
        if warehouse is None or warehouse < 1:
            errors.append(f"Offer {oid}: invalid warehouse_id in {key}.")
            return None
        if value is None:
            errors.append(
                STOCK_MANDATORY if key == "stock" else f"Offer {oid}: {key} value must be integer."
            )
            return None
        if value < 0:
            errors.append(
                "Stock should be 0 or more" if key == "stock" else f"{key} should be 0 or more"
            )
            return None
        if value > maximum:
            errors.append(f"Offer {oid}: {key} value must be at most {maximum}.")
            return None
        result.append({"warehouse_id": warehouse, "value": value})
    return result


def validate_offer_fields(
    ctx: Ctx,
    item: dict[str, Any],
    oid: int,
    existing: Offer | None,
    *,
    light: bool,
) -> tuple[list[str], dict[str, Any]]:
    """Offer fields of product_offer/save (light=False) or offer/save (light=True).

    Returns (errors, changes). With light=True only the keys sent are checked and changed.
    """
    errors: list[str] = []
    changes: dict[str, Any] = {}
    required = not light
    platform = ctx.store.platform(ctx.account.platform)

    if "status" in item or required:
        status = to_int(item.get("status"))
        if status is None or status not in (0, 1, 2):
            errors.append(f"Offer {oid}: status must be 0, 1 or 2.")
        elif status == 2 and existing is None:
            errors.append(f"Offer {oid}: status 2 (end of life) is allowed only on update.")
        else:
            changes["status"] = status
    sale = _price(item, "sale_price", errors, oid, required=required)
    if sale is not None:
        changes["sale_price"] = sale
    recommended = _price(item, "recommended_price", errors, oid, required=False)
    if recommended is not None:
        changes["recommended_price"] = recommended
    first_save = existing is None or existing.min_sale_price is None
    min_price = _price(item, "min_sale_price", errors, oid, required=required and first_save)
    max_price = _price(item, "max_sale_price", errors, oid, required=required and first_save)
    if min_price is not None:
        changes["min_sale_price"] = min_price
    if max_price is not None:
        changes["max_sale_price"] = max_price
    eff_sale = sale if sale is not None else (existing.sale_price if existing else None)
    eff_min = (
        min_price if min_price is not None else (existing.min_sale_price if existing else None)
    )
    eff_max = (
        max_price if max_price is not None else (existing.max_sale_price if existing else None)
    )
    if eff_min is not None and eff_max is not None and eff_max <= eff_min:
        errors.append(f"Offer {oid}: max_sale_price must be greater than min_sale_price.")
    elif (
        eff_sale is not None
        and eff_min is not None
        and eff_max is not None
        and not eff_min <= eff_sale <= eff_max
    ):
        errors.append(
            f"Offer {oid}: the sale price {eff_sale} is outside the allowed price range "
            f"[{eff_min} - {eff_max}] (min_sale_price <= sale_price <= max_sale_price)."
        )
    eff_rec = recommended if recommended is not None else None
    if eff_rec is not None and eff_sale is not None and eff_rec <= eff_sale:
        errors.append(f"Offer {oid}: recommended_price must be greater than sale_price.")

    vat_ids = {vat_id for vat_id, _, _ in platform.info.vat_rates}
    if "vat_id" in item or required:
        vat_id = to_int(item.get("vat_id"))
        if vat_id is None or vat_id not in vat_ids:
            errors.append(f"Offer {oid}: invalid vat_id {item.get('vat_id')!r}.")
        else:
            changes["vat_id"] = vat_id
    if "stock" in item or required:
        stock = _warehouse_list(item.get("stock"), "stock", 65535, errors, oid)
        if stock is not None:
            changes["stock"] = stock
    if "handling_time" in item and item["handling_time"] not in (None, []):
        handling = _warehouse_list(item["handling_time"], "handling_time", 255, errors, oid)
        if handling is not None:
            changes["handling_time"] = handling
    if "currency_type" in item and item["currency_type"] not in (None, ""):
        if item["currency_type"] not in ("EUR", "PLN"):
            errors.append(f"Offer {oid}: currency_type must be EUR or PLN.")
        else:
            changes["currency_type"] = item["currency_type"]
    if not light:
        if "supply_lead_time" in item and item["supply_lead_time"] not in (None, ""):
            lead = to_int(item["supply_lead_time"])
            if lead not in SUPPLY_LEAD_TIMES:
                errors.append(
                    f"Offer {oid}: supply_lead_time must be one of "
                    + ", ".join(str(v) for v in sorted(SUPPLY_LEAD_TIMES))
                    + "."
                )
            else:
                changes["supply_lead_time"] = lead
        if "warranty" in item and item["warranty"] not in (None, ""):
            warranty = to_int(item["warranty"])
            if warranty is None or not 0 <= warranty <= 255:
                errors.append(f"Offer {oid}: warranty must be between 0 and 255 months.")
            else:
                changes["warranty"] = warranty
        if "start_date" in item and item["start_date"] not in (None, ""):
            tz = platform.info.tz
            today = utcnow()
            tomorrow = fmt_date(today + timedelta(days=1), tz)
            last = fmt_date(today + timedelta(days=60), tz)
            start = str(item["start_date"])
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", start) or not tomorrow <= start <= last:
                errors.append(
                    f"Offer {oid}: start_date must be between {tomorrow} and {last} (YYYY-MM-DD)."
                )
            else:
                changes["start_date"] = start
        if "emag_club" in item and item["emag_club"] not in (None, ""):
            club = to_int(item["emag_club"])
            if club not in (0, 1):
                errors.append(f"Offer {oid}: emag_club must be 0 or 1.")
            else:
                changes["emag_club"] = club
        for key in ("manufacturer", "eu_representative"):
            if key in item and item[key] not in (None, ""):
                parties = item[key]
                ok = isinstance(parties, list) and len(parties) <= 10
                if ok:
                    for party in parties:
                        if not isinstance(party, dict) or not all(
                            isinstance(party.get(k), str) and party.get(k)
                            for k in ("name", "address", "email")
                        ):
                            ok = False
                if not ok:
                    errors.append(
                        f"Offer {oid}: {key} must be a list of up to 10 "
                        "{name, address, email} objects."
                    )
                else:
                    changes[key] = [dict(p) for p in parties]
        if "safety_information" in item and isinstance(item["safety_information"], str):
            changes["safety_information"] = item["safety_information"]
        if "green_tax" in item and item["green_tax"] not in (None, ""):
            tax = to_decimal(item["green_tax"])
            if tax is None or tax < 0 or ctx.account.platform != "RO":
                errors.append(f"Offer {oid}: invalid green_tax.")
            else:
                changes["green_tax"] = tax
    return errors, changes


def apply_offer_changes(offer: Offer, changes: dict[str, Any], source: str) -> None:
    now = utcnow()
    for key, value in changes.items():
        setattr(offer, key, value)
    offer.modified = now
    if {"sale_price", "recommended_price", "min_sale_price", "max_sale_price"} & changes.keys():
        record_price(offer, source, now)
    if "stock" in changes:
        record_stock(offer, source, now)


# --- documentation checks (soft: the product is saved, isError:true) --------------------------


def documentation_errors(category: Category, item: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(errors that keep the product in Draft, family warnings)."""
    errors: list[str] = []
    warnings: list[str] = []
    by_id = {ch.id: ch for ch in category.characteristics}
    sent: dict[int, list[dict[str, Any]]] = {}
    chars = item.get("characteristics") or []
    if not isinstance(chars, list):
        chars = []
    for entry in chars:
        if not isinstance(entry, dict):
            continue
        cid = to_int(entry.get("id"))
        if cid is None:
            continue
        sent.setdefault(cid, []).append(entry)
        ch = by_id.get(cid)
        if ch is None:
            errors.append(f"characteristic with id {cid} is not attached to template")
            continue
        value = entry.get("value")
        text = "" if value is None else str(value).strip()
        if not text:
            errors.append(f"value of characteristic with id {cid} is empty")
        elif len(text) > 255:
            errors.append(f"value of characteristic with id {cid} cannot be parsed")
        elif ch.type_id == 1 and to_decimal(text) is None:
            errors.append(f"value of characteristic with id {cid} must be numeric")
        elif not ch.allow_new_value and text not in ch.values:
            errors.append(
                f"value of characteristic with id {cid} must be one of: " + ", ".join(ch.values)
            )
    for ch in category.characteristics:
        if ch.is_mandatory and ch.id not in sent:
            errors.append(f"value of characteristic with id {ch.id} was not set")
        elif ch.tags and ch.id in sent:
            tags = {e.get("tag") for e in sent[ch.id]}
            for tag in ch.tags:
                if tag not in tags:
                    errors.append(f"value of characteristic with id {ch.id} was not set ({tag})")
    images = item.get("images")
    if not isinstance(images, list) or not images:
        errors.append("photo_gallery array is empty")
    else:
        for image in images:
            url = image.get("url") if isinstance(image, dict) else None
            if not isinstance(url, str) or not url:
                errors.append("photo_gallery image does not have url specified.")
                break
        else:
            if not any(
                re.search(r"\.(jpe?g|png)(\?.*)?$", str(i.get("url")), re.IGNORECASE)
                for i in images
            ):
                errors.append(
                    "user_message: Photo Gallery Validation - No valid images have been found."
                )
    family = item.get("family")
    if isinstance(family, dict) and to_int(family.get("id")) not in (None, 0):
        family_types = {ft.id: ft for ft in category.family_types}
        name = family.get("name")
        ft_id = to_int(family.get("family_type_id"))
        if not isinstance(name, str) or not name.strip():
            warnings.append("Mktp Family: family name is empty,")
        if ft_id is None:
            warnings.append("Mktp Family: invalid family type id,")
        elif ft_id not in family_types:
            warnings.append("Mktp Family: family type not found,")
        else:
            for fc in family_types[ft_id].characteristics:
                values = sent.get(fc["characteristic_id"], [])
                if not values:
                    warnings.append("Mktp Family: characteristic not found on product,")
                elif len({str(v.get("tag")) for v in values}) < len(values):
                    warnings.append("Mktp Family: more than 1 value on characteristic,")
    return errors, warnings


# --- product_offer/save -----------------------------------------------------------------------


def _eans(raw: Any) -> list[str]:
    if raw is None or raw == "":
        return []
    values = raw if isinstance(raw, list) else [raw]
    return [str(v).strip() for v in values if str(v).strip()]


def _content_changes(item: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in ("name", "brand", "description", "url", "source_language"):
        if isinstance(item.get(key), str):
            changes[key] = item[key]
    if isinstance(item.get("images"), list):
        changes["images"] = [dict(i) for i in item["images"] if isinstance(i, dict)]
    if isinstance(item.get("characteristics"), list):
        changes["characteristics"] = [
            dict(c) for c in item["characteristics"] if isinstance(c, dict)
        ]
    if isinstance(item.get("family"), dict):
        changes["family"] = dict(item["family"])
    if isinstance(item.get("attachments"), list):
        changes["attachments"] = [dict(a) for a in item["attachments"] if isinstance(a, dict)]
    vendor_category = to_int(item.get("vendor_category_id"))
    if vendor_category is not None:
        changes["vendor_category_id"] = vendor_category
    return changes


def _save_one_product_offer(
    ctx: Ctx, item: dict[str, Any], batch_eans: dict[str, int], batch_pns: dict[str, int]
) -> list[str]:
    store, account = ctx.store, ctx.account
    platform = store.platform(account.platform)
    now = utcnow()
    oid = to_int(item.get("id"))
    if oid is None or not 1 <= oid <= 16_777_215:
        return [
            f"The id field is mandatory and must be an integer between 1 and 16777215 "
            f"(received {item.get('id')!r})."
        ]
    if ctx.item_fails(oid):
        return [f"Offer {oid}: {ctx.faults.item_error_message}"]
    existing = account.offers.get(oid)
    pnk_raw = item.get("part_number_key")
    pnk = str(pnk_raw).strip() if pnk_raw not in (None, "") else None
    eans = _eans(item.get("ean"))
    for ean in eans:
        if not EAN_RE.match(ean):
            return [f"Offer {oid}: invalid EAN {ean!r} (6 to 14 digits)."]

    errors, changes = validate_offer_fields(ctx, item, oid, existing, light=False)

    if existing is not None:
        if pnk and existing.part_number_key and pnk != existing.part_number_key:
            errors.append(
                f"Offer {oid} is already associated with part_number_key "
                f"{existing.part_number_key}."
            )
        if errors:
            return errors
        if existing.campaign_lock:
            return [
                f"The offer is included in the active campaign {existing.campaign_lock}, "
                "thus the offer has NOT been changed."
            ]
        apply_offer_changes(existing, changes, "product_offer/save")
        content = _content_changes(item)
        if existing.ownership == 1 and any(getattr(existing, k) != v for k, v in content.items()):
            for key, value in content.items():
                setattr(existing, key, value)
            if existing.validation_status in (9, 11, 12):
                existing.validation_status = 11
                existing.validation_due_at = now + timedelta(
                    seconds=ctx.settings.validation_delay_seconds
                )
        return []

    if pnk and eans:
        return [f"Offer {oid}: part_number_key and ean are mutually exclusive."]
    name = item.get("name")
    if not isinstance(name, str) or not 1 <= len(name.strip()) <= 255:
        errors.append(f"Offer {oid}: the name field is mandatory (1-255 characters).")

    target_pnk: str | None = None
    if pnk:
        if pnk not in platform.catalog:
            errors.append(f"Offer {oid}: invalid part_number_key {pnk}.")
        else:
            target_pnk = pnk
    else:
        for ean in eans:
            if ean in platform.ean_index:
                target_pnk = platform.ean_index[ean]
                break

    if target_pnk is not None:
        # attach the offer to an existing eMAG product
        product = platform.catalog[target_pnk]
        holder = next((o for o in account.offers.values() if o.part_number_key == target_pnk), None)
        if holder is not None:
            errors.append(
                f"You already have an offer (id {holder.id}) on the product with "
                f"part_number_key {target_pnk}; update that offer instead."
            )
        if errors:
            return errors
        offer = Offer(
            id=oid,
            created=now,
            modified=now,
            category_id=product.category_id,
            part_number_key=target_pnk,
            part_number=product.part_number_key,
            name=str(name).strip(),
            brand=product.brand,
            ean=list(product.eans),
            images=[{"display_type": 1, "url": product.image}] if product.image else [],
            ownership=1 if product.owner == account.username else 2,
            validation_status=9,
            number_of_offers=2,
        )
        account.offers[oid] = offer
        apply_offer_changes(offer, changes, "product_offer/save")
        return []

    # a new product: documentation + offer
    category_id = to_int(item.get("category_id"))
    category = platform.categories.get(category_id) if category_id is not None else None
    if category_id is None:
        errors.append(f"Offer {oid}: the category_id field is mandatory for a new product.")
    elif category is None:
        errors.append(f"Offer {oid}: template does not exist in doc application")
    elif not category.is_allowed:
        errors.append(f"Offer {oid}: you are not allowed to post in category {category_id}.")
    brand = item.get("brand")
    if not isinstance(brand, str) or not 1 <= len(brand.strip()) <= 255:
        errors.append(f"Offer {oid}: the brand field is mandatory (1-255 characters).")
    raw_pn = item.get("part_number")
    part_number = re.sub(r"[\s,;]", "", str(raw_pn)) if raw_pn not in (None, "") else ""
    if not 1 <= len(part_number) <= 25:
        errors.append(f"Offer {oid}: part number is invalid")
    if errors:
        return errors
    for other in account.offers.values():
        if other.part_number == part_number:
            return [f"You already hold a Product associated with this PN:{part_number}"]
    if part_number in batch_pns:
        return [f"You already hold a Product associated with this PN:{part_number}"]
    for ean in eans:
        owner = next((o.id for o in account.offers.values() if ean in o.ean), None)
        if owner is None:
            owner = batch_eans.get(ean)
        if owner is not None:
            return [f"Offer {oid}: EAN {ean} is already used by your product {owner}."]
    assert category is not None
    doc_errors, warnings = documentation_errors(category, item)
    if category.is_ean_mandatory and not eans:
        doc_errors.append("EAN is mandatory for this category")
    if category.is_warranty_mandatory and to_int(item.get("warranty")) in (None, 0):
        doc_errors.append("warranty is mandatory for this category")
    offer = Offer(
        id=oid,
        created=now,
        modified=now,
        category_id=category.id,
        part_number=part_number,
        brand=str(brand).strip(),
        ean=eans,
        ownership=1,
    )
    for key, value in _content_changes(item).items():
        setattr(offer, key, value)
    offer.name = str(name).strip()
    if doc_errors:
        offer.validation_status = 0
        offer.validation_errors = doc_errors
    else:
        offer.validation_status = 1
        offer.validation_due_at = now + timedelta(seconds=ctx.settings.validation_delay_seconds)
    account.offers[oid] = offer
    apply_offer_changes(offer, changes, "product_offer/save")
    for ean in eans:
        batch_eans[ean] = oid
    batch_pns[part_number] = oid
    return [f"Offer {oid}: {m}" for m in doc_errors + warnings]


async def product_offer_save(ctx: Ctx) -> Response:
    items = ctx.items()
    messages: list[str] = []
    batch_eans: dict[str, int] = {}
    batch_pns: dict[str, int] = {}
    async with ctx.store.lock:
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                messages.append(f"Item {index}: expected an object.")
                continue
            messages.extend(_save_one_product_offer(ctx, item, batch_eans, batch_pns))
    if messages:
        return error(*messages)
    return envelope([])


# --- offer/save (light offer API) -------------------------------------------------------------


async def offer_save(ctx: Ctx) -> Response:
    items = ctx.items()
    results: dict[str, Any] = {}
    async with ctx.store.lock:
        for index, item in enumerate(items):
            if not isinstance(item, dict) or to_int(item.get("id")) is None:
                key = str(item.get("id")) if isinstance(item, dict) else f"item_{index}"
                results[key] = {"isError": True, "messages": ["The id field is mandatory."]}
                continue
            oid = to_int(item["id"])
            assert oid is not None
            key = str(oid)
            offer = ctx.account.offers.get(oid)
            if offer is None:
                results[key] = {"isError": True, "messages": ["Offer not found"]}
                continue
            if ctx.item_fails(oid):
                results[key] = {"isError": True, "messages": [ctx.faults.item_error_message]}
                continue
            errors, changes = validate_offer_fields(ctx, item, oid, offer, light=True)
            if not errors and offer.campaign_lock:
                errors = [
                    f"The offer is included in the active campaign {offer.campaign_lock}, "
                    "thus the offer has NOT been changed."
                ]
            if errors:
                results[key] = {"isError": True, "messages": errors}
                continue
            apply_offer_changes(offer, changes, "offer/save")
            results[key] = {"isError": False, "messages": [f"Offer {oid} updated successfully"]}
    return envelope(results, errors=[])


# --- PATCH offer_stock/{id} -------------------------------------------------------------------


def _invalid_content() -> Response:
    return json_response({"message": "Invalid content"}, status=400)


def _validation_error(message: str) -> Response:
    return json_response(
        {
            "message": "Validation errors in your request",
            "errors": [{"message": message, "field": "stock"}],
        },
        status=400,
    )


async def offer_stock(ctx: Ctx) -> Response:
    if not ctx.account.stock_api_allowed:
        return error("You are not allowed to use this API.", status=403)
    oid = to_int(ctx.params.get("id"))
    offer = ctx.account.offers.get(oid) if oid is not None else None
    if offer is None:
        return json_response({"message": "This offer does not exist"}, status=404)
    try:
        body = json.loads(ctx.body.decode("utf-8")) if ctx.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        return _invalid_content()
    if isinstance(body, dict) and isinstance(body.get("data"), dict):
        body = body["data"]
    if not isinstance(body, dict) or "stock" not in body:
        return _invalid_content()
    raw = body["stock"]
    entries: list[dict[str, int]] = []
    if isinstance(raw, list):
        if not raw:
            return _invalid_content()
        for entry in raw:
            if not isinstance(entry, dict):
                return _invalid_content()
            warehouse = to_int(entry.get("warehouse_id", 1))
            value = to_int(entry.get("value"))
            if warehouse is None or value is None:
                return _validation_error(STOCK_MANDATORY)
            entries.append({"warehouse_id": warehouse, "value": value})
    else:
        value = to_int(raw) if not isinstance(raw, str) else None
        if value is None:
            return _validation_error(STOCK_MANDATORY)
        entries.append({"warehouse_id": 1, "value": value})
    for entry in entries:
        if entry["value"] < 0:
            return _validation_error("Stock should be 0 or more")
        if entry["value"] > 65535:
            return _validation_error("Stock should be at most 65535")
    if offer.campaign_lock:
        return _validation_error(
            f"The offer is included in the active campaign {offer.campaign_lock}, "
            "thus the stock has NOT been changed."
        )
    async with ctx.store.lock:
        stock = [dict(s) for s in offer.stock]
        for entry in entries:
            for current in stock:
                if current["warehouse_id"] == entry["warehouse_id"]:
                    current["value"] = entry["value"]
                    break
            else:
                stock.append(entry)
        apply_offer_changes(offer, {"stock": stock}, "offer_stock")
    return Response(status_code=204)


# --- documentation/find_by_eans ---------------------------------------------------------------


async def find_by_eans(ctx: Ctx) -> Response:
    pairs = parse_qsl(ctx.request.url.query, keep_blank_values=False)
    eans: list[str] = []
    for key, value in pairs:
        if key == "eans" or key.startswith("eans["):
            eans.extend(v.strip() for v in value.split(",") if v.strip())
    if not eans:
        return error("The eans parameter is mandatory (eans[]=...).")
    messages: list[str] = []
    limit = ctx.settings.max_eans_per_call
    if len(eans) > limit:
        messages.append(
            f"Only the first {limit} EANs were processed; {len(eans) - limit} were ignored."
        )
        eans = eans[:limit]
    platform = ctx.store.platform(ctx.account.platform)
    own = {o.part_number_key for o in ctx.account.offers.values() if o.part_number_key}
    results: dict[str, Any] = {}
    for ean in dict.fromkeys(eans):
        products = []
        pnk = platform.ean_index.get(ean)
        if pnk is not None:
            product = platform.catalog[pnk]
            category = platform.categories.get(product.category_id)
            products.append(
                {
                    "ean": ean,
                    "part_number_key": pnk,
                    "product_name": product.name,
                    "brand_name": product.brand,
                    "doc_category_id": product.category_id,
                    "category_name": category.name if category else None,
                    "site_url": f"http://emag.{ctx.account.platform.lower()}"
                    f"/product_details/pd/{pnk}",
                    "allowed_to_add_offer": bool(category and category.is_allowed),
                    "vendor_has_offer": pnk in own,
                    "hotness": product.hotness,
                    "product_image": f"{product.image}?width=150&height=150"
                    if product.image
                    else None,
                }
            )
        results[ean] = {"products": products}
    return envelope(results, messages=messages, errors=[])
