"""POST /api/v1/products/import against the real database: the matching rules through the API,
re-import, update_details, PNKs stored on links, events, bad input, concurrency, and speed."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import pytest
from taraba_testing import ADMIN, OPERATOR, WAREHOUSE, assert_error, auth

from .conftest import PRODUCTS, Catalog, new_ean, new_sku

pytestmark = pytest.mark.integration

IMPORT = f"{PRODUCTS}/import"


def emag_offer(
    key: str | None = None,
    codes: list[Any] | None = None,
    eans: list[Any] | None = None,
    pnk: Any = None,
    **product: Any,
) -> dict[str, Any]:
    details: dict[str, Any] = {
        "name": "Telefon eMAG",
        "description": "Descriere",
        "brand": "Acme",
        "images": ["https://emag.example/1.jpg", "https://emag.example/2.jpg"],
        "characteristics": {"Culoare": ["Negru"]},
        "warranty_months": 24,
        "vat_rate": "0.21",
        "category_name": None,
    }
    details.update(product)
    return {
        "key": key or uuid.uuid4().hex,
        "codes": codes if codes is not None else [new_sku()],
        "eans": eans if eans is not None else [new_ean()],
        "pnk": pnk,
        "product": details,
    }


def new_pnk() -> str:
    return "D" + uuid.uuid4().hex[:9].upper()


async def test_contract_and_creation_from_emag(catalog: Catalog) -> None:
    part_number, seller_code, ean, pnk = new_sku(), new_sku(), new_ean(), new_pnk()
    offer = emag_offer(
        "offer-1",
        codes=[part_number, seller_code],
        eans=[ean],
        pnk=pnk,
        name="Telefon Y",
        description="<p>Bun</p>",
        characteristics={"Culoare": ["Negru"], "Memorie": ["128 GB"]},
    )
    response = await catalog.client.post(
        IMPORT, json={"platform": "ro", "offers": [offer]}, headers=auth(OPERATOR)
    )
    assert response.status_code == 200, response.text
    [result] = response.json()["results"]
    assert set(result) == {
        "key",
        "outcome",
        "product_id",
        "rule",
        "candidates",
        "details_updated",
        "warnings",
        "reason",
    }
    assert (result["key"], result["outcome"], result["rule"]) == ("offer-1", "created", None)
    assert result["candidates"] == [] and result["reason"] is None
    assert result["details_updated"] is False
    product = await catalog.get(result["product_id"])
    assert product["sku"] == part_number
    assert product["additional_codes"] == [seller_code]
    assert product["eans"] == [ean]
    assert product["pnks"] == {"ro": pnk}
    assert (product["name"], product["description"], product["brand"]) == (
        "Telefon Y",
        "<p>Bun</p>",
        "Acme",
    )
    assert product["images"] == ["https://emag.example/1.jpg", "https://emag.example/2.jpg"]
    assert product["characteristics"] == {"Culoare": ["Negru"], "Memorie": ["128 GB"]}
    assert (product["warranty_months"], product["vat_rate"]) == (24, "0.21")
    [(key, envelope)] = await catalog.outbox(product["id"])
    assert key == "catalog.product_created.v1"
    assert envelope["payload"]["pnks"] == {"ro": pnk}
    assert envelope["sequence"] == 1


async def test_each_rule_through_the_api(catalog: Catalog) -> None:
    by_sku = await catalog.create()
    ean = new_ean()
    by_ean = await catalog.create(eans=[ean])
    by_code = await catalog.create()
    emag_code = "PN-" + new_sku()
    added = await catalog.client.post(
        f"{PRODUCTS}/{by_code['id']}/codes", json={"code": emag_code}, headers=auth(OPERATOR)
    )
    assert added.status_code == 201
    pnk = new_pnk()
    by_pnk = await catalog.create(pnks={"ro": pnk})
    other_ean = new_ean()
    amb_b = await catalog.create(eans=[other_ean])

    results = await catalog.import_offers(
        [
            emag_offer("sku", codes=[by_sku["sku"].lower()], eans=[]),
            emag_offer("ean", codes=[new_sku()], eans=[ean]),
            emag_offer("code", codes=[emag_code]),
            emag_offer("pnk", codes=[new_sku()], pnk=pnk),
            emag_offer("amb", codes=[by_sku["sku"]], eans=[other_ean]),
            emag_offer("none", codes=[new_sku()]),
        ]
    )
    assert [(r["key"], r["outcome"], r["rule"]) for r in results] == [
        ("sku", "linked", "sku"),
        ("ean", "linked", "ean"),
        ("code", "linked", "additional_code"),
        ("pnk", "linked", "pnk"),
        ("amb", "ambiguous", None),
        ("none", "created", None),
    ]
    assert [r["product_id"] for r in results[:4]] == [
        by_sku["id"],
        by_ean["id"],
        by_code["id"],
        by_pnk["id"],
    ]
    assert set(results[4]["candidates"]) == {by_sku["id"], amb_b["id"]}
    assert results[4]["product_id"] is None and "2 products" in results[4]["reason"]
    # links left the details alone
    assert (await catalog.get(by_sku["id"]))["name"] == by_sku["name"]
    assert (await catalog.get(by_ean["id"]))["images"] == []


async def test_reimport_creates_nothing_new(catalog: Catalog) -> None:
    offers = [emag_offer(codes=[new_sku()], pnk=new_pnk()) for _ in range(20)]
    offers.append(emag_offer(codes=[], eans=[new_ean()], pnk=new_pnk()))  # derived SKU
    first = await catalog.import_offers(offers)
    assert [r["outcome"] for r in first] == ["created"] * 21
    ids = [r["product_id"] for r in first]
    versions = [(await catalog.get(i))["version"] for i in ids]
    for update_details in (False, True):
        again = await catalog.import_offers(offers, update_details=update_details)
        assert [r["outcome"] for r in again] == ["linked"] * 21
        assert [r["product_id"] for r in again] == ids
        assert not any(r["details_updated"] for r in again)
    assert [(await catalog.get(i))["version"] for i in ids] == versions
    skus = [o["codes"][0] for o in offers[:20]]
    assert await catalog.count_products("sku = ANY(:s)", s=skus) == 20


async def test_update_details_on_and_off(catalog: Catalog) -> None:
    mine = await catalog.create(
        name="Numele meu",
        description="a mea",
        brand="Eu",
        images=["https://mine/1.jpg"],
        vat_rate="0.11",
    )
    offer = emag_offer(
        codes=[mine["sku"]],
        name="Numele eMAG",
        description="<b>eMAG</b>",
        brand="Ei",
        images=["https://emag/9.jpg"],
    )
    [off] = await catalog.import_offers([offer])
    assert (off["outcome"], off["details_updated"]) == ("linked", False)
    assert (await catalog.get(mine["id"]))["name"] == "Numele meu"

    [on] = await catalog.import_offers([offer], update_details=True)
    assert (on["outcome"], on["details_updated"]) == ("linked", True)
    product = await catalog.get(mine["id"])
    assert (product["name"], product["description"], product["brand"], product["images"]) == (
        "Numele eMAG",
        "<b>eMAG</b>",
        "Ei",
        ["https://emag/9.jpg"],
    )
    assert product["characteristics"] == {"Culoare": ["Negru"]}
    assert product["sku"] == mine["sku"] and product["vat_rate"] == "0.11"
    rows = await catalog.outbox(mine["id"])
    assert rows[-1][0] == "catalog.product_updated.v1"
    assert set(rows[-1][1]["payload"]["changed_fields"]) == {
        "name",
        "description",
        "brand",
        "images",
        "characteristics",
    }


async def test_link_by_code_stores_the_pnk_so_the_next_import_finds_it(catalog: Catalog) -> None:
    mine = await catalog.create()
    pnk = new_pnk()
    [linked] = await catalog.import_offers(
        [emag_offer(codes=[mine["sku"]], pnk=pnk)], platform="hu"
    )
    assert (linked["outcome"], linked["details_updated"]) == ("linked", False)
    product = await catalog.get(mine["id"])
    assert product["pnks"] == {"hu": pnk} and product["version"] == 2
    assert (await catalog.outbox(mine["id"]))[-1][1]["payload"]["changed_fields"] == ["pnks"]
    [by_pnk] = await catalog.import_offers([emag_offer(codes=[new_sku()], pnk=pnk)], platform="hu")
    assert (by_pnk["outcome"], by_pnk["rule"], by_pnk["product_id"]) == (
        "linked",
        "pnk",
        mine["id"],
    )


async def test_bad_input_is_imported_with_warnings_or_held_never_failing_the_batch(
    catalog: Catalog,
) -> None:
    taken_ean = new_ean()
    holder = await catalog.create(eans=[taken_ean])
    dup_ean = new_ean()
    offers = [
        emag_offer("no-ean", eans=[]),
        emag_offer("no-pn", codes=[], pnk=new_pnk()),
        emag_offer("category", category_name="Categorie necunoscuta"),
        emag_offer("taken-ean", codes=[new_sku()], eans=[taken_ean]),
        emag_offer("dup-1", eans=[dup_ean], pnk="D5DUP0001"),
        emag_offer("dup-2", eans=[dup_ean], pnk="D5DUP0002"),
        emag_offer("bad-ean", eans=["5901234123458", "abc"]),
        emag_offer("chars", characteristics={"Culoare": [{"x": 1}], "Greutate": 1.5}),
        emag_offer("html", description="<p>ok</p><script>alert(1)</script>"),
        emag_offer("images", images=["https://ok/1.jpg", "ftp://bad/2.jpg", "nu e url", 7]),
        emag_offer("nothing", codes=[], eans=[], pnk=None),
        emag_offer("no-name", name=None, description=None),
        emag_offer(
            "junk",
            codes=[None, {"a": 1}, "x" * 300, new_sku()],
            eans=[None],
            pnk="bad pnk",
            vat_rate="douazeci",
            warranty_months=-5,
            images="nu e lista",
            characteristics="nici asta",
            brand=["x"],
            category_name=12,
        ),
    ]
    response = await catalog.client.post(
        IMPORT, json={"platform": "ro", "offers": offers}, headers=auth(ADMIN)
    )
    assert response.status_code == 200, response.text
    results = {r["key"]: r for r in response.json()["results"]}
    assert list(results) == [o["key"] for o in offers]

    def warned(key: str, fragment: str) -> bool:
        return any(fragment in w for w in results[key]["warnings"])

    assert results["no-ean"]["outcome"] == "created" and warned("no-ean", "no valid EAN")
    no_pn = results["no-pn"]
    assert no_pn["outcome"] == "created" and warned("no-pn", "no part number")
    assert (await catalog.get(no_pn["product_id"]))["sku"].startswith("EMAG-RO-")
    assert results["category"]["outcome"] == "created"
    assert warned("category", "unknown category")
    assert (results["taken-ean"]["outcome"], results["taken-ean"]["rule"]) == ("linked", "ean")
    assert results["taken-ean"]["product_id"] == holder["id"]
    assert results["dup-1"]["outcome"] == "created"
    # Two eMAG products sharing an EAN are never merged into one catalog product.
    assert results["dup-2"]["outcome"] == "ambiguous"
    assert results["dup-2"]["candidates"] == [results["dup-1"]["product_id"]]
    assert "D5DUP0001" in results["dup-2"]["reason"]
    assert results["bad-ean"]["outcome"] == "created" and warned("bad-ean", "check digit")
    assert (await catalog.get(results["bad-ean"]["product_id"]))["eans"] == []
    assert results["chars"]["outcome"] == "created" and warned("chars", "dropped")
    assert (await catalog.get(results["chars"]["product_id"]))["characteristics"] == {
        "Greutate": ["1.5"]
    }
    assert warned("html", "removed <script>") and warned("html", "contains HTML")
    html = await catalog.get(results["html"]["product_id"])
    assert html["description"] == "<p>ok</p>"
    assert warned("images", "not an http(s) URL")
    assert (await catalog.get(results["images"]["product_id"]))["images"] == ["https://ok/1.jpg"]
    assert results["nothing"]["outcome"] == "held"
    assert "nothing to match on" in results["nothing"]["reason"]
    assert results["no-name"]["outcome"] == "held" and "no name" in results["no-name"]["reason"]
    junk = results["junk"]
    assert junk["outcome"] == "created", junk
    assert (await catalog.get(junk["product_id"]))["brand"] is None
    for fragment in ("PNK", "VAT", "warranty", "images is not a list", "characteristics is not"):
        assert warned("junk", fragment), (fragment, junk["warnings"])


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"platform": "de", "offers": []}, 422, "platform"),
        ({"offers": []}, 422, "platform"),
        ({"platform": "ro", "offers": [{"codes": ["x"]}]}, 422, "offers.0.key"),
        ({"platform": "ro", "offers": [{"key": "k", "surprise": 1}]}, 422, "offers.0.surprise"),
        ({"platform": "ro", "offers": "many"}, 422, "offers"),
        ({"platform": "ro", "offers": [{"key": str(i)} for i in range(1001)]}, 422, "offers"),
    ],
)
async def test_malformed_requests_are_4xx(
    catalog: Catalog, body: dict[str, Any], status: int, field: str
) -> None:
    async with catalog.tolerant_client() as client:
        response = await client.post(IMPORT, json=body, headers=auth(ADMIN))
    assert_error(response, status, "validation_error", field)


async def test_only_admin_and_operator_may_import(catalog: Catalog) -> None:
    response = await catalog.client.post(
        IMPORT, json={"platform": "ro", "offers": []}, headers=auth(WAREHOUSE)
    )
    assert_error(response, 403, "forbidden")


async def test_idempotency_key_replays_an_import(catalog: Catalog) -> None:
    body = {"platform": "ro", "offers": [emag_offer()]}
    headers = {**auth(ADMIN), "Idempotency-Key": f"import-{uuid.uuid4()}"}
    first = await catalog.client.post(IMPORT, json=body, headers=headers)
    second = await catalog.client.post(IMPORT, json=body, headers=headers)
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert first.json()["results"][0]["outcome"] == "created"


async def test_concurrent_imports_of_the_same_offers_create_each_product_once(
    catalog: Catalog,
) -> None:
    offers = [emag_offer(codes=[new_sku()], pnk=new_pnk()) for _ in range(30)]
    # overlapping batches in different orders, as two gateway workers might send them
    batches = [offers, list(reversed(offers)), offers[10:], offers[:15]]
    responses = await asyncio.gather(
        *(
            catalog.client.post(
                IMPORT, json={"platform": "ro", "offers": batch}, headers=auth(ADMIN)
            )
            for batch in batches
        )
    )
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    by_key: dict[str, set[str]] = {}
    outcomes: dict[str, list[str]] = {}
    for response in responses:
        for result in response.json()["results"]:
            by_key.setdefault(result["key"], set()).add(result["product_id"])
            outcomes.setdefault(result["key"], []).append(result["outcome"])
    assert all(len(ids) == 1 for ids in by_key.values())
    assert all(o.count("created") == 1 for o in outcomes.values()), outcomes
    skus = [o["codes"][0] for o in offers]
    assert await catalog.count_products("sku = ANY(:s)", s=skus) == 30


async def test_import_rate_10000_offers_in_batches_of_200(catalog: Catalog) -> None:
    """The gateway's import job: 10,000 offers, 200 per request. Prints the rate."""
    run = uuid.uuid4().hex[:8].upper()
    offers = [
        emag_offer(
            f"{run}-{i}",
            codes=[f"BENCH-{run}-{i}", f"SELLER-{run}-{i}"],
            eans=[new_ean()],
            pnk=f"B{run}{i}",
            characteristics={"Culoare": ["Negru"], "Memorie": ["128 GB"]},
        )
        for i in range(10_000)
    ]
    started = time.perf_counter()
    created = 0
    for start in range(0, len(offers), 200):
        results = await catalog.import_offers(offers[start : start + 200])
        created += sum(r["outcome"] == "created" for r in results)
    first = time.perf_counter() - started
    started = time.perf_counter()
    linked = 0
    for start in range(0, len(offers), 200):
        results = await catalog.import_offers(offers[start : start + 200])
        linked += sum(r["outcome"] == "linked" for r in results)
    second = time.perf_counter() - started
    print(
        f"\nimport of 10,000 offers in batches of 200: first (create) {first:.1f} s = "
        f"{10_000 / first:.0f} offers/s; again (all link) {second:.1f} s = "
        f"{10_000 / second:.0f} offers/s"
    )
    assert (created, linked) == (10_000, 10_000)
    assert first < 120 and second < 120  # seconds, not minutes (a loaded CI box included)
