"""Transport rules of emag-api.md §1: auth, URLs, encodings, envelope, pagination, limits."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from emag_sandbox.settings import SandboxSettings

DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


async def test_wrong_credentials_get_401_with_the_envelope(env):
    for auth in [("seller", "wrong"), ("nobody", "x")]:
        response = await env.api("vat/read", {}, auth=auth)
        assert response.status_code == 401
        assert response.json() == {
            "isError": True,
            "messages": ["Invalid username or password"],
            "results": [],
        }
    response = await env.client.post("/api-3/vat/read", json={})  # no Authorization at all
    assert response.status_code == 401


async def test_ip_not_allow_listed(env):
    await env.admin("PATCH", "/accounts/seller", {"ip_failure": True})
    response = await env.api("vat/read", {})
    assert response.status_code == 200
    body = response.json()
    assert body["isError"] is True
    assert "Invalid vendor ip" in body["messages"][0]
    assert "203.0.113.7" in body["messages"][0]


async def test_api_rights_missing_gives_403(env):
    await env.admin("PATCH", "/accounts/seller", {"api_allowed": False})
    response = await env.api("vat/read", {})
    assert response.status_code == 403
    assert response.json()["messages"] == ["You are not allowed to use this API."]


async def test_unknown_urls_and_wrong_methods(env):
    response = await env.api("nothing/read", {})
    assert (response.status_code, response.json()) == (404, {"message": "Invalid URL"})
    response = await env.client.post("/api-3/api-3/vat/read", json={}, auth=env.auth)
    assert response.status_code == 404
    # reads are POST; a GET on a read route matches no route
    response = await env.api("product_offer/read", method="GET")
    assert response.status_code == 404
    assert response.json() == {"message": "no Route matched with those values"}
    response = await env.client.get("/elsewhere")
    assert response.status_code == 404


async def test_envelope_and_string_numbers(env):
    results = await env.ok("product_offer/read", {"itemsPerPage": 5})
    offer = results[0]
    assert isinstance(offer["id"], int)
    assert re.fullmatch(r"\d+\.\d{4}", offer["sale_price"])
    assert re.fullmatch(r"\d+\.\d{4}", offer["min_sale_price"])
    assert DATETIME_RE.match(offer["modified"])
    response = await env.api("vat/read", {})
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"isError", "messages", "results"}


async def test_dates_are_bucharest_local_time(env):
    order = await env.place(count=1)
    sandbox_order = env.sandbox.store.accounts["seller"].orders[order["id"]]
    local = sandbox_order.created.astimezone(ZoneInfo("Europe/Bucharest"))
    assert order["created"] == local.strftime("%Y-%m-%d %H:%M:%S")
    assert DATETIME_RE.match(order["created"])
    # and a filter in local time selects it
    after = local.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
    found = await env.ok("order/read", {"createdAfter": after})
    assert [o["id"] for o in found] == [order["id"]]
    later = datetime(local.year + 1, 1, 1).strftime("%Y-%m-%d %H:%M:%S")
    assert await env.ok("order/read", {"createdAfter": later}) == []


async def test_read_filters_top_level_and_data_wrapper_ignored(env):
    first = (await env.ok("product_offer/read", {"itemsPerPage": 1}))[0]
    filtered = await env.ok("product_offer/read", {"id": first["id"] + 1})
    assert [o["id"] for o in filtered] == [first["id"] + 1]
    # [ED]: filters wrapped in "data" are ignored -> the unfiltered first page
    wrapped = await env.ok("product_offer/read", {"data": {"id": first["id"] + 1}})
    assert len(wrapped) == 100
    # unknown filter keys are silently ignored
    assert len(await env.ok("product_offer/read", {"idd": 5})) == 100


async def test_read_filters_in_data_can_be_unwrapped(make_env):
    async with make_env(offers=20, read_filters_in_data="unwrap") as env:
        wrapped = await env.ok("product_offer/read", {"data": {"id": 1005}})
        assert [o["id"] for o in wrapped] == [1005]


async def test_form_encoded_reads_are_unwrapped(env):
    body = urlencode({"data[id]": "1003"})
    results = await env.ok(
        "product_offer/read",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert [o["id"] for o in results] == [1003]


async def test_save_encodings(env):
    def update(price: str) -> dict[str, object]:
        return {"id": 1001, "sale_price": price}

    offer = env.sandbox.store.accounts["seller"].offers[1001]
    low, high = offer.min_sale_price, offer.max_sale_price
    assert low is not None and high is not None
    prices = [str((low + (high - low) * k / 10).quantize(low)) for k in range(1, 5)]
    # {"data": [...]}
    res = await env.ok("offer/save", {"data": [update(prices[0])]})
    assert res["1001"]["isError"] is False
    # a bare list
    res = await env.ok("offer/save", [update(prices[1])])
    assert res["1001"]["isError"] is False
    # form-encoded data=<JSON>
    res = await env.ok(
        "offer/save",
        content=urlencode({"data": json.dumps([update(prices[2])])}),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert res["1001"]["isError"] is False
    # form-encoded PHP bracket notation (http_build_query)
    form = urlencode(
        {
            "data[0][id]": "1001",
            "data[0][sale_price]": prices[3],
            "data[0][stock][0][warehouse_id]": "1",
            "data[0][stock][0][value]": "7",
        }
    )
    res = await env.ok(
        "offer/save", content=form, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert res["1001"]["isError"] is False
    assert str(offer.sale_price) == prices[3]
    assert offer.stock == [{"warehouse_id": 1, "value": 7}]
    assert len(offer.price_history) >= 5


async def test_single_object_save_is_refused(env):
    response = await env.api("order/save", {"id": 1, "status": 2, "type": 3})
    body = response.json()
    assert body["isError"] is True
    assert body["messages"] == ["Expected list of arrays, single array received"]
    response = await env.api("offer/save", {"data": {"id": 1001, "status": 1}})
    assert response.json()["messages"] == ["Expected list of arrays, single array received"]


async def test_fifty_items_per_save(env):
    items = [{"id": 1001 + i, "status": 1} for i in range(51)]
    body = (await env.api("offer/save", {"data": items})).json()
    assert body["isError"] is True
    assert "50" in body["messages"][0]
    body = (await env.api("offer/save", {"data": items[:50]})).json()
    assert body["isError"] is False
    assert len(body["results"]) == 50


async def test_four_thousand_input_vars(env):
    chars = [{"id": 5213, "value": f"{i} W"} for i in range(2001)]  # 4002 leaves
    item = {"id": 9001, "name": "x", "characteristics": chars}
    body = (await env.api("product_offer/save", {"data": [item]})).json()
    assert body == {
        "isError": True,
        "messages": ["Maximum input vars of 4000 exceeded"],
        "results": [],
    }
    assert 9001 not in env.sandbox.store.accounts["seller"].offers


async def test_pagination_caps_and_counts(env):
    page = await env.ok("product_offer/read", {"itemsPerPage": 500})
    assert len(page) == 100  # silently capped
    page2 = await env.ok("product_offer/read", {"currentPage": 2, "itemsPerPage": 100})
    assert len(page2) == 50  # short page: the end
    assert page2[0]["id"] == page[-1]["id"] + 1
    assert await env.ok("product_offer/read", {"currentPage": 3}) == []
    count = await env.ok("product_offer/count", {})
    assert count == {"noOfItems": "150", "noOfPages": 2, "itemsPerPage": 100}
    count = await env.ok("product_offer/count", {"itemsPerPage": "40"})
    assert count == {"noOfItems": "150", "noOfPages": 4, "itemsPerPage": 40}
    by_string = await env.ok("product_offer/read", {"currentPage": "2", "itemsPerPage": "60"})
    assert len(by_string) == 60


async def test_settings_from_env():
    settings = SandboxSettings.from_env(
        {
            "EMAG_SANDBOX_RATE_LIMITS_ENABLED": "false",
            "EMAG_SANDBOX_CALLBACK_INTERVAL_SECONDS": "2.5",
            "EMAG_SANDBOX_SEED_DEMO": "1",
            "EMAG_SANDBOX_DEMO_USERNAME": "demo",
            "EMAG_SANDBOX_ADMIN_TOKEN": "",
            "OTHER": "x",
        }
    )
    assert settings.rate_limits_enabled is False
    assert settings.callback_interval_seconds == 2.5
    assert settings.seed_demo is True
    assert settings.demo_username == "demo"
    assert settings.admin_token is None
    assert SandboxSettings.from_env({}).rate_limits_enabled is True
