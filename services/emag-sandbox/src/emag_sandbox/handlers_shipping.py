"""Shipping routes: courier_accounts/read, locality/read|count, addresses/read,
awb/save|read, awb/read_pdf, awb/read_zpl."""

from __future__ import annotations

import base64
import re
from decimal import Decimal
from typing import Any

from fastapi.responses import Response

from emag_sandbox.context import Ctx, count_result, int_filter, paginate
from emag_sandbox.domain import render_awb, set_status
from emag_sandbox.encoding import envelope, error
from emag_sandbox.pdf import PAGE_SIZES, awb_label_pdf, awb_label_zpl
from emag_sandbox.state import Awb, CourierAccount, Locality, Order
from emag_sandbox.util import fmt_dt, parse_dt, to_decimal, to_int, utcnow

PHONE_RE = re.compile(r"^\+?\d{8,11}$")


# --- reference data ---------------------------------------------------------------------------


async def courier_accounts_read(ctx: Ctx) -> Response:
    tz = ctx.store.platform(ctx.account.platform).info.tz
    items = [
        {
            "account_id": c.account_id,
            "account_display_name": c.account_display_name,
            "courier_account_type": c.courier_account_type,
            "courier_name": c.courier_name,
            "courier_account_properties": list(c.courier_account_properties),
            "created": fmt_dt(c.created, tz),
            "status": c.status,
            "pickup_country_code": c.pickup_country_code,
        }
        for c in ctx.account.couriers
    ]
    return envelope(paginate(items, ctx.filters(), ctx.settings))


def _render_locality(loc: Locality, tz: str) -> dict[str, Any]:
    return {
        "emag_id": loc.emag_id,
        "name": loc.name,
        "name_latin": loc.name_latin,
        "region1": loc.region1,
        "region2": loc.region2,
        "region3": loc.region3,
        "region4": loc.region4,
        "region1_latin": loc.region1_latin,
        "region2_latin": loc.region2_latin,
        "region3_latin": loc.region3,
        "region4_latin": loc.region4,
        "geoid": loc.geoid,
        "modified": fmt_dt(loc.modified, tz),
        "zipcode": loc.zipcode,
        "country_code": loc.country_code,
        "iso2": loc.iso2,
    }


def _matching_localities(ctx: Ctx, filters: dict[str, Any]) -> list[Locality] | str:
    platform = ctx.store.platform(ctx.account.platform)
    country = filters.get("country_code") or platform.info.code
    if isinstance(country, str) and country.upper() != platform.info.code:
        source = ctx.store.platforms.get(country.upper())
        localities = list(source.localities) if source else []
    else:
        localities = list(platform.localities)
    ids = int_filter(filters.get("emag_id"))
    if ids is not None:
        localities = [loc for loc in localities if loc.emag_id in ids]
    name = filters.get("name")
    if isinstance(name, str) and name:
        if len(name) > 60:
            return "name may have at most 60 characters."
        needle = name.lower()
        localities = [
            loc
            for loc in localities
            if needle in loc.name.lower() or needle in loc.name_latin.lower()
        ]
    region = filters.get("region2")
    if isinstance(region, str) and region:
        localities = [loc for loc in localities if loc.region2.lower() == region.lower()]
    modified = filters.get("modified")
    if modified not in (None, ""):
        since = parse_dt(modified, platform.info.tz)
        if since is None:
            return "Invalid modified: expected YYYY-MM-DD HH:MM:SS."
        localities = [loc for loc in localities if loc.modified >= since]
    return localities


async def locality_read(ctx: Ctx) -> Response:
    filters = ctx.filters()
    localities = _matching_localities(ctx, filters)
    if isinstance(localities, str):
        return error(localities)
    tz = ctx.store.platform(ctx.account.platform).info.tz
    return envelope(
        [_render_locality(loc, tz) for loc in paginate(localities, filters, ctx.settings)]
    )


async def locality_count(ctx: Ctx) -> Response:
    filters = ctx.filters()
    localities = _matching_localities(ctx, filters)
    if isinstance(localities, str):
        return error(localities)
    return envelope(count_result(len(localities), filters, ctx.settings))


async def addresses_read(ctx: Ctx) -> Response:
    items = [
        {
            "address_id": a.address_id,
            "country_id": a.country_id,
            "country_code": a.country_code,
            "address_type_id": a.address_type_id,
            "locality_id": a.locality_id,
            "suburb": a.suburb,
            "city": a.city,
            "address": a.address,
            "zipcode": a.zipcode,
            "quarter": a.quarter,
            "floor": a.floor,
            "is_default": a.is_default,
        }
        for a in ctx.account.addresses
    ]
    return envelope(paginate(items, ctx.filters(), ctx.settings))


# --- awb/save ---------------------------------------------------------------------------------


