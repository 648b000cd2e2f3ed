"""emag_gateway.emag.client against respx fixtures shaped as in emag-api.md. No I/O."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import respx
from emag_gateway.emag.client import EmagClient, count_leaves, normalise_base_url
from emag_gateway.emag.errors import (
    EmagApiError,
    EmagAuthError,
    EmagInvalidResponse,
    EmagIpNotAllowed,
    EmagRateLimited,
    EmagRequestTooLarge,
    EmagUnavailable,
)
from emag_gateway.emag.journal import CallRecord, MemoryRecorder
from emag_gateway.emag.ratelimit import LimiterRegistry, RateLimits

BASE = "https://emag.test/api-3"
USER = "seller@example.ro"
PASSWORD = "S3cret-Passw0rd!"


def ok(results: Any, **extra: Any) -> httpx.Response:
    return httpx.Response(200, json={"isError": False, "messages": [], "results": results, **extra})


def refused(*messages: Any) -> httpx.Response:
    return httpx.Response(200, json={"isError": True, "messages": list(messages), "results": []})


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


@dataclass
class Harness:
    client: EmagClient
    journal: MemoryRecorder
    clock: FakeClock
    backoffs: list[float] = field(default_factory=list)

    @property
    def records(self) -> list[CallRecord]:
        return self.journal.records


@pytest.fixture
async def emag() -> AsyncIterator[Harness]:
    """A client on a fake clock (limiter) with recorded, instant backoff sleeps."""
    clock = FakeClock()
    journal = MemoryRecorder()
    backoffs: list[float] = []

    async def backoff_sleep(seconds: float) -> None:
        backoffs.append(seconds)

    client = EmagClient(
        BASE,
        USER,
        PASSWORD,
        account_key="acc-1",
        platform="ro",
        recorder=journal,
        limiters=LimiterRegistry(clock=clock, sleep=clock.sleep),
        sleep=backoff_sleep,
    )
    async with client:
        yield Harness(client, journal, clock, backoffs)


# ---------------------------------------------------------------------------- basics


@respx.mock
async def test_success_sends_basic_auth_and_top_level_filters(emag: Harness) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(
        return_value=ok([{"vat_id": 1, "vat_rate": "0.21", "is_default": 1}])
    )
    rates = await emag.client.read_vat_rates()
    assert [(r.id, r.rate, r.is_default) for r in rates] == [(1, Decimal("0.21"), True)]
    request = route.calls.last.request
    expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {expected}"
    assert json.loads(request.content) == {}
    [record] = emag.records
    assert (record.route, record.method, record.outcome, record.attempt) == (
        "vat/read",
        "POST",
        "ok",
        1,
    )
    assert record.response_status == 200
    assert record.started_at.tzinfo is UTC


def test_urls_never_double_the_api_prefix() -> None:
    client = EmagClient(BASE + "/", USER, PASSWORD, account_key="x")
    assert client.url_of("/api-3/order/read") == f"{BASE}/order/read"
    assert client.url_of("order/read") == f"{BASE}/order/read"
    assert normalise_base_url("http://localhost:8010") == "http://localhost:8010/api-3"
    assert normalise_base_url("http://localhost:8010/api-3/") == "http://localhost:8010/api-3"
    with pytest.raises(ValueError):
        normalise_base_url("not a url")


@respx.mock
async def test_is_error_raises_api_error_without_retry(emag: Harness) -> None:
    route = respx.post(f"{BASE}/order/read").mock(
        return_value=refused({"field": "createdBefore", "message": "requires createdAfter"})
    )
    with pytest.raises(EmagApiError) as info:
        await emag.client.read_orders(created_before="2026-01-01 00:00:00")
    assert info.value.messages == ["createdBefore: requires createdAfter"]
    assert info.value.route == "order/read"
    assert route.call_count == 1
    assert [r.outcome for r in emag.records] == ["api_error"]
    assert emag.backoffs == []


@respx.mock
async def test_offer_save_per_item_failures_are_data(emag: Harness) -> None:
    route = respx.post(f"{BASE}/offer/save").mock(
        return_value=ok(
            {
                "243409": {"isError": False, "messages": ["Offer 243409 updated successfully"]},
                "243410": {
                    "isError": True,
                    "messages": [
                        "Stock should be 0 or more",
                        {"message": "The stock field is mandatory."},
                    ],
                },
            },
            errors=[],
        )
    )
    offers: list[dict[str, Any]] = [
        {"id": 243409, "sale_price": "99.1736"},
        {"id": 243410, "stock": [{"warehouse_id": 1, "value": -1}]},
        {"id": 243411, "status": 1},
    ]
    result = await emag.client.save_offers(offers)
    assert json.loads(route.calls.last.request.content) == {"data": offers}
    by_id = result.by_id()
    assert by_id[243409].ok and by_id[243409].reported
    assert not by_id[243410].ok
    assert by_id[243410].messages == [
        "Stock should be 0 or more",
        "The stock field is mandatory.",
    ]
    assert by_id[243411].ok and not by_id[243411].reported  # eMAG said nothing about it
    assert [f.id for f in result.failed] == [243410]
    assert emag.records[0].outcome == "ok"


# ---------------------------------------------------------------------------- retries


@respx.mock
async def test_429_with_retry_after_pauses_the_bucket_then_succeeds(emag: Harness) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(
        side_effect=[
            httpx.Response(
                429, json={"message": "API rate limit exceeded"}, headers={"Retry-After": "7"}
            ),
            ok([]),
        ]
    )
    start = emag.clock()
    assert await emag.client.read_vat_rates() == []
    assert route.call_count == 2
    assert emag.clock() - start >= 7  # the limiter waited out Retry-After
    assert emag.backoffs == []  # ... instead of the 5xx backoff
    assert [(r.outcome, r.attempt, r.response_status) for r in emag.records] == [
        ("rate_limited", 1, 429),
        ("ok", 2, 200),
    ]
    assert emag.records[0].response_body == {"message": "API rate limit exceeded"}


@respx.mock
async def test_429_without_retry_after_uses_a_default_pause(emag: Harness) -> None:
    respx.post(f"{BASE}/offer/save").mock(
        side_effect=[httpx.Response(429, json={"message": "API rate limit exceeded"}), ok({})]
    )
    start = emag.clock()
    await emag.client.save_offers([{"id": 1, "status": 1}])
    assert emag.clock() - start >= 1.0


@respx.mock
async def test_429_that_persists_raises_rate_limited(emag: Harness) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(
        return_value=httpx.Response(429, json={"message": "API rate limit exceeded"})
    )
    with pytest.raises(EmagRateLimited) as info:
        await emag.client.read_vat_rates()
    assert route.call_count == 4
    assert info.value.attempts == 4
    assert [r.outcome for r in emag.records] == ["rate_limited"] * 4


@respx.mock
async def test_5xx_then_success(emag: Harness) -> None:
    route = respx.post(f"{BASE}/product_offer/read").mock(
        side_effect=[httpx.Response(502, text="<html>Bad gateway</html>"), ok([])]
    )
    assert await emag.client.read_product_offers() == []
    assert route.call_count == 2
    assert len(emag.backoffs) == 1
    assert [r.outcome for r in emag.records] == ["http_error", "ok"]
    assert emag.records[0].response_body == {"text": "<html>Bad gateway</html>"}


@respx.mock
async def test_5xx_forever_gives_unavailable_after_max_attempts(emag: Harness) -> None:
    route = respx.post(f"{BASE}/product_offer/read").mock(return_value=httpx.Response(500))
    with pytest.raises(EmagUnavailable) as info:
        await emag.client.read_product_offers()
    assert route.call_count == 4
    assert info.value.http_status == 500
    assert "down or having trouble" in str(info.value)
    assert [r.attempt for r in emag.records] == [1, 2, 3, 4]
    assert len(emag.backoffs) == 3
    # Jittered exponential: each within [ceiling/2, ceiling] of 0.5, 1, 2 s.
    for backoff, ceiling in zip(emag.backoffs, (0.5, 1.0, 2.0), strict=True):
        assert ceiling / 2 <= backoff <= ceiling


@respx.mock
async def test_timeouts_are_retried_then_reported(emag: Harness) -> None:
    route = respx.post(f"{BASE}/order/read").mock(
        side_effect=[httpx.ReadTimeout("slow"), ok([{"id": 1}])]
    )
    orders = await emag.client.read_orders()
    assert [o.id for o in orders] == [1]
    assert route.call_count == 2
    assert [r.outcome for r in emag.records] == ["timeout", "ok"]
    assert emag.records[0].response_status is None

    route.mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(EmagUnavailable, match="did not answer"):
        await emag.client.read_orders()
    assert [r.outcome for r in emag.records[2:]] == ["timeout"] * 4


@respx.mock
async def test_connection_errors_are_retried(emag: Harness) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(EmagUnavailable, match="Could not reach eMAG"):
        await emag.client.read_vat_rates()
    assert route.call_count == 4
    assert {r.outcome for r in emag.records} == {"network_error"}


@respx.mock
async def test_awb_save_is_not_retried_when_it_may_have_arrived(emag: Harness) -> None:
    route = respx.post(f"{BASE}/awb/save").mock(return_value=httpx.Response(504))
    with pytest.raises(EmagUnavailable):
        await emag.client.save_awb({"order_id": 1, "cod": 0})
    assert route.call_count == 1  # a second AWB would be a second parcel
    route.mock(side_effect=[httpx.ConnectError("refused"), ok([{"emag_id": 9755945}])])
    saved = await emag.client.save_awb({"order_id": 1, "cod": 0})
    assert saved.first_emag_id == 9755945  # never sent the first time: safe to retry


# ---------------------------------------------------------------------------- bad answers


@pytest.mark.parametrize(
    ("response", "fragment"),
    [
        (httpx.Response(200, text="<!DOCTYPE html><html>Maintenance</html>"), "HTML page"),
        (httpx.Response(200, text=""), "empty body"),
        (httpx.Response(200, text="OK"), "not JSON"),
        (httpx.Response(200, json=[1, 2, 3]), "without its envelope"),
        (httpx.Response(200, json={"foo": "bar"}), "without its envelope"),
    ],
)
@respx.mock
async def test_non_envelope_answers_are_invalid_responses(
    emag: Harness, response: httpx.Response, fragment: str
) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(return_value=response)
    with pytest.raises(EmagInvalidResponse, match=fragment):
        await emag.client.read_vat_rates()
    assert route.call_count == 1  # never a silent retry loop
    assert [r.outcome for r in emag.records] == ["invalid_response"]


@respx.mock
async def test_unreadable_item_is_an_invalid_response_not_a_crash(emag: Harness) -> None:
    respx.post(f"{BASE}/order/read").mock(return_value=ok([{"id": 1, "shipping_tax": "lots"}]))
    with pytest.raises(EmagInvalidResponse) as info:
        await emag.client.read_orders()
    assert "shipping_tax" in info.value.messages[0]
    assert emag.records[0].outcome == "invalid_response"


@respx.mock
async def test_wrong_credentials_are_an_auth_error_without_retry(emag: Harness) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(
        return_value=httpx.Response(401, json={"message": "Unauthorized"})
    )
    with pytest.raises(EmagAuthError) as info:
        await emag.client.read_vat_rates()
    assert route.call_count == 1
    assert "username or password" in info.value.seller_message
    assert "API rights" in info.value.seller_message
    assert [(r.outcome, r.response_status) for r in emag.records] == [("http_error", 401)]


@respx.mock
async def test_api_rights_off_is_an_auth_error(emag: Harness) -> None:
    respx.patch(f"{BASE}/offer_stock/6050").mock(
        return_value=httpx.Response(
            403,
            json={
                "isError": True,
                "messages": ["You are not allowed to use this API."],
                "results": [],
            },
        )
    )
    with pytest.raises(EmagAuthError):
        await emag.client.update_offer_stock(6050, 3)


@respx.mock
async def test_invalid_vendor_ip(emag: Harness) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(return_value=refused("Invalid vendor ip"))
    with pytest.raises(EmagIpNotAllowed) as info:
        await emag.client.read_vat_rates()
    assert route.call_count == 1
    assert "allow-list" in info.value.seller_message
    route.mock(return_value=httpx.Response(403, json={"messages": [{"text": "Invalid vendor ip"}]}))
    with pytest.raises(EmagIpNotAllowed):
        await emag.client.read_vat_rates()


@respx.mock
async def test_a_redirect_is_an_invalid_response(emag: Harness) -> None:
    respx.post(f"{BASE}/vat/read").mock(
        return_value=httpx.Response(301, headers={"location": "https://emag.test/login"})
    )
    with pytest.raises(EmagInvalidResponse, match="redirect"):
        await emag.client.read_vat_rates()


@respx.mock
async def test_unknown_route_explains_the_base_url(emag: Harness) -> None:
    respx.post(f"{BASE}/vat/read").mock(
        return_value=httpx.Response(404, json={"message": "no Route matched with those values"})
    )
    with pytest.raises(EmagApiError, match="base URL"):
        await emag.client.read_vat_rates()


# ---------------------------------------------------------------------------- pagination


def offers_page(start: int, count: int) -> list[dict[str, Any]]:
    return [
        {"id": str(i), "sale_price": "10.5000", "status": "1"} for i in range(start, start + count)
    ]


@respx.mock
async def test_pagination_until_a_short_page(emag: Harness) -> None:
    route = respx.post(f"{BASE}/product_offer/read").mock(
        side_effect=[ok(offers_page(1, 100)), ok(offers_page(101, 100)), ok(offers_page(201, 37))]
    )
    count = respx.post(f"{BASE}/product_offer/count")
    offers = [o async for o in emag.client.iter_product_offers(status=1)]
    assert [o.id for o in offers] == list(range(1, 238))
    assert offers[0].sale_price == Decimal("10.5000")
    bodies = [json.loads(c.request.content) for c in route.calls]
    assert bodies == [{"status": 1, "currentPage": page, "itemsPerPage": 100} for page in (1, 2, 3)]
    assert not count.called  # counts are never trusted to end pagination


@respx.mock
async def test_pagination_ends_on_an_empty_page(emag: Harness) -> None:
    route = respx.post(f"{BASE}/order/read").mock(
        side_effect=[ok([{"id": i} for i in range(1, 101)]), ok([])]
    )
    orders = [o async for o in emag.client.iter_orders(type=2)]
    assert len(orders) == 100
    assert route.call_count == 2


@respx.mock
async def test_a_server_ignoring_current_page_does_not_loop_forever(emag: Harness) -> None:
    route = respx.post(f"{BASE}/product_offer/read").mock(return_value=ok(offers_page(1, 100)))
    with pytest.raises(EmagInvalidResponse, match="not advancing"):
        _ = [o async for o in emag.client.iter_product_offers()]
    assert route.call_count == 2


@respx.mock
async def test_counts_tolerate_strings(emag: Harness) -> None:
    respx.post(f"{BASE}/order/count").mock(
        return_value=ok({"noOfItems": "1234", "noOfPages": "13", "itemsPerPage": 100})
    )
    count = await emag.client.count_orders(status=[1, 2])
    assert (count.no_of_items, count.no_of_pages, count.items_per_page) == (1234, 13, 100)


# ---------------------------------------------------------------------------- limits


@respx.mock
async def test_more_than_50_items_are_refused_before_sending(emag: Harness) -> None:
    route = respx.post(f"{BASE}/offer/save")
    with pytest.raises(EmagRequestTooLarge, match="at most 50"):
        await emag.client.save_offers([{"id": i, "status": 1} for i in range(51)])
    assert not route.called
    [record] = emag.records
    assert record.attempt == 0 and record.response_status is None
    assert record.request_body == {"not_sent": True, "items": 51, "leaf_values": 102}


@respx.mock
async def test_more_than_4000_values_are_refused_before_sending(emag: Harness) -> None:
    route = respx.post(f"{BASE}/product_offer/save")
    product = {
        "id": 1,
        "characteristics": [{"id": c, "value": f"v{c}"} for c in range(90)],
    }  # 181 leaves
    items = [{**product, "id": i} for i in range(23)]  # 4163 leaves, 23 items
    assert count_leaves({"data": items}) > 4000
    with pytest.raises(EmagRequestTooLarge, match="4000"):
        await emag.client.save_product_offers(items)
    assert not route.called
    with pytest.raises(EmagRequestTooLarge):
        await emag.client.call("order/save", [{"id": i} for i in range(60)])


# ---------------------------------------------------------------------------- typed routes


@respx.mock
async def test_orders_parse_numbers_dates_and_filters_in_local_time(emag: Harness) -> None:
    route = respx.post(f"{BASE}/order/read").mock(
        return_value=ok(
            [
                {
                    "id": "500822531",
                    "status": 1,
                    "type": 3,
                    "created": "2026-07-03 10:15:22",
                    "shipping_tax": "19.99",
                    "products": [{"id": 82407, "product_id": "6050", "sale_price": "99.1736"}],
                }
            ]
        )
    )
    [order] = await emag.client.read_orders(
        modified_after=datetime(2026, 7, 3, 6, 0, tzinfo=UTC), status=1
    )
    body = json.loads(route.calls.last.request.content)
    assert body["modifiedAfter"] == "2026-07-03 09:00:00"  # Bucharest, summer time
    assert body["status"] == 1 and body["itemsPerPage"] == 100
    assert order.created == datetime(2026, 7, 3, 7, 15, 22, tzinfo=UTC)
    assert order.shipping_tax == Decimal("19.99")
    assert order.products[0].product_id == 6050
    assert order.raw["id"] == "500822531"


@respx.mock
async def test_other_platforms_use_their_zone() -> None:
    respx.post(f"{BASE}/order/read").mock(
        return_value=ok([{"id": 1, "created": "2026-02-03 10:00:00"}])
    )
    async with EmagClient(
        BASE, USER, PASSWORD, account_key="hu", platform="HU", limiters=LimiterRegistry()
    ) as client:
        [order] = await client.read_orders()
    assert order.created == datetime(2026, 2, 3, 9, 0, tzinfo=UTC)


@respx.mock
async def test_save_orders_sends_the_order_back_whole(emag: Harness) -> None:
    raw = {"id": "7", "status": 2, "type": 3, "products": [], "unknown": {"x": 1}}
    respx.post(f"{BASE}/order/read").mock(return_value=ok([raw]))
    save = respx.post(f"{BASE}/order/save").mock(return_value=ok([]))
    [order] = await emag.client.read_orders(id=7)
    await emag.client.save_orders([order])
    assert json.loads(save.calls.last.request.content) == {"data": [raw]}


@respx.mock
async def test_acknowledge_treats_already_in_progress_as_done(emag: Harness) -> None:
    route = respx.post(f"{BASE}/order/acknowledge/123").mock(return_value=ok([]))
    assert (await emag.client.acknowledge_order(123)).already_acknowledged is False
    assert route.calls.last.request.content == b""
    route.mock(return_value=httpx.Response(400, text="ERROR: Order is already in progress."))
    result = await emag.client.acknowledge_order(123)
    assert result.already_acknowledged is True
    assert route.call_count == 2  # no retry
    route.mock(return_value=httpx.Response(400, json={"message": "Order not found"}))
    with pytest.raises(EmagApiError, match="Order not found"):
        await emag.client.acknowledge_order(123)


@respx.mock
async def test_update_offer_stock_patches_and_accepts_204(emag: Harness) -> None:
    route = respx.patch(f"{BASE}/offer_stock/6050").mock(return_value=httpx.Response(204))
    await emag.client.update_offer_stock(6050, 21)
    assert json.loads(route.calls.last.request.content) == {"stock": 21}
    await emag.client.update_offer_stock(6050, {1: 4, 2: 0})
    assert json.loads(route.calls.last.request.content) == {
        "stock": [{"warehouse_id": 1, "value": 4}, {"warehouse_id": 2, "value": 0}]
    }
    route.mock(
        return_value=httpx.Response(
            400,
            json={
                "message": "Validation errors in your request",
                "errors": [{"message": "The offer is in campaign BF", "field": "stock"}],
            },
        )
    )
    with pytest.raises(EmagApiError) as info:
        await emag.client.update_offer_stock(6050, 1)
    assert info.value.messages == [
        "Validation errors in your request",
        "stock: The offer is in campaign BF",
    ]


@respx.mock
async def test_find_by_eans(emag: Harness) -> None:
    route = respx.get(f"{BASE}/documentation/find_by_eans").mock(
        return_value=ok(
            {
                "5904862975146": {
                    "products": [
                        {
                            "ean": "5904862975146",
                            "part_number_key": "DY74FJYBM",
                            "doc_category_id": "2735",
                            "allowed_to_add_offer": True,
                            "vendor_has_offer": False,
                        }
                    ]
                },
                "7086812930967": {"products": []},
            },
            errors=[],
        )
    )
    found = await emag.client.find_by_eans(["5904862975146", "7086812930967", "5904862975146"])
    assert route.calls.last.request.url.params.get_list("eans[]") == [
        "5904862975146",
        "7086812930967",
    ]
    [product] = found["5904862975146"]
    assert (product.part_number_key, product.doc_category_id) == ("DY74FJYBM", 2735)
    assert product.allowed_to_add_offer is True
    assert found["7086812930967"] == []
    assert emag.records[0].request_body == {"query": {"eans[]": ["5904862975146", "7086812930967"]}}


@respx.mock
async def test_find_by_eans_splits_into_calls_of_100(emag: Harness) -> None:
    route = respx.get(f"{BASE}/documentation/find_by_eans").mock(return_value=ok({}))
    found = await emag.client.find_by_eans([f"{i:013d}" for i in range(150)])
    assert route.call_count == 2
    assert len(found) == 150


@respx.mock
async def test_categories_with_language_and_characteristics(emag: Harness) -> None:
    route = respx.post(f"{BASE}/category/read").mock(
        return_value=ok(
            [
                {
                    "id": 2735,
                    "name": "Men's sneakers",
                    "is_allowed": 1,
                    "characteristics": [
                        {"id": 6506, "is_mandatory": 1, "values": ["40 EU"], "tags": ["original"]}
                    ],
                    "family_types": [{"id": 95, "name": "Size", "characteristics": []}],
                }
            ]
        )
    )
    category = await emag.client.read_category(2735, language="EN")
    assert category is not None
    assert category.mandatory_characteristics[0].tags == ["original"]
    assert route.calls.last.request.url.params["language"] == "en"
    assert json.loads(route.calls.last.request.content) == {"id": 2735}


@respx.mock
async def test_product_offer_save_outcomes(emag: Harness) -> None:
    route = respx.post(f"{BASE}/product_offer/save").mock(return_value=ok([]))
    item = {"id": 6050, "name": "Kettle", "sale_price": "99.1736"}
    assert (await emag.client.save_product_offers([item])).outcome == "saved"
    route.mock(return_value=refused("Mktp Family: invalid name,"))
    remarks = await emag.client.save_product_offers([item])
    assert remarks.outcome == "saved_with_remarks"
    assert remarks.messages == ["Mktp Family: invalid name,"]
    route.mock(return_value=refused("You already hold a Product associated with this PN: X1"))
    assert (await emag.client.save_product_offers([item])).outcome == "refused"
    route.mock(return_value=refused("Invalid vendor ip"))
    with pytest.raises(EmagIpNotAllowed):
        await emag.client.save_product_offers([item])


@respx.mock
async def test_awb_and_label(emag: Harness) -> None:
    respx.post(f"{BASE}/awb/save").mock(
        return_value=ok(
            [
                {
                    "reservation_id": 4528511,
                    "courier_name": "SAMEDAY",
                    "awb": [{"emag_id": 9755945, "awb_number": "4EMGLN175641495"}],
                }
            ]
        )
    )
    saved = await emag.client.save_awb({"order_id": 1})
    assert (saved.reservation_id, saved.first_emag_id) == (4528511, 9755945)
    assert saved.awb_numbers == ["4EMGLN175641495"]

    respx.post(f"{BASE}/awb/read").mock(
        return_value=ok([{"emag_id": "9755945", "status": {"code": "DLV", "name": "Delivered"}}])
    )
    [awb] = await emag.client.read_awb(emag_id=9755945)
    assert awb.status is not None and awb.status.code == "DLV"

    pdf = respx.get(f"{BASE}/awb/read_pdf").mock(
        return_value=httpx.Response(
            200, content=b"%PDF-1.4 label", headers={"content-type": "application/pdf"}
        )
    )
    assert await emag.client.read_awb_pdf(9755945, "a6") == b"%PDF-1.4 label"
    assert dict(pdf.calls.last.request.url.params) == {"emag_id": "9755945", "awb_format": "A6"}
    assert emag.records[-1].response_body == {
        "binary": True,
        "content_type": "application/pdf",
        "bytes": 14,
    }
    pdf.mock(return_value=refused("AWB not found"))  # a JSON error with HTTP 200
    with pytest.raises(EmagApiError, match="AWB not found"):
        await emag.client.read_awb_pdf(9755945)


@respx.mock
async def test_reference_reads(emag: Harness) -> None:
    respx.post(f"{BASE}/handling_time/read").mock(return_value=ok([0, 1, {"id": 2, "value": 2}]))
    assert [h.value for h in await emag.client.read_handling_times()] == [0, 1, 2]
    respx.post(f"{BASE}/courier_accounts/read").mock(
        return_value=ok(
            [
                {
                    "account_id": "10667",
                    "courier_name": "SAMEDAY",
                    "courier_account_type": 3,
                    "courier_account_properties": [0, 2],
                    "status": 1,
                }
            ]
        )
    )
    [courier] = await emag.client.read_courier_accounts()
    assert courier.account_id == 10667 and courier.usable_for_orders
    localities = respx.post(f"{BASE}/locality/read").mock(
        return_value=ok([{"emag_id": 4, "name": "Sector 3", "country": "RO"}])
    )
    [locality] = await emag.client.read_localities(name="Sector 3")
    assert locality.country_code == "RO"
    assert json.loads(localities.calls.last.request.content)["name"] == "Sector 3"
    respx.post(f"{BASE}/addresses/read").mock(
        return_value=ok([{"address_id": 12345, "address_type_id": "2", "is_default": True}])
    )
    [address] = await emag.client.read_addresses()
    assert (address.address_id, address.address_type_id) == ("12345", 2)
    attachments = respx.post(f"{BASE}/order/attachments/save").mock(return_value=ok([]))
    doc = {"order_id": 1, "order_type": 3, "url": "https://x/1.pdf", "type": 1}
    await emag.client.save_order_attachments([doc])
    assert json.loads(attachments.calls.last.request.content) == {"data": [doc]}


# ---------------------------------------------------------------------------- journal


@respx.mock
async def test_journal_records_every_attempt_and_never_credentials(emag: Harness) -> None:
    respx.post(f"{BASE}/offer/save").mock(
        side_effect=[httpx.Response(503), httpx.ReadTimeout("slow"), ok({})]
    )
    await emag.client.save_offers([{"id": 1, "status": 1}])
    respx.post(f"{BASE}/vat/read").mock(return_value=httpx.Response(401))
    with pytest.raises(EmagAuthError):
        await emag.client.call("vat/read", {"password": PASSWORD, "nested": [{"Password": "x"}]})
    assert [(r.attempt, r.outcome) for r in emag.records] == [
        (1, "http_error"),
        (2, "timeout"),
        (3, "ok"),
        (1, "http_error"),
    ]
    assert emag.records[0].request_body == {"data": [{"id": 1, "status": 1}]}
    assert emag.records[-1].request_body == {"password": "***", "nested": [{"Password": "***"}]}
    dumped = json.dumps([r.as_dict() for r in emag.records], default=str)
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert PASSWORD not in dumped
    assert token not in dumped
    assert "Authorization" not in dumped and "Basic " not in dumped
    assert all(r.account_key == "acc-1" and r.duration_ms >= 0 for r in emag.records)


@respx.mock
async def test_a_failing_recorder_never_breaks_the_call(caplog: pytest.LogCaptureFixture) -> None:
    class Broken:
        async def record(self, call: CallRecord) -> None:
            raise RuntimeError("journal table is gone")

    respx.post(f"{BASE}/vat/read").mock(return_value=ok([{"id": 1, "value": "0.21"}]))
    async with EmagClient(
        BASE, USER, PASSWORD, account_key="a", recorder=Broken(), limiters=LimiterRegistry()
    ) as client:
        assert len(await client.read_vat_rates()) == 1
    assert "Could not journal" in caplog.text


# ---------------------------------------------------------------------------- connection test


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (ok([]), "ok"),
        (httpx.Response(401), "auth"),
        (refused("Invalid vendor ip"), "ip_not_allowed"),
        (httpx.Response(503), "unavailable"),
        (httpx.ConnectError("refused"), "unavailable"),
        (httpx.Response(200, text="<html></html>"), "invalid_response"),
    ],
)
@respx.mock
async def test_check_connection_explains_instead_of_raising(
    emag: Harness, response: httpx.Response | Exception, kind: str
) -> None:
    route = respx.post(f"{BASE}/vat/read").mock(
        side_effect=response if isinstance(response, Exception) else None,
        return_value=None if isinstance(response, Exception) else response,
    )
    check = await emag.client.check_connection()
    assert (check.ok, check.kind) == (kind == "ok", kind)
    assert check.message
    assert route.call_count <= 2  # a quick test, not a full retry ladder


# ---------------------------------------------------------------------------- throughput


def strict_server(
    limit: int, window: float
) -> tuple[Callable[[httpx.Request], httpx.Response], list[float], list[int]]:
    """A respx side effect that answers 429 when a call would be the (limit+1)th in any window."""
    arrivals: list[float] = []
    rejected: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        now = time.monotonic()
        recent = [t for t in arrivals if now - t <= window]
        arrivals.append(now)
        if len(recent) >= limit:
            rejected.append(1)
            return httpx.Response(429, json={"message": "API rate limit exceeded"})
        return ok([])

    return handler, arrivals, rejected


@respx.mock
async def test_concurrent_calls_against_a_strict_server_get_no_429() -> None:
    """eMAG's 3 req/s bucket, 5 times faster: 40 calls fired at once, none refused by a server
    counting any sliding window, and the total within 10 % of the floor."""
    factor = 5
    handler, arrivals, rejected = strict_server(limit=3, window=1 / factor)
    respx.post(f"{BASE}/vat/read").mock(side_effect=handler)
    registry = LimiterRegistry(RateLimits().scaled(factor))
    async with EmagClient(BASE, USER, PASSWORD, account_key="fast", limiters=registry) as client:
        start = time.monotonic()
        await asyncio.gather(*(client.read_vat_rates() for _ in range(40)))
        elapsed = time.monotonic() - start
    assert rejected == []
    assert len(arrivals) == 40
    floor = 40 / (3 * factor)
    interval = registry.for_account("fast").bucket("vat/read").interval
    assert floor <= elapsed <= 39 * interval + 40 * 0.005  # spacing + timer granularity only
    assert 39 * interval <= floor * 1.1
