"""Catalogue and offers (emag-api.md §2, §3): categories, VAT, product_offer/save with the
validation lifecycle and the price band, attach by PNK/EAN, offer/save, offer_stock,
find_by_eans."""

from __future__ import annotations

import asyncio
from typing import Any


def new_product(pid: int, **overrides: Any) -> dict[str, Any]:
    product: dict[str, Any] = {
        "id": pid,
        "category_id": 1315,
        "part_number": f"TR-KET-{pid}",
        "name": "Fierbator Taraba 1.7L",
        "brand": "Taraba",
        "description": "<p>Fierbator 2200W</p>",
        "images": [{"display_type": 1, "url": f"https://cdn.example.ro/p/{pid}-1.jpg"}],
        "characteristics": [
            {"id": 5213, "value": "2200 W"},
            {"id": 5214, "value": "1.7 l"},
            {"id": 1339, "value": "Alb"},
        ],
        "family": {"id": 111, "name": "Fierbator Taraba", "family_type_id": 97},
        "ean": [f"59412345{pid:05d}"],
        "warranty": 24,
        "status": 1,
        "sale_price": "99.1736",
        "min_sale_price": "80.0000",
        "max_sale_price": "150.0000",
        "stock": [{"warehouse_id": 1, "value": 12}],
        "handling_time": [{"warehouse_id": 1, "value": 1}],
        "vat_id": 1,
    }
    product.update(overrides)
    return product


async def test_category_tree_and_single_category(env):
    tree = await env.ok("category/read", {})
    by_id = {c["id"]: c for c in tree}
    assert by_id[1315]["parent_id"] == 1300
    assert "characteristics" not in by_id[1315]
    assert {c["is_allowed"] for c in tree} == {0, 1}
    (category,) = await env.ok("category/read", {"id": 2735})
    size = next(c for c in category["characteristics"] if c["id"] == 6506)
    assert size["is_mandatory"] == 1 and size["allow_new_value"] == 0
    assert size["tags"] == ["original", "converted"]
    assert "42 EU" in size["values"]
    assert category["family_types"][0]["characteristics"][0]["characteristic_id"] == 6506
    (paged,) = await env.ok(
        "category/read", {"id": 2735, "valuesCurrentPage": 2, "valuesPerPage": 2}
    )
    size = next(c for c in paged["characteristics"] if c["id"] == 6506)
    assert size["values"] == ["41 EU", "42 EU"]
    count = await env.ok("category/count", {})
    assert count["noOfItems"] == str(len(tree))


async def test_vat_and_handling_time(env):
    vat = await env.ok("vat/read", {})
    assert {"vat_id": 1, "vat_rate": 0.21, "is_default": 1} in vat
    times = await env.ok("handling_time/read", {})
    assert times[:2] == [{"id": 0, "value": 0}, {"id": 1, "value": 1}]


async def test_new_product_goes_through_validation_and_gets_a_pnk(env):
    assert await env.ok("product_offer/save", {"data": [new_product(7001)]}) == []
    (offer,) = await env.ok("product_offer/read", {"id": 7001})
    assert offer["validation_status"][0]["value"] == 1
    assert offer["part_number_key"] is None
    assert offer["sale_price"] == "99.1736"
    assert offer["general_stock"] == 12
    await asyncio.sleep(0.08)  # validation_delay_seconds = 0.05 in tests
    (offer,) = await env.ok("product_offer/read", {"id": 7001})
    assert offer["validation_status"][0]["value"] == 9
    pnk = offer["part_number_key"]
    assert pnk and pnk.isalnum()
    found = await env.ok(
        "documentation/find_by_eans", method="GET", params={"eans[]": "5941234507001"}
    )
    product = found["5941234507001"]["products"][0]
    assert product["part_number_key"] == pnk
    assert product["vendor_has_offer"] is True


async def test_documentation_problems_save_the_product_as_draft(env):
    item = new_product(
        7002,
        characteristics=[{"id": 5214, "value": "1 l"}, {"id": 9999, "value": "x"}],
        images=[],
    )
    body = (await env.api("product_offer/save", {"data": [item]})).json()
    assert body["isError"] is True
    text = " | ".join(body["messages"])
    assert "value of characteristic with id 5213 was not set" in text
    assert "characteristic with id 9999 is not attached to template" in text
    assert "photo_gallery array is empty" in text
    (offer,) = await env.ok("product_offer/read", {"id": 7002})  # saved anyway
    assert offer["validation_status"][0]["value"] == 0
    assert offer["doc_errors"]


async def test_restrictive_characteristic_values(env):
    item = new_product(
        7003,
        category_id=2735,
        characteristics=[
            {"id": 6506, "value": "50 EU", "tag": "original"},
            {"id": 6506, "value": "42 EU", "tag": "converted"},
            {"id": 1339, "value": "Negru"},
        ],
        family=None,
    )
    body = (await env.api("product_offer/save", [item])).json()
    assert any(
        "value of characteristic with id 6506 must be one of: 39 EU" in m for m in body["messages"]
    )