def _party(ctx: Ctx, raw: Any, role: str, label: str) -> tuple[dict[str, Any] | None, list[str]]:
    errors: list[str] = []
    if not isinstance(raw, dict):
        return None, [f"{label}: the {role} field is mandatory."]
    party = dict(raw)
    address_id = party.get("address_id")
    if address_id not in (None, ""):
        address = next((a for a in ctx.account.addresses if a.address_id == str(address_id)), None)
        if address is None:
            errors.append(f"{label}: {role} address_id {address_id} does not exist.")
        else:
            party.update(
                locality_id=address.locality_id, street=address.address, zipcode=address.zipcode
            )
    name = party.get("name")
    if not isinstance(name, str) or not 3 <= len(name) <= 255:
        errors.append(f"{label}: {role} name must have 3-255 characters.")
    contact = party.get("contact")
    if not isinstance(contact, str) or not 1 <= len(contact) <= 255:
        errors.append(f"{label}: {role} contact must have 1-255 characters.")
    phone = str(party.get("phone1") or "")
    if not PHONE_RE.match(phone):
        errors.append(f"{label}: {role} phone1 must have 8-11 digits.")
    street = party.get("street")
    if not isinstance(street, str) or not 3 <= len(street) <= 255:
        errors.append(f"{label}: {role} street must have 3-255 characters.")
    locality_id = to_int(party.get("locality_id"))
    platform = ctx.store.platform(ctx.account.platform)
    if locality_id is None or not any(loc.emag_id == locality_id for loc in platform.localities):
        errors.append(f"{label}: {role} locality_id {party.get('locality_id')} is not valid.")
    return party, errors


def _bounded(
    raw: dict[str, Any], key: str, low: int, high: int, label: str, errors: list[str], *, req: bool
) -> Decimal:
    if key not in raw or raw[key] in (None, ""):
        if req:
            errors.append(f"{label}: the {key} field is mandatory.")
        return Decimal(0)
    value = to_decimal(raw[key])
    if value is None or not low <= value <= high:
        errors.append(f"{label}: {key} must be between {low} and {high}.")
        return Decimal(0)
    return value


def _pick_courier(
    ctx: Ctx, raw: dict[str, Any], order: Order | None, label: str, errors: list[str]
) -> CourierAccount | None:
    active = [c for c in ctx.account.couriers if c.status == 1 and c.courier_account_type in (2, 3)]
    enforced = order.enforced_vendor_courier_accounts if order else None
    if enforced is not None and not enforced:
        errors.append(f"{label}: an AWB cannot be issued through eMAG for this order.")
        return None
    if order is not None and order.delivery_mode == "pickup":
        locker = next((c for c in active if 2 in c.courier_account_properties), None)
        if locker is not None:
            return locker  # eMAG issues a locker AWB whatever account was sent
    wanted = to_int(raw.get("courier_account_id"))
    if wanted is None:
        candidates = [c for c in active if enforced is None or c.account_id in enforced]
        if not candidates:
            errors.append(f"{label}: no active courier account.")
            return None
        return candidates[0]
    courier = next((c for c in ctx.account.couriers if c.account_id == wanted), None)
    if courier is None or courier.status != 1:
        errors.append(f"{label}: courier_account_id {wanted} is not an active courier account.")
        return None
    if courier.courier_account_type not in (2, 3):
        errors.append(f"{label}: courier account {wanted} cannot be used for orders.")
        return None
    if enforced is not None and wanted not in enforced:
        errors.append(f"{label}: the order requires one of the courier accounts {enforced}.")
        return None
    return courier


