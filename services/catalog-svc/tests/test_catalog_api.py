"""catalog-svc's HTTP API against the real database: products, codes, search, categories,
characteristics, bulk, CSV, events in the outbox, idempotency keys and bad input."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from typing import Any

import pytest
from taraba_testing import ADMIN, OPERATOR, WAREHOUSE, assert_error, auth

from .conftest import PRODUCTS, Catalog, new_ean, new_sku

pytestmark = pytest.mark.integration


# --- products ---------------------------------------------------------------------------------


async def test_create_read_and_every_field(catalog: Catalog) -> None:
    ean, upc = new_ean(), new_ean(12)
    created = await catalog.create(
        token=OPERATOR,
        name="Telefon X",
        description="<p>descriere</p>",
        brand="Acme",
        eans=[ean, upc],
        additional_codes=["ALT-" + new_sku()],
        pnks={"ro": "P" + uuid.uuid4().hex[:8]},
        images=["https://img.example/1.jpg", "http://img.example/2.jpg"],
        characteristics={"Culoare": ["Negru"], "Memorie": ["128 GB", "256 GB"]},
        vat_rate="0.21",
        warranty_months=24,
        weight_kg="0.185",
        length_cm=15.5,
        width_cm="7.10",
        height_cm="0.8",
        bin_location="A-01-3",
    )
    assert created["version"] == 1 and created["active"] is True
    assert created["eans"] == [ean, upc]
    assert created["vat_rate"] == "0.21"
    assert created["weight_kg"] == "0.185"
    assert created["length_cm"] == "15.5"
    assert created["width_cm"] == "7.1"
    assert created["images"][0] == "https://img.example/1.jpg"
    read = await catalog.get(created["id"])
    assert read == created


async def test_warehouse_may_read_but_not_write(catalog: Catalog) -> None:
    created = await catalog.create()
    response = await catalog.client.get(f"{PRODUCTS}/{created['id']}", headers=auth(WAREHOUSE))
    assert response.status_code == 200
    response = await catalog.client.post(
        PRODUCTS, json={"sku": new_sku(), "name": "x"}, headers=auth(WAREHOUSE)
    )
    assert_error(response, 403, "forbidden")
    assert_error(await catalog.client.get(PRODUCTS), 401, "unauthenticated", "Authorization")


async def test_sku_is_unique_case_insensitively(catalog: Catalog) -> None:
    sku = new_sku()
    await catalog.create(sku=sku)
    response = await catalog.client.post(
        PRODUCTS, json={"sku": sku.lower(), "name": "x"}, headers=auth(ADMIN)
    )
    assert_error(response, 409, "conflict", "sku")


async def test_an_ean_belongs_to_one_product_only(catalog: Catalog) -> None:
    ean = new_ean()
    first = await catalog.create(eans=[ean])
    response = await catalog.client.post(
        PRODUCTS,
        json={"sku": new_sku(), "name": "x", "eans": [new_ean(), ean]},
        headers=auth(ADMIN),
    )
    error = assert_error(response, 409, "conflict", "eans.1")
    assert first["id"] in error["message"]
    # ... nor be another product's SKU or additional code
    response = await catalog.client.post(
        PRODUCTS, json={"sku": ean, "name": "x"}, headers=auth(ADMIN)
    )
    assert_error(response, 409, "conflict", "sku")
    response = await catalog.client.post(
        PRODUCTS,
        json={"sku": new_sku(), "name": "x", "additional_codes": [first["sku"]]},
        headers=auth(ADMIN),
    )
    assert_error(response, 409, "conflict", "additional_codes.0")


async def test_a_pnk_is_unique_per_platform(catalog: Catalog) -> None:
    pnk = "P" + uuid.uuid4().hex[:10]
    await catalog.create(pnks={"ro": pnk})
    await catalog.create(pnks={"bg": pnk})  # another platform: fine
    response = await catalog.client.post(
        PRODUCTS, json={"sku": new_sku(), "name": "x", "pnks": {"ro": pnk}}, headers=auth(ADMIN)
    )
    assert_error(response, 409, "conflict", "pnks.ro")


@pytest.mark.parametrize(
    ("body", "field", "fragment"),
    [
        (
            {"eans": ["5901234123458"]},
            "eans.0",
            "check digit of EAN-13 5901234123458 is 8, expected 7",
        ),
        ({"eans": ["96385075"]}, "eans.0", "EAN-8"),
        ({"eans": ["036000291453"]}, "eans.0", "UPC-A"),
        ({"eans": ["10012345678903"]}, "eans.0", "GTIN-14"),
        ({"eans": ["12345"]}, "eans.0", "5 digits"),
        ({"eans": ["59012341234a7"]}, "eans.0", "digits only"),
        ({"images": ["https://ok/1.jpg", "ftp://x/1.jpg"]}, "images.1", "http"),
        ({"images": ["javascript:alert(1)"]}, "images.0", "http"),
        ({"vat_rate": "1.5"}, "vat_rate", "less than 1"),
        ({"vat_rate": "-0.1"}, "vat_rate", "greater than or equal"),
        ({"vat_rate": "0.123456"}, "vat_rate", "digits"),
        ({"warranty_months": -1}, "warranty_months", "greater than"),
        ({"weight_kg": "-1"}, "weight_kg", "greater than"),
        ({"pnks": {"de": "X"}}, "pnks.de.[key]", "ro"),
        ({"pnks": {"ro": "bad pnk"}}, "pnks.ro", "letters"),
        ({"sku": " padded"}, "sku", "spaces"),
        ({"sku": ""}, "sku", "empty"),
        ({"name": ""}, "name", "at least 1"),
        ({"name": "a\x00b"}, "name", "NUL"),
        ({"characteristics": {"Culoare": []}}, "characteristics.Culoare", "at least 1"),
        ({"category_id": str(uuid.uuid4())}, "category_id", "does not exist"),
        ({"surprise": 1}, "surprise", "unknown field"),
    ],
)
async def test_bad_fields_are_4xx_naming_the_field(
    catalog: Catalog, body: dict[str, Any], field: str, fragment: str
) -> None:
    payload = {"sku": new_sku(), "name": "x", **body}
    async with catalog.tolerant_client() as client:
        response = await client.post(PRODUCTS, json=payload, headers=auth(ADMIN))
    assert 400 <= response.status_code < 500, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    assert fragment in error["message"], error


async def test_patch_changes_what_is_sent_and_bumps_the_version(catalog: Catalog) -> None:
    created = await catalog.create(brand="Old", eans=[new_ean()])
    response = await catalog.client.patch(
        f"{PRODUCTS}/{created['id']}",
        json={"brand": "New", "eans": [], "vat_rate": "0.11"},
        headers=auth(OPERATOR),
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert (patched["brand"], patched["eans"], patched["vat_rate"]) == ("New", [], "0.11")
    assert patched["version"] == 2 and patched["name"] == created["name"]
    # the EAN is free again
    await catalog.create(eans=created["eans"])
    # unchanged patch: no new version
    again = await catalog.client.patch(
        f"{PRODUCTS}/{created['id']}", json={"brand": "New"}, headers=auth(OPERATOR)
    )
    assert again.json()["version"] == 2
    assert_error(
        await catalog.client.patch(
            f"{PRODUCTS}/{uuid.uuid4()}", json={"brand": "x"}, headers=auth(ADMIN)
        ),
        404,
        "not_found",
        "product_id",
    )
    assert_error(
        await catalog.client.patch(f"{PRODUCTS}/{created['id']}", json={}, headers=auth(ADMIN)),
        422,
        None,
        "body",
    )


async def test_delete_deactivates(catalog: Catalog) -> None:
    created = await catalog.create()
    response = await catalog.client.delete(f"{PRODUCTS}/{created['id']}", headers=auth(ADMIN))
    assert response.status_code == 200
    assert response.json()["active"] is False
    assert (await catalog.find(code=created["sku"], active="false"))["total"] == 1
    assert (await catalog.find(code=created["sku"], active="true"))["total"] == 0


# --- codes ------------------------------------------------------------------------------------


async def test_find_by_sku_ean_or_additional_code(catalog: Catalog) -> None:
    ean, extra = new_ean(), "X-" + new_sku()
    created = await catalog.create(eans=[ean], additional_codes=[extra])
    for code in (created["sku"], created["sku"].lower(), ean, extra.lower()):
        page = await catalog.find(code=code)
        assert [p["id"] for p in page["items"]] == [created["id"]], code
    assert (await catalog.find(code="NOPE-" + new_sku()))["items"] == []


async def test_add_and_remove_an_additional_code(catalog: Catalog) -> None:
    created = await catalog.create()
    code = "EMAG-" + new_sku()
    response = await catalog.client.post(
        f"{PRODUCTS}/{created['id']}/codes", json={"code": code}, headers=auth(OPERATOR)
    )
    assert response.status_code == 201, response.text
    assert response.json()["additional_codes"] == [code]
    assert response.json()["version"] == 2
    assert (await catalog.find(code=code))["items"][0]["id"] == created["id"]
    # adding it again changes nothing
    again = await catalog.client.post(
        f"{PRODUCTS}/{created['id']}/codes", json={"code": code.lower()}, headers=auth(OPERATOR)
    )
    assert again.status_code == 201 and again.json()["version"] == 2

    response = await catalog.client.delete(
        f"{PRODUCTS}/{created['id']}/codes/{code.lower()}", headers=auth(OPERATOR)
    )
    assert response.status_code == 200, response.text
    assert response.json()["additional_codes"] == []
    assert (await catalog.find(code=code))["items"] == []
    assert_error(
        await catalog.client.delete(
            f"{PRODUCTS}/{created['id']}/codes/{code}", headers=auth(ADMIN)
        ),
        404,
        "not_found",
        "code",
    )


async def test_adding_another_products_code_is_refused(catalog: Catalog) -> None:
    ean, extra = new_ean(), "X-" + new_sku()
    other = await catalog.create(eans=[ean], additional_codes=[extra])
    mine = await catalog.create()
    for code in (other["sku"], ean, extra, other["sku"].lower()):
        response = await catalog.client.post(
            f"{PRODUCTS}/{mine['id']}/codes", json={"code": code}, headers=auth(ADMIN)
        )
        error = assert_error(response, 409, "conflict", "code")
        assert other["id"] in error["message"]
    response = await catalog.client.post(
        f"{PRODUCTS}/{mine['id']}/codes", json={"code": mine["sku"]}, headers=auth(ADMIN)
    )
    assert_error(response, 409, "conflict", "code")
    assert (await catalog.get(mine["id"]))["additional_codes"] == []


async def test_concurrent_claims_of_one_code_give_it_to_one_product(catalog: Catalog) -> None:
    products = [await catalog.create() for _ in range(6)]
    code = "RACE-" + new_sku()
    responses = await asyncio.gather(
        *(
            catalog.client.post(
                f"{PRODUCTS}/{p['id']}/codes", json={"code": code}, headers=auth(ADMIN)
            )
            for p in products
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


# --- listing ----------------------------------------------------------------------------------


async def test_filters_and_paging(catalog: Catalog) -> None:
    brand = "Brand" + uuid.uuid4().hex[:6]
    root = (
        await catalog.client.post(
            "/api/v1/categories", json={"name": "R" + brand}, headers=auth(ADMIN)
        )
    ).json()
    child = (
        await catalog.client.post(
            "/api/v1/categories", json={"name": "C", "parent_id": root["id"]}, headers=auth(ADMIN)
        )
    ).json()
    a = await catalog.create(name=f"Alpha {brand}", brand=brand, category_id=root["id"])
    b = await catalog.create(name=f"Beta {brand}", brand=brand.upper(), category_id=child["id"])
    c = await catalog.create(name=f"Gamma {brand}", brand=brand, active=False)

    assert (await catalog.find(brand=brand.lower()))["total"] == 3
    assert {p["id"] for p in (await catalog.find(brand=brand, active="true"))["items"]} == {
        a["id"],
        b["id"],
    }
    assert [p["id"] for p in (await catalog.find(name="beta " + brand.lower()))["items"]] == [
        b["id"]
    ]
    assert {p["id"] for p in (await catalog.find(category_id=root["id"]))["items"]} == {
        a["id"],
        b["id"],
    }
    only_root = await catalog.find(category_id=root["id"], include_subcategories="false")
    assert [p["id"] for p in only_root["items"]] == [a["id"]]
    assert {p["id"] for p in (await catalog.find(q=brand))["items"]} == {a["id"], b["id"], c["id"]}
    assert [p["id"] for p in (await catalog.find(q=c["sku"]))["items"]] == [c["id"]]
    assert (await catalog.find(q="100%_" + brand))["total"] == 0  # wildcards are literal
    page = await catalog.find(brand=brand, limit=2, offset=0)
    rest = await catalog.find(brand=brand, limit=2, offset=2)
    assert (page["total"], len(page["items"]), len(rest["items"])) == (3, 2, 1)
    pnk = "P" + uuid.uuid4().hex[:8]
    d = await catalog.create(pnks={"hu": pnk})
    assert [p["id"] for p in (await catalog.find(pnk=pnk, platform="hu"))["items"]] == [d["id"]]
    assert (await catalog.find(pnk=pnk, platform="ro"))["total"] == 0


# --- categories and characteristics -----------------------------------------------------------


async def test_category_tree(catalog: Catalog) -> None:
    name = "Electro" + uuid.uuid4().hex[:6]
    post = catalog.client.post
    root = (await post("/api/v1/categories", json={"name": name}, headers=auth(ADMIN))).json()
    phones = (
        await post(
            "/api/v1/categories",
            json={"name": "Telefoane", "parent_id": root["id"]},
            headers=auth(ADMIN),
        )
    ).json()
    tvs = (
        await post(
            "/api/v1/categories",
            json={"name": "Televizoare", "parent_id": root["id"]},
            headers=auth(ADMIN),
        )
    ).json()
    assert phones["path"] == [name, "Telefoane"]
    dup = await post(
        "/api/v1/categories",
        json={"name": "telefoane", "parent_id": root["id"]},
        headers=auth(ADMIN),
    )
    assert_error(dup, 409, "conflict", "name")
    dup_root = await post("/api/v1/categories", json={"name": name.upper()}, headers=auth(ADMIN))
    assert_error(dup_root, 409, "conflict", "name")
    unknown = await post(
        "/api/v1/categories",
        json={"name": "x", "parent_id": str(uuid.uuid4())},
        headers=auth(ADMIN),
    )
    assert_error(unknown, 422, None, "parent_id")

    tree = (await catalog.client.get("/api/v1/categories", headers=auth(WAREHOUSE))).json()
    [node] = [n for n in tree if n["id"] == root["id"]]
    assert [c["name"] for c in node["children"]] == ["Telefoane", "Televizoare"]

    moved = await catalog.client.patch(
        f"/api/v1/categories/{tvs['id']}",
        json={"parent_id": phones["id"], "name": "TV"},
        headers=auth(ADMIN),
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["path"] == [name, "Telefoane", "TV"]
    cycle = await catalog.client.patch(
        f"/api/v1/categories/{root['id']}", json={"parent_id": tvs["id"]}, headers=auth(ADMIN)
    )
    assert_error(cycle, 409, "conflict", "parent_id")

    await catalog.create(category_id=tvs["id"])
    busy = await catalog.client.delete(f"/api/v1/categories/{tvs['id']}", headers=auth(ADMIN))
    assert_error(busy, 409, "conflict", "category_id")
    parent = await catalog.client.delete(f"/api/v1/categories/{phones['id']}", headers=auth(ADMIN))
    assert_error(parent, 409, "conflict", "category_id")
    empty = (
        await post(
            "/api/v1/categories", json={"name": "Gol", "parent_id": root["id"]}, headers=auth(ADMIN)
        )
    ).json()
    gone = await catalog.client.delete(f"/api/v1/categories/{empty['id']}", headers=auth(ADMIN))
    assert gone.status_code == 204
    read = await catalog.client.get(f"/api/v1/categories/{empty['id']}", headers=auth(ADMIN))
    assert_error(read, 404, "not_found", "category_id")


async def test_characteristics_and_their_values(catalog: Catalog) -> None:
    name = "Culoare" + uuid.uuid4().hex[:6]
    created = await catalog.client.post(
        "/api/v1/characteristics",
        json={"name": name, "values": ["Negru", "Alb", "negru"]},
        headers=auth(ADMIN),
    )
    assert created.status_code == 201, created.text
    assert created.json()["values"] == ["Negru", "Alb"]
    dup = await catalog.client.post(
        "/api/v1/characteristics", json={"name": name.lower()}, headers=auth(ADMIN)
    )
    assert_error(dup, 409, "conflict", "name")
    listed = (await catalog.client.get("/api/v1/characteristics", headers=auth(ADMIN))).json()
    assert name in [c["name"] for c in listed]

    await catalog.create(characteristics={name.lower(): ["alb"]})
    bad = await catalog.client.post(
        PRODUCTS,
        json={"sku": new_sku(), "name": "x", "characteristics": {name: ["Alb", "Mov"]}},
        headers=auth(ADMIN),
    )
    error = assert_error(bad, 422, "invalid_characteristic", f"characteristics.{name}.1")
    assert "'Mov'" in error["message"]

    patched = await catalog.client.patch(
        f"/api/v1/characteristics/{created.json()['id']}",
        json={"values": ["Mov"]},
        headers=auth(ADMIN),
    )
    assert patched.json()["values"] == ["Mov"]
    deleted = await catalog.client.delete(
        f"/api/v1/characteristics/{created.json()['id']}", headers=auth(ADMIN)
    )
    assert deleted.status_code == 204


# --- events -----------------------------------------------------------------------------------


async def test_every_change_writes_one_event_with_the_full_state(catalog: Catalog) -> None:
    correlation = f"corr-{uuid.uuid4()}"
    response = await catalog.client.post(
        PRODUCTS,
        json={"sku": new_sku(), "name": "Ev", "vat_rate": "0.21", "eans": [new_ean()]},
        headers={**auth(ADMIN), "X-Correlation-ID": correlation},
    )
    created = response.json()
    pid = created["id"]
    await catalog.client.patch(f"{PRODUCTS}/{pid}", json={"name": "Ev 2"}, headers=auth(ADMIN))
    await catalog.client.patch(f"{PRODUCTS}/{pid}", json={"name": "Ev 2"}, headers=auth(ADMIN))
    await catalog.client.post(
        f"{PRODUCTS}/{pid}/codes", json={"code": "EV-" + new_sku()}, headers=auth(ADMIN)
    )
    rows = await catalog.outbox(pid)
    assert [key for key, _ in rows] == [
        "catalog.product_created.v1",
        "catalog.product_updated.v1",
        "catalog.product_updated.v1",
    ]
    assert [env["sequence"] for _, env in rows] == [1, 2, 3]
    assert {env["source"] for _, env in rows} == {"catalog-svc"}
    assert rows[0][1]["correlation_id"] == correlation
    first = rows[0][1]["payload"]
    assert first["product_id"] == pid and first["product_version"] == 1
    assert first["sku"] == created["sku"] and first["vat_rate"] == "0.21"
    assert first["eans"] == created["eans"]
    assert rows[1][1]["payload"]["changed_fields"] == ["name"]
    assert rows[1][1]["payload"]["name"] == "Ev 2"
    assert rows[2][1]["payload"]["changed_fields"] == ["additional_codes"]
    from taraba_contracts import parse_envelope, parse_event

    for _, envelope in rows:
        parse_event(parse_envelope(json.dumps(envelope)))


async def test_a_refused_write_leaves_no_event(catalog: Catalog) -> None:
    ean = new_ean()
    await catalog.create(eans=[ean])
    sku = new_sku()
    response = await catalog.client.post(
        PRODUCTS, json={"sku": sku, "name": "x", "eans": [ean]}, headers=auth(ADMIN)
    )
    assert response.status_code == 409
    assert await catalog.count_products("upper(sku) = :s", s=sku) == 0


# --- idempotency keys -------------------------------------------------------------------------


async def test_idempotency_key_replays_a_create(catalog: Catalog) -> None:
    body = {"sku": new_sku(), "name": "once"}
    headers = {**auth(ADMIN), "Idempotency-Key": f"k-{uuid.uuid4()}"}
    first = await catalog.client.post(PRODUCTS, json=body, headers=headers)
    second = await catalog.client.post(PRODUCTS, json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert len(await catalog.outbox(first.json()["id"])) == 1
    reused = await catalog.client.post(PRODUCTS, json={**body, "name": "other"}, headers=headers)
    assert_error(reused, 422, "idempotency_key_reused", "Idempotency-Key")


# --- bulk -------------------------------------------------------------------------------------


async def test_bulk_creates_updates_and_reports_per_item(catalog: Catalog) -> None:
    existing = await catalog.create(brand="Old")
    same = await catalog.create(brand="Same")
    taken_ean = new_ean()
    await catalog.create(eans=[taken_ean])
    new_a, new_b = new_sku(), new_sku()
    items: list[Any] = [
        {"sku": new_a, "name": "A", "eans": [new_ean()]},
        {"sku": existing["sku"].lower(), "name": existing["name"], "brand": "New"},
        {"sku": new_b, "name": "B", "eans": ["5901234123458"]},
        {"sku": new_sku(), "name": "C", "eans": [taken_ean]},
        {"sku": new_a, "name": "A again"},
        {"sku": same["sku"], "name": same["name"], "brand": "Same"},
        {"name": "no sku"},
        "not an object",
    ]
    response = await catalog.client.post(
        f"{PRODUCTS}/bulk", json={"items": items}, headers=auth(OPERATOR)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    outcomes = [r["outcome"] for r in body["results"]]
    assert outcomes == [
        "created",
        "updated",
        "error",
        "error",
        "error",
        "unchanged",
        "error",
        "error",
    ]
    assert (body["created"], body["updated"], body["unchanged"], body["errors"]) == (1, 1, 1, 5)
    results = body["results"]
    assert results[1]["product_id"] == existing["id"] and results[1]["version"] == 2
    assert (
        results[2]["error"]["field"] == "eans.0" and "check digit" in results[2]["error"]["message"]
    )
    assert results[3]["error"]["field"] == "eans.0" and results[3]["error"]["code"] == "conflict"
    assert results[4]["error"]["field"] == "sku"
    assert results[6]["error"]["field"] == "sku"
    assert (await catalog.get(existing["id"]))["brand"] == "New"
    assert await catalog.count_products("upper(sku) = :s", s=new_b) == 0


async def test_bulk_of_1000_then_1001_is_refused(catalog: Catalog) -> None:
    prefix = new_sku()
    items = [{"sku": f"{prefix}-{i}", "name": f"P {i}", "eans": [new_ean()]} for i in range(1000)]
    response = await catalog.client.post(
        f"{PRODUCTS}/bulk", json={"items": items}, headers=auth(ADMIN)
    )
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1000
    again = await catalog.client.post(
        f"{PRODUCTS}/bulk", json={"items": items}, headers=auth(ADMIN)
    )
    assert again.json()["unchanged"] == 1000
    too_many = await catalog.client.post(
        f"{PRODUCTS}/bulk", json={"items": [*items, items[0]]}, headers=auth(ADMIN)
    )
    assert_error(too_many, 422, "validation_error", "items")


# --- CSV --------------------------------------------------------------------------------------


async def test_csv_export_streams_every_product(catalog: Catalog) -> None:
    brand = "Csv" + uuid.uuid4().hex[:6]
    ean = new_ean()
    created = await catalog.create(
        brand=brand,
        eans=[ean],
        name='Nume, cu "ghilimele"',
        vat_rate="0.11",
        characteristics={"Culoare": ["Roșu"]},
        pnks={"bg": "P" + uuid.uuid4().hex[:6]},
    )
    for i in range(3):
        await catalog.create(brand=brand, name=f"n{i}")
    async with catalog.client.stream(
        "GET", f"{PRODUCTS}/export.csv", params={"brand": brand}, headers=auth(WAREHOUSE)
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        text = (await response.aread()).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 4
    [row] = [r for r in rows if r["id"] == created["id"]]
    assert row["name"] == 'Nume, cu "ghilimele"'
    assert row["eans"] == ean and row["vat_rate"] == "0.11"
    assert row["pnk_bg"] == created["pnks"]["bg"]
    assert json.loads(row["characteristics"]) == {"Culoare": ["Roșu"]}