async def test_price_band_rule(env):
    outside = new_product(7004, sale_price="200")
    body = (await env.api("product_offer/save", [outside])).json()
    assert body["isError"] is True
    assert "min_sale_price <= sale_price <= max_sale_price" in body["messages"][0]
    assert await env.ok("product_offer/read", {"id": 7004}) == []  # not saved
    no_band = new_product(7005)
    del no_band["min_sale_price"], no_band["max_sale_price"]
    body = (await env.api("product_offer/save", [no_band])).json()
    assert any("min_sale_price" in m for m in body["messages"])
    inverted = new_product(7006, min_sale_price="150", max_sale_price="80")
    body = (await env.api("product_offer/save", [inverted])).json()
    assert "max_sale_price must be greater than min_sale_price" in body["messages"][0]
    # band kept from the first save: a later update outside it is refused
    assert await env.ok("product_offer/save", [new_product(7007)]) == []
    update = {
        "id": 7007,
        "status": 1,
        "sale_price": "151",
        "vat_id": 1,
        "stock": [{"warehouse_id": 1, "value": 1}],
    }
    body = (await env.api("product_offer/save", [update])).json()
    assert body["isError"] is True
    update["sale_price"] = "149.99"
    assert await env.ok("product_offer/save", [update]) == []


async def test_duplicate_part_number_and_ean(env):
    assert await env.ok("product_offer/save", [new_product(7010)]) == []
    again = new_product(7011, part_number="TR-KET-7010", ean=["5941234599999"])
    body = (await env.api("product_offer/save", [again])).json()
    assert body["messages"] == ["You already hold a Product associated with this PN:TR-KET-7010"]
    assert await env.ok("product_offer/read", {"id": 7011}) == []
    # part_number is normalised (spaces, commas, semicolons stripped)
    spaced = new_product(7012, part_number="TR-KET-70 1;0", ean=["5941234599998"])
    body = (await env.api("product_offer/save", [spaced])).json()
    assert body["messages"] == ["You already hold a Product associated with this PN:TR-KET-7010"]
    # the same EAN on two new products of one batch: the second is not saved
    a = new_product(7013, ean=["5941234588888"])
    b = new_product(7014, ean=["5941234588888"])
    body = (await env.api("product_offer/save", [a, b])).json()
    assert body["isError"] is True
    ids = [o["id"] for o in await env.ok("product_offer/read", {"id": [7013, 7014]})]
    assert ids == [7013]


async def test_attach_by_part_number_key_and_by_ean(env):
    store = env.sandbox.store
    platform = store.platform("RO")
    others = [p for p in platform.catalog.values() if p.owner is None]
    by_pnk, by_ean = others[0], others[1]
    attach = {
        "id": 7020,
        "part_number_key": by_pnk.part_number_key,
        "name": "Oferta mea",
        "status": 1,
        "sale_price": "50",
        "min_sale_price": "40",
        "max_sale_price": "60",
        "stock": [{"warehouse_id": 1, "value": 3}],
        "handling_time": [{"warehouse_id": 1, "value": 2}],
        "vat_id": 1,
    }
    assert await env.ok("product_offer/save", {"data": [attach]}) == []
    (offer,) = await env.ok("product_offer/read", {"id": 7020})
    assert offer["part_number_key"] == by_pnk.part_number_key
    assert offer["validation_status"][0]["value"] == 9
    assert offer["ownership"] == 2
    # one offer per PNK per seller
    second = dict(attach, id=7021)
    body = (await env.api("product_offer/save", [second])).json()
    assert body["isError"] is True and "7020" in body["messages"][0]
    # attach by EAN (a single EAN)
    by_ean_item = dict(attach, id=7022, ean=by_ean.eans[0])
    del by_ean_item["part_number_key"]
    assert await env.ok("product_offer/save", [by_ean_item]) == []
    (offer,) = await env.ok("product_offer/read", {"id": 7022})
    assert offer["part_number_key"] == by_ean.part_number_key
    # part_number_key and ean are mutually exclusive
    both = dict(attach, id=7023, ean=by_ean.eans[0])
    body = (await env.api("product_offer/save", [both])).json()
    assert "mutually exclusive" in body["messages"][0]
    # unknown PNK
    body = (
        await env.api("product_offer/save", [dict(attach, id=7024, part_number_key="DNOPE00BM")])
    ).json()
    assert body["isError"] is True


