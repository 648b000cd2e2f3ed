"""A page of offers in which eMAG sent one unreadable offer (respx; no database)."""

from __future__ import annotations

import httpx
import respx
from emag_gateway.emag.client import EmagClient
from emag_gateway.emag.ratelimit import LimiterRegistry, RateLimits
from emag_gateway.sync import _read_offer_page

API = "http://emag.test/api-3"


async def test_one_unreadable_offer_does_not_lose_the_page() -> None:
    good = {"id": 1, "name": "Stand", "part_number": "LS-1", "ean": ["5941234567891"]}
    bad = {"id": 2, "name": "Hub", "warranty": "for ever", "sale_price": "not a price"}
    client = EmagClient(
        API, "u", "p", account_key="k", limiters=LimiterRegistry(RateLimits().scaled(1000))
    )
    with respx.mock() as emag:
        emag.post(f"{API}/product_offer/read").mock(
            return_value=httpx.Response(
                200, json={"isError": False, "messages": [], "results": [good, bad]}
            )
        )
        offers, problems = await _read_offer_page(client, 1)
    assert [offer.id for offer in offers] == [1]
    assert len(problems) == 1 and problems[0].startswith("offer 2 on page 1 could not be read")


async def test_a_clean_page_is_read_once() -> None:
    client = EmagClient(
        API, "u", "p", account_key="k2", limiters=LimiterRegistry(RateLimits().scaled(1000))
    )
    with respx.mock() as emag:
        route = emag.post(f"{API}/product_offer/read").mock(
            return_value=httpx.Response(
                200, json={"isError": False, "messages": [], "results": [{"id": 7}]}
            )
        )
        offers, problems = await _read_offer_page(client, 3)
    assert [offer.id for offer in offers] == [7] and problems == []
    assert route.call_count == 1