async def awb_save(ctx: Ctx) -> Response:
    items = ctx.items()
    errors: list[str] = []
    plans: list[tuple[dict[str, Any], Order, CourierAccount, dict[str, Any], dict[str, Any]]] = []
    async with ctx.store.lock:
        for index, raw in enumerate(items):
            label = f"AWB {index}"
            if not isinstance(raw, dict):
                errors.append(f"{label}: expected an object.")
                continue
            item_errors: list[str] = []
            if raw.get("rma_id") not in (None, ""):
                errors.append(f"{label}: returns (rma_id) are not supported by the sandbox.")
                continue
            oid = to_int(raw.get("order_id"))
            order = ctx.account.orders.get(oid) if oid is not None else None
            if order is None:
                errors.append(f"{label}: order {raw.get('order_id')} was not found.")
                continue
            label = f"AWB for order {order.id}"
            if ctx.item_fails(order.id):
                errors.append(f"{label}: {ctx.faults.item_error_message}")
                continue
            if order.status == 1:
                item_errors.append(f"{label}: the order must be acknowledged first.")
            elif order.status in (0, 5):
                item_errors.append(f"{label}: the order is in status {order.status}.")
            sender, sender_errors = _party(ctx, raw.get("sender"), "sender", label)
            receiver, receiver_errors = _party(ctx, raw.get("receiver"), "receiver", label)
            item_errors += sender_errors + receiver_errors
            _bounded(raw, "is_oversize", 0, 1, label, item_errors, req=True)
            envelopes = _bounded(raw, "envelope_number", 0, 9999, label, item_errors, req=True)
            parcels = _bounded(raw, "parcel_number", 0, 999, label, item_errors, req=True)
            _bounded(raw, "cod", 0, 999_999_999, label, item_errors, req=True)
            _bounded(raw, "insured_value", 0, 999_999_999, label, item_errors, req=False)
            _bounded(raw, "weight", 0, 99_999, label, item_errors, req=False)
            if "envelope_number" in raw and "parcel_number" in raw and envelopes == parcels == 0:
                item_errors.append(f"{label}: envelope_number and parcel_number cannot both be 0.")
            courier = _pick_courier(ctx, raw, order, label, item_errors)
            if item_errors or courier is None or sender is None or receiver is None:
                errors.extend(item_errors)
                continue
            plans.append((raw, order, courier, sender, receiver))
        if errors:
            return error(*errors)
        results = []
        now = utcnow().replace(microsecond=0)
        for raw, order, courier, sender, receiver in plans:
            emag_id = ctx.store.next_awb_id()
            number = f"4EMG{courier.courier_name[:2].upper()}{emag_id:09d}"
            awb = Awb(
                emag_id=emag_id,
                reservation_id=ctx.store.next_reservation_id(),
                order_id=order.id,
                rma_id=None,
                courier_account_id=courier.account_id,
                courier_id=courier.courier_id,
                courier_name=courier.courier_name,
                awb_number=number,
                awb_barcode=number + "001",
                sender=sender,
                receiver=receiver,
                parcel_number=int(to_int(raw.get("parcel_number")) or 0),
                envelope_number=int(to_int(raw.get("envelope_number")) or 0),
                cod=to_decimal(raw.get("cod")) or Decimal(0),
                insured_value=to_decimal(raw.get("insured_value")) or Decimal(0),
                weight=to_decimal(raw.get("weight")) or Decimal(0),
                is_oversize=int(to_int(raw.get("is_oversize")) or 0),
                locker_id=(
                    str(raw.get("locker_id") or order.details.get("locker_id") or "") or None
                ),
                observation=str(raw["observation"]) if raw.get("observation") else None,
                order_type=order.type,
                created=now,
            )
            ctx.account.awbs[emag_id] = awb
            if order.status in (2, 3):
                order.finalization_date = now
                set_status(order, 4, f"awb/save {emag_id}", now)
            results.append(
                {
                    "reservation_id": awb.reservation_id,
                    "emag_id": awb.emag_id,
                    "courier_id": awb.courier_id,
                    "courier_name": awb.courier_name,
                    "awb": [
                        {
                            "emag_id": awb.emag_id,
                            "awb_number": awb.awb_number,
                            "awb_barcode": awb.awb_barcode,
                        }
                    ],
                }
            )
    return envelope(results)


# --- awb/read, read_pdf, read_zpl -------------------------------------------------------------


async def awb_read(ctx: Ctx) -> Response:
    filters = ctx.filters()
    emag_ids = int_filter(filters.get("emag_id"))
    reservations = int_filter(filters.get("reservation_id"))
    if emag_ids is None and reservations is None:
        return error("emag_id or reservation_id is mandatory.")
    awbs = [
        a
        for a in ctx.account.awbs.values()
        if (emag_ids is None or a.emag_id in emag_ids)
        and (reservations is None or a.reservation_id in reservations)
    ]
    return envelope([render_awb(ctx.store, ctx.account, a) for a in awbs])


def _find_awb(ctx: Ctx) -> Awb | Response:
    query = ctx.request.query_params
    emag_id = to_int(query.get("emag_id"))
    if emag_id is None:
        values = ctx.filters()
        emag_id = to_int(values.get("emag_id"))
    if emag_id is None:
        return error("emag_id is mandatory.")
    awb = ctx.account.awbs.get(emag_id)
    if awb is None:
        return error(f"AWB {emag_id} was not found.")
    return awb


async def awb_read_pdf(ctx: Ctx) -> Response:
    found = _find_awb(ctx)
    if isinstance(found, Response):
        return found  # eMAG: JSON error with HTTP 200
    query = ctx.request.query_params
    page_format = (query.get("awb_format") or query.get("wb_format") or "A4").upper()
    if page_format == "ZPL":
        return Response(content=awb_label_zpl(found).encode(), media_type="text/plain")
    if page_format not in PAGE_SIZES:
        return error("awb_format must be one of A4, A5, A6, ZPL.")
    pdf = awb_label_pdf(found, page_format, ctx.account.vendor_name)
    return Response(
        content=pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="awb_{found.emag_id}.pdf"'},
    )


async def awb_read_zpl(ctx: Ctx) -> Response:
    found = _find_awb(ctx)
    if isinstance(found, Response):
        return found
    content = base64.b64encode(awb_label_zpl(found).encode()).decode()
    return envelope({"deliveries": {"1": {"awbs": {"content": [content]}}}})