async def test_offer_save_per_item_results(env):
    offer = env.sandbox.store.accounts["seller"].offers[1002]
    price = str(offer.min_sale_price)
    body = (
        await env.api(
            "offer/save",
            {
                "data": [
                    {"id": 1002, "sale_price": price, "stock": [{"warehouse_id": 1, "value": 9}]},
                    {"id": 1003, "stock": [{"warehouse_id": 1, "value": -1}]},
                    {"id": 1004, "stock": [{"warehouse_id": 1, "value": 2.5}]},
                    {"id": 424242, "status": 1},
                    {"id": 1005, "sale_price": "999999"},
                ]
            },
        )
    ).json()
    assert body["isError"] is False
    results = body["results"]
    assert results["1002"] == {"isError": False, "messages": ["Offer 1002 updated successfully"]}
    assert results["1003"] == {"isError": True, "messages": ["Stock should be 0 or more"]}
    assert results["1004"]["isError"] is True
    assert results["1004"]["messages"][0].startswith("The stock field is mandatory.")
    assert results["424242"] == {"isError": True, "messages": ["Offer not found"]}
    assert results["1005"]["isError"] is True
    assert offer.stock == [{"warehouse_id": 1, "value": 9}]
    assert str(offer.sale_price) == price
    view = await env.admin("GET", "/accounts/seller/offers/1002")
    assert view["price_history"][-1]["source"] == "offer/save"
    assert view["stock_history"][-1]["value"] == [{"warehouse_id": 1, "value": 9}]


async def test_patch_offer_stock(env):
    account = env.sandbox.store.accounts["seller"]
    response = await env.api("offer_stock/1001", {"stock": 21}, method="PATCH")
    assert response.status_code == 204 and response.content == b""
    assert account.offers[1001].stock == [{"warehouse_id": 1, "value": 21}]
    response = await env.api(
        "offer_stock/1001", {"stock": [{"warehouse_id": 1, "value": 4}]}, method="PATCH"
    )
    assert response.status_code == 204
    response = await env.api(
        "offer_stock/1001", {"data": {"stock": [{"warehouse_id": 1, "value": 5}]}}, method="PATCH"
    )
    assert response.status_code == 204
    assert account.offers[1001].general_stock == 5
    response = await env.api("offer_stock/999999", {"stock": 1}, method="PATCH")
    assert (response.status_code, response.json()) == (
        404,
        {"message": "This offer does not exist"},
    )
    response = await env.api("offer_stock/1001", method="PATCH", content=b"{not json")
    assert (response.status_code, response.json()) == (400, {"message": "Invalid content"})
    response = await env.api("offer_stock/1001", {"stock": -3}, method="PATCH")
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Validation errors in your request"
    assert body["errors"][0]["field"] == "stock"
    await env.admin("PATCH", "/accounts/seller/offers/1001", {"campaign_lock": "BF"})
    response = await env.api("offer_stock/1001", {"stock": 8}, method="PATCH")
    assert response.status_code == 400
    assert "active campaign BF" in response.json()["errors"][0]["message"]
    await env.admin("PATCH", "/accounts/seller", {"stock_api_allowed": False})
    response = await env.api("offer_stock/1001", {"stock": 8}, method="PATCH")
    assert response.status_code == 403
    assert response.json()["messages"] == ["You are not allowed to use this API."]


async def test_find_by_eans(env):
    account = env.sandbox.store.accounts["seller"]
    mine = next(o for o in account.offers.values() if o.part_number_key)
    other = next(p for p in env.sandbox.store.platform("RO").catalog.values() if p.owner is None)
    response = await env.api(
        "documentation/find_by_eans",
        method="GET",
        params=[("eans[]", mine.ean[0]), ("eans[]", other.eans[0]), ("eans[]", "7086812930967")],
    )
    body = response.json()
    assert body["isError"] is False and body["errors"] == []
    results = body["results"]
    assert results["7086812930967"] == {"products": []}
    product = results[mine.ean[0]]["products"][0]
    assert product["part_number_key"] == mine.part_number_key
    assert product["vendor_has_offer"] is True
    assert product["allowed_to_add_offer"] is True
    assert set(product) >= {
        "product_name",
        "brand_name",
        "doc_category_id",
        "category_name",
        "site_url",
        "hotness",
        "product_image",
    }
    assert results[other.eans[0]]["products"][0]["vendor_has_offer"] is False
    # [MF]'s indexed keys work too; more than 100 EANs: the rest are dropped with a notice
    many = [(f"eans[{i}]", f"{5900000000000 + i}") for i in range(105)]
    body = (await env.api("documentation/find_by_eans", method="GET", params=many)).json()
    assert len(body["results"]) == 100
    assert body["messages"]


async def test_product_offer_read_filters(env):
    account = env.sandbox.store.accounts["seller"]
    inactive = [o.id for o in account.offers.values() if o.status == 0]
    found = await env.ok("product_offer/read", {"status": 0})
    assert [o["id"] for o in found] == sorted(inactive)
    target = next(o for o in account.offers.values() if o.part_number_key)
    found = await env.ok("product_offer/read", {"part_number_key": target.part_number_key})
    assert [o["id"] for o in found] == [target.id]
    found = await env.ok("product_offer/read", {"part_number": target.part_number})
    assert [o["id"] for o in found] == [target.id]
    low = await env.ok("product_offer/read", {"general_stock": 1})
    assert low and all(o["general_stock"] <= 1 for o in low)
    # GPSR lists only on a single-product read
    assert isinstance(found[0]["manufacturer"], list)
    page = await env.ok("product_offer/read", {"itemsPerPage": 2})
    assert isinstance(page[0]["manufacturer"], bool)
