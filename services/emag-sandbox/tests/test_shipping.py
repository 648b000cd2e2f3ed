"""Shipping (emag-api.md §6): couriers, localities, addresses, awb/save (finalizes the order),
awb/read, awb/read_pdf."""

from __future__ import annotations

from typing import Any


def awb_request(order: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    customer = order["customer"]
    body: dict[str, Any] = {
        "order_id": order["id"],
        "sender": {
            "name": "Taraba Demo SRL",
            "contact": "Depozit",
            "phone1": "0723000000",
            "locality_id": 1,
            "street": "Str. Depozitului 10",
        },
        "receiver": {
            "name": customer["name"],
            "contact": customer["shipping_contact"],
            "phone1": customer["shipping_phone"],
            "legal_entity": 0,
            "locality_id": int(customer["shipping_locality_id"]),
            "street": customer["shipping_street"],
        },
        "is_oversize": 0,
        "envelope_number": 0,
        "parcel_number": 1,
        "weight": 1,
        "cod": "120.50",
        "insured_value": 0,
    }
    body.update(overrides)
    return body


async def acknowledged(env, **place: Any) -> dict[str, Any]:
    order = await env.place(**place)
    await env.ok(f"order/acknowledge/{order['id']}")
    (order,) = await env.ok("order/read", {"id": order["id"]})
    return dict(order)


async def test_reference_data(env):
    couriers = await env.ok("courier_accounts/read", {})
    assert {c["courier_name"] for c in couriers} >= {"SAMEDAY", "FAN", "DPD"}
    assert set(couriers[0]) >= {
        "account_id",
        "account_display_name",
        "courier_account_type",
        "courier_account_properties",
        "created",
        "status",
        "pickup_country_code",
    }
    addresses = await env.ok("addresses/read", {})
    assert {a["address_type_id"] for a in addresses} == {1, 2, 3}
    everything = await env.ok("locality/read", {})
    assert len(everything) == 50
    cluj = await env.ok("locality/read", {"region2": "Cluj"})
    assert {c["name"] for c in cluj} == {"Cluj-Napoca", "Florești"}
    iasi = await env.ok("locality/read", {"name": "iasi"})  # the latin name matches too
    assert iasi[0]["name"] == "Iași" and iasi[0]["name_latin"] == "Iasi"
    assert iasi[0]["country_code"] == "RO"
    page = await env.ok("locality/read", {"itemsPerPage": 20, "currentPage": 3})
    assert len(page) == 10
    count = await env.ok("locality/count", {"itemsPerPage": 20})
    assert count == {"noOfItems": "50", "noOfPages": 3, "itemsPerPage": 20}


async def test_first_awb_finalizes_the_order(env):
    order = await acknowledged(env, count=1)
    results = await env.ok("awb/save", {"data": [awb_request(order)]})
    (awb,) = results
    assert set(awb) >= {"reservation_id", "emag_id", "courier_id", "courier_name", "awb"}
    assert awb["awb"][0]["emag_id"] == awb["emag_id"]
    assert awb["awb"][0]["awb_barcode"].startswith(awb["awb"][0]["awb_number"])
    (after,) = await env.ok("order/read", {"id": order["id"], "status": 4})
    assert after["status"] == 4 and after["finalization_date"]
    (read,) = await env.ok("awb/read", {"emag_id": awb["emag_id"]})
    assert read["order_id"] == order["id"] and read["status"]["code"] == "NEW"
    assert read["awb"][0]["awb_number"] == awb["awb"][0]["awb_number"]
    (by_reservation,) = await env.ok("awb/read", {"reservation_id": awb["reservation_id"]})
    assert by_reservation["emag_id"] == awb["emag_id"]
    body = (await env.api("awb/read", {})).json()
    assert body["isError"] is True  # emag_id or reservation_id only
    # a second AWB is allowed on a finalized order (extra parcel)
    assert len(await env.ok("awb/save", [awb_request(order)])) == 1


async def test_awb_label_pdf(env):
    order = await acknowledged(env, count=1)
    (awb,) = await env.ok("awb/save", [awb_request(order)])
    for page in ("A4", "A6"):
        response = await env.api(
            "awb/read_pdf", method="GET", params={"emag_id": awb["emag_id"], "awb_format": page}
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF") and len(response.content) > 1000
    zpl = await env.api(
        "awb/read_pdf", method="GET", params={"emag_id": awb["emag_id"], "awb_format": "ZPL"}
    )
    assert zpl.text.startswith("^XA")
    # errors come back as JSON with HTTP 200
    missing = await env.api("awb/read_pdf", method="GET", params={"emag_id": 1})
    assert missing.status_code == 200
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["isError"] is True
    zpl_json = await env.ok("awb/read_zpl", method="GET", params={"emag_id": awb["emag_id"]})
    assert zpl_json["deliveries"]["1"]["awbs"]["content"]


async def test_awb_rules(env):
    new = await env.place(count=1)
    body = (await env.api("awb/save", [awb_request(new)])).json()
    assert body["isError"] is True and "acknowledged" in body["messages"][0]
    order = await acknowledged(env, count=1, seed=5)
    bad_phone = awb_request(order)
    bad_phone["receiver"] = dict(bad_phone["receiver"], phone1="12")
    body = (await env.api("awb/save", [bad_phone])).json()
    assert body["isError"] is True and "phone1" in body["messages"][0]
    body = (
        await env.api("awb/save", [awb_request(order, parcel_number=0, envelope_number=0)])
    ).json()
    assert body["isError"] is True
    missing = awb_request(order)
    del missing["cod"]
    assert (await env.api("awb/save", [missing])).json()["isError"] is True
    body = (await env.api("awb/save", [awb_request(order, courier_account_id=1)])).json()
    assert body["isError"] is True
    # all-or-nothing: nothing was issued, the order is still in progress
    (still,) = await env.ok("order/read", {"id": order["id"]})
    assert still["status"] == 2
    # the sender's saved address can replace the address fields
    (pickup,) = [a for a in await env.ok("addresses/read", {}) if a["address_type_id"] == 2]
    with_address = awb_request(order)
    with_address["sender"] = dict(
        with_address["sender"], address_id=pickup["address_id"], locality_id=None, street=None
    )
    assert len(await env.ok("awb/save", [with_address])) == 1


async def test_enforced_courier_accounts(env):
    couriers = await env.ok("courier_accounts/read", {})
    fan = next(c for c in couriers if c["courier_name"] == "FAN")
    dpd = next(c for c in couriers if c["courier_name"] == "DPD")
    locked = await acknowledged(env, count=1, enforced_vendor_courier_accounts=[fan["account_id"]])
    body = (
        await env.api("awb/save", [awb_request(locked, courier_account_id=dpd["account_id"])])
    ).json()
    assert body["isError"] is True
    (awb,) = await env.ok("awb/save", [awb_request(locked)])
    assert awb["courier_name"] == "FAN"
    blocked = await acknowledged(env, count=1, seed=7, enforced_vendor_courier_accounts=[])
    assert (await env.api("awb/save", [awb_request(blocked)])).json()["isError"] is True
    await env.ok(f"order/{blocked['id']}/unlock-courier")
    assert len(await env.ok("awb/save", [awb_request(blocked)])) == 1


async def test_locker_orders_go_to_a_locker_account(env):
    order = await acknowledged(env, count=1, delivery_mode="pickup")
    assert order["details"]["locker_id"]
    couriers = await env.ok("courier_accounts/read", {})
    fan = next(c for c in couriers if c["courier_name"] == "FAN")
    (awb,) = await env.ok("awb/save", [awb_request(order, courier_account_id=fan["account_id"])])
    assert awb["courier_name"] == "SAMEDAY"
