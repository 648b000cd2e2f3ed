"""catalog_svc.matching: the import rules (DESIGN B2, B4, B5) and the cleaning of eMAG's data,
without I/O. Each rule alone, then in combination."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal
from typing import Any

import pytest
from catalog_svc.domain import CodeKind, ProductState, code_key
from catalog_svc.matching import (
    CatalogView,
    CleanOffer,
    ImportPlan,
    OfferData,
    clean_offer,
    derived_sku,
    lookup_keys,
    match_offer,
    plan_import,
)

EAN_A = "5901234123457"
EAN_B = "4006381333931"
EAN_C = "96385074"  # EAN-8
UPC = "036000291452"


def offer(
    key: str = "o1",
    codes: list[Any] | None = None,
    eans: list[Any] | None = None,
    pnk: Any = None,
    **product: Any,
) -> CleanOffer:
    product.setdefault("name", "Telefon X")
    return clean_offer(OfferData(key=key, codes=codes or [], eans=eans or [], pnk=pnk, **product))


def product(sku: str, **fields: Any) -> ProductState:
    state = ProductState(id=uuid.uuid4(), sku=sku, name=fields.pop("name", f"Product {sku}"))
    for name, value in fields.items():
        setattr(state, name, value)
    state.version = 1
    return state


def view_of(*products: ProductState) -> CatalogView:
    view = CatalogView()
    for state in products:
        view.claim(state.copy())
    return view


def run(
    view: CatalogView, *offers: CleanOffer, update_details: bool = False, platform: Any = "ro"
) -> ImportPlan:
    ids = (uuid.UUID(int=i) for i in itertools.count(1))
    return plan_import(
        platform, offers, view, update_details=update_details, new_id=lambda: next(ids)
    )


# --- each rule alone --------------------------------------------------------------------------


def test_links_by_sku() -> None:
    existing = product("ABC-1")
    plan = run(view_of(existing), offer(codes=["abc-1"]))
    [result] = plan.results
    assert (result.outcome, result.product_id, result.rule) == ("linked", existing.id, "sku")
    assert plan.created == []


def test_links_by_ean() -> None:
    existing = product("SKU-E", eans=[EAN_A])
    [result] = run(view_of(existing), offer(codes=["PN-OTHER"], eans=[EAN_A])).results
    assert (result.outcome, result.product_id, result.rule) == ("linked", existing.id, "ean")


def test_a_part_number_that_is_a_products_ean_links_by_ean() -> None:
    existing = product("SKU-E2", eans=[EAN_B])
    [result] = run(view_of(existing), offer(codes=[EAN_B])).results
    assert (result.outcome, result.rule) == ("linked", "ean")


def test_links_by_an_additional_code_added_before_the_import() -> None:
    existing = product("MY-SKU", additional_codes=["EMAG-PN-7"])
    [result] = run(view_of(existing), offer(codes=["emag-pn-7"])).results
    assert (result.outcome, result.product_id, result.rule) == (
        "linked",
        existing.id,
        "additional_code",
    )


def test_links_by_pnk_when_no_code_matches() -> None:
    existing = product("S-PNK", pnks={"ro": "DL5ABCBBM"})
    [result] = run(view_of(existing), offer(codes=["UNKNOWN"], pnk="DL5ABCBBM")).results
    assert (result.outcome, result.product_id, result.rule) == ("linked", existing.id, "pnk")


def test_pnk_of_another_platform_does_not_match() -> None:
    existing = product("S-PNK-BG", pnks={"bg": "PNKBG1"})
    plan = run(view_of(existing), offer(codes=["NEW-1"], pnk="PNKBG1"), platform="ro")
    assert plan.results[0].outcome == "created"


def test_codes_hitting_two_products_are_ambiguous_and_nothing_is_linked() -> None:
    a, b = product("AMB-A"), product("AMB-B", eans=[EAN_A])
    view = view_of(a, b)
    plan = run(view, offer(codes=["AMB-A"], eans=[EAN_A], pnk="NEWPNK"))
    [result] = plan.results
    assert result.outcome == "ambiguous"
    assert result.product_id is None and result.rule is None
    assert set(result.candidates) == {a.id, b.id}
    assert result.reason and "2 products" in result.reason
    assert plan.created == [] and plan.touched == {}


def test_pnk_on_several_products_is_ambiguous() -> None:
    a, b = product("P-A"), product("P-B")
    view = view_of(a, b)
    view.pnk_owners["ro:SHARED"] = {a.id, b.id}
    [result] = run(view, offer(codes=["NOPE"], pnk="SHARED")).results
    assert result.outcome == "ambiguous"
    assert set(result.candidates) == {a.id, b.id}


def test_no_match_creates_a_product_filled_in_from_emag() -> None:
    category = uuid.uuid4()
    view = CatalogView(categories={"telefoane": [category]})
    new = offer(
        codes=["PN-100", "SELLER-100"],
        eans=[EAN_A, EAN_C],
        pnk="D9XYZ",
        name="Telefon Y",
        description="<p>Bun</p>",
        brand="Acme",
        images=["https://img/1.jpg", "https://img/2.jpg"],
        characteristics={"Culoare": ["Negru"], "Memorie": "128 GB"},
        warranty_months=24,
        vat_rate="0.21",
        category_name="Telefoane",
    )
    plan = run(view, new)
    [result] = plan.results
    [created] = plan.created
    assert (result.outcome, result.product_id, result.rule) == ("created", created.id, None)
    assert created.sku == "PN-100"
    assert created.additional_codes == ["SELLER-100"]
    assert created.eans == [EAN_A, EAN_C]
    assert created.pnks == {"ro": "D9XYZ"}
    assert created.name == "Telefon Y"
    assert created.description == "<p>Bun</p>"
    assert created.brand == "Acme"
    assert created.images == ["https://img/1.jpg", "https://img/2.jpg"]
    assert created.characteristics == {"Culoare": ["Negru"], "Memorie": ["128 GB"]}
    assert created.warranty_months == 24
    assert created.vat_rate == Decimal("0.21")
    assert created.category_id == category


def test_link_leaves_details_alone_without_update_details() -> None:
    existing = product("KEEP-1", description="mine", brand="Mine", images=["https://a/1.jpg"])
    plan = run(
        view_of(existing),
        offer(
            codes=["KEEP-1"],
            name="eMAG name",
            description="theirs",
            brand="Theirs",
            images=["https://b/1.jpg"],
            characteristics={"C": ["v"]},
        ),
    )
    [result] = plan.results
    assert result.details_updated is False
    state = plan.touched[existing.id]
    assert (state.name, state.description, state.brand, state.images, state.characteristics) == (
        existing.name,
        "mine",
        "Mine",
        ["https://a/1.jpg"],
        {},
    )


def test_update_details_overwrites_texts_brand_images_and_characteristics() -> None:
    existing = product("UPD-1", description="mine", brand="Mine", vat_rate=Decimal("0.11"))
    plan = run(
        view_of(existing),
        offer(
            codes=["UPD-1"],
            name="eMAG name",
            description="theirs",
            brand="Theirs",
            images=["https://b/1.jpg"],
            characteristics={"C": ["v"]},
            vat_rate="0.21",
        ),
        update_details=True,
    )
    [result] = plan.results
    assert result.details_updated is True
    state = plan.touched[existing.id]
    assert (state.name, state.description, state.brand, state.images, state.characteristics) == (
        "eMAG name",
        "theirs",
        "Theirs",
        ["https://b/1.jpg"],
        {"C": ["v"]},
    )
    assert state.sku == "UPD-1" and state.vat_rate == Decimal("0.11")  # not a "detail"


def test_update_details_with_nothing_new_reports_no_update() -> None:
    existing = product("SAME-1", name="Same", brand="B")
    [result] = run(
        view_of(existing), offer(codes=["SAME-1"], name="Same", brand="B"), update_details=True
    ).results
    assert result.details_updated is False


# --- PNKs on links ----------------------------------------------------------------------------


def test_link_by_code_stores_the_offers_pnk_when_the_product_has_none() -> None:
    existing = product("PNK-STORE")
    view = view_of(existing)
    plan = run(view, offer(codes=["PNK-STORE"], pnk="NEWPNK1"))
    assert plan.touched[existing.id].pnks == {"ro": "NEWPNK1"}
    assert plan.results[0].details_updated is False
    # ... so the next import finds it by PNK alone
    [again] = run(view, offer(key="o2", codes=["CHANGED-PN"], pnk="NEWPNK1")).results
    assert (again.outcome, again.product_id, again.rule) == ("linked", existing.id, "pnk")


def test_link_keeps_an_existing_pnk_and_warns_about_a_different_one() -> None:
    existing = product("PNK-KEEP", pnks={"ro": "OLDPNK"})
    plan = run(view_of(existing), offer(codes=["PNK-KEEP"], pnk="OTHERPNK"))
    assert plan.touched[existing.id].pnks == {"ro": "OLDPNK"}
    assert any("OLDPNK" in w for w in plan.results[0].warnings)


def test_a_pnk_owned_by_another_product_is_not_copied() -> None:
    a, b = product("PNK-A"), product("PNK-B", pnks={"ro": "BPNK"})
    plan = run(view_of(a, b), offer(codes=["PNK-A"], pnk="BPNK"))
    [result] = plan.results
    assert (result.outcome, result.product_id, result.rule) == ("linked", a.id, "sku")
    assert plan.touched[a.id].pnks == {}
    assert any("already belongs" in w for w in result.warnings)


# --- combinations -----------------------------------------------------------------------------


def test_codes_win_over_the_pnk() -> None:
    by_code, by_pnk = product("WIN-CODE"), product("WIN-PNK", pnks={"ro": "PNKW"})
    [result] = run(view_of(by_code, by_pnk), offer(codes=["WIN-CODE"], pnk="PNKW")).results
    assert (result.product_id, result.rule) == (by_code.id, "sku")


def test_several_codes_of_one_product_link_by_the_strongest() -> None:
    existing = product("STRONG", eans=[EAN_A], additional_codes=["ADD-S"])
    [result] = run(view_of(existing), offer(codes=["ADD-S", "STRONG"], eans=[EAN_A])).results
    assert (result.outcome, result.rule) == ("linked", "sku")
    [by_ean] = run(view_of(existing), offer(codes=["ADD-S"], eans=[EAN_A])).results
    assert by_ean.rule == "ean"


def test_ambiguous_codes_are_not_rescued_by_the_pnk() -> None:
    a, b = product("AMB2-A", pnks={"ro": "AP"}), product("AMB2-B")
    [result] = run(view_of(a, b), offer(codes=["AMB2-A", "AMB2-B"], pnk="AP")).results
    assert result.outcome == "ambiguous"


def test_reimport_is_idempotent() -> None:
    view = CatalogView()
    offers = [
        offer("o1", codes=["RE-1"], eans=[EAN_A], pnk="RP1"),
        offer("o2", codes=["RE-2"], pnk="RP2"),
        offer("o3", eans=[EAN_B]),
        offer("o4", pnk="RP4"),
    ]
    first = run(view, *offers)
    assert [r.outcome for r in first.results] == ["created"] * 4
    second = run(view, *offers)
    assert [r.outcome for r in second.results] == ["linked"] * 4
    assert [r.product_id for r in second.results] == [r.product_id for r in first.results]
    # o3 and o4 got derived SKUs (no part number): they link by their EAN and PNK
    assert [r.rule for r in second.results] == ["sku", "sku", "ean", "pnk"]
    assert second.results[0].warnings == first.results[0].warnings
    assert second.created == []
    third = run(view, *offers, update_details=True)
    assert [r.outcome for r in third.results] == ["linked"] * 4
    assert not any(r.details_updated for r in third.results)


def test_two_offers_of_one_batch_with_one_code_make_one_product() -> None:
    plan = run(
        CatalogView(),
        offer("o1", codes=["DUP-1"], eans=[EAN_A]),
        offer("o2", codes=["DUP-1-B"], eans=[EAN_A]),  # eMAG: a duplicated EAN across offers
        offer("o3", codes=["DUP-1"]),
    )
    assert [r.outcome for r in plan.results] == ["created", "linked", "linked"]
    assert [r.rule for r in plan.results] == [None, "ean", "sku"]
    assert len({r.product_id for r in plan.results}) == 1
    assert len(plan.created) == 1


def test_whole_scenario_in_one_batch() -> None:
    by_sku = product("S-SKU")
    by_ean = product("S-EAN", eans=[EAN_C])
    by_add = product("S-ADD", additional_codes=["PN-ADD"])
    by_pnk = product("S-PNK2", pnks={"ro": "PNK2"})
    view = view_of(by_sku, by_ean, by_add, by_pnk)
    plan = run(
        view,
        offer("sku", codes=["s-sku"]),
        offer("ean", codes=["X1"], eans=[EAN_C]),
        offer("add", codes=["PN-ADD"]),
        offer("pnk", codes=["X2"], pnk="PNK2"),
        offer("amb", codes=["S-SKU", "S-ADD"]),
        offer("new", codes=["NEW-PN"], eans=[UPC], pnk="NEWP"),
    )
    assert [(r.key, r.outcome, r.rule) for r in plan.results] == [
        ("sku", "linked", "sku"),
        ("ean", "linked", "ean"),
        ("add", "linked", "additional_code"),
        ("pnk", "linked", "pnk"),
        ("amb", "ambiguous", None),
        ("new", "created", None),
    ]


# --- SKUs of created products -----------------------------------------------------------------


def test_without_a_part_number_the_sku_is_derived_from_the_pnk() -> None:
    plan = run(CatalogView(), offer(eans=[EAN_A], pnk="D5PNK"), platform="bg")
    [created] = plan.created
    assert created.sku == "EMAG-BG-D5PNK"
    assert any("no part number" in w for w in plan.results[0].warnings)
    assert any("EMAG-BG-D5PNK" in w for w in plan.results[0].warnings)


def test_without_part_number_or_pnk_the_sku_is_derived_from_the_ean() -> None:
    [created] = run(CatalogView(), offer(eans=[EAN_A])).created
    assert created.sku == f"EMAG-RO-{EAN_A}"


def test_derived_sku_taken_is_held() -> None:
    taken = product("EMAG-RO-HELDPNK")
    [result] = run(view_of(taken), offer(pnk="HELDPNK", eans=[])).results
    # the derived SKU is looked up like any code but it is not the offer's code: held, not linked
    assert result.outcome == "held"
    assert result.reason and "EMAG-RO-HELDPNK" in result.reason


def test_lookup_keys_cover_codes_eans_and_derived_skus() -> None:
    codes, pnks = lookup_keys("ro", [offer(codes=["a-1"], eans=[EAN_A, "123"], pnk="pk")])
    assert set(codes) == {"A-1", EAN_A, "123", "EMAG-RO-pk".upper()}
    assert pnks == ["PK"]
    assert derived_sku("hu", offer(pnk="Z")) == "EMAG-HU-Z"


# --- bad input (issue 4) ----------------------------------------------------------------------


def test_no_ean_is_a_warning() -> None:
    plan = run(CatalogView(), offer(codes=["NOEAN-1"]))
    assert plan.results[0].outcome == "created"
    assert "no valid EAN" in plan.results[0].warnings


def test_invalid_eans_are_not_stored_but_warned() -> None:
    plan = run(CatalogView(), offer(codes=["BADEAN-1"], eans=["5901234123458", "12ab", EAN_B]))
    [created] = plan.created
    assert created.eans == [EAN_B]
    warnings = " ".join(plan.results[0].warnings)
    assert "5901234123458" in warnings and "check digit" in warnings
    assert "12ab" in warnings


def test_nothing_to_match_on_is_held() -> None:
    [result] = run(CatalogView(), offer(codes=[], eans=[], pnk=None)).results
    assert result.outcome == "held"
    assert result.reason == "nothing to match on: no part number, EAN or PNK"


def test_no_name_and_no_match_is_held_but_a_match_without_name_links() -> None:
    existing = product("NONAME-1")
    plan = run(
        view_of(existing),
        offer("a", codes=["NONAME-2"], name=None),
        offer("b", codes=["NONAME-1"], name=None),
    )
    assert [r.outcome for r in plan.results] == ["held", "linked"]
    assert plan.results[0].reason and "no name" in plan.results[0].reason


def test_unknown_category_is_a_warning() -> None:
    plan = run(CatalogView(), offer(codes=["CAT-1"], category_name="Nu exista"))
    assert plan.created[0].category_id is None
    assert any("unknown category" in w for w in plan.results[0].warnings)


def test_characteristic_values_outside_the_list_are_kept_with_a_warning() -> None:
    view = CatalogView(characteristics={"culoare": ("Culoare", ["Negru", "Alb"])})
    plan = run(view, offer(codes=["CH-1"], characteristics={"culoare": ["Mov"], "X": [1, 2.5]}))
    assert plan.created[0].characteristics == {"culoare": ["Mov"], "X": ["1", "2.5"]}
    assert any("'Mov' is not an allowed value" in w for w in plan.results[0].warnings)


def test_broken_characteristics_are_dropped_with_warnings() -> None:
    cleaned = offer(codes=["CH-2"], characteristics={"A": [{"x": 1}], "B": None, "C": ["ok"]})
    assert cleaned.characteristics == {"C": ["ok"]}
    assert any("characteristic A" in w for w in cleaned.warnings)
    assert offer(codes=["CH-3"], characteristics="nope").characteristics == {}


def test_html_description_is_kept_with_a_warning_and_scripts_are_removed() -> None:
    cleaned = offer(
        codes=["H-1"],
        description="<p>Bun</p><script>alert(1)</script><SCRIPT src=x></SCRIPT><b>ok</b>",
    )
    assert cleaned.description == "<p>Bun</p><b>ok</b>"
    assert "description: removed <script> elements" in cleaned.warnings
    assert "description contains HTML; kept as is" in cleaned.warnings
    plain = offer(codes=["H-2"], description="fara html, 3 < 4")
    assert plain.description == "fara html, 3 < 4"
    assert not any("description" in w for w in plain.warnings)


def test_broken_image_urls_are_dropped_with_warnings() -> None:
    cleaned = offer(
        codes=["IMG-1"],
        images=[
            "https://ok/1.jpg",
            "ftp://x/2.jpg",
            "not a url",
            None,
            "javascript:alert(1)",
            "https://ok/1.jpg",
            "http://ok/3.png",
        ],
    )
    assert cleaned.images == ["https://ok/1.jpg", "http://ok/3.png"]
    assert sum("not an http(s) URL" in w for w in cleaned.warnings) == 4


@pytest.mark.parametrize(
    ("vat", "expected"),
    [
        ("0.21", Decimal("0.21")),
        (0.11, Decimal("0.11")),
        ("0", Decimal(0)),
        ("21", None),
        ("abc", None),
        (True, None),
        ("NaN", None),
    ],
)
def test_vat_rates(vat: Any, expected: Decimal | None) -> None:
    cleaned = offer(codes=["V"], vat_rate=vat)
    assert cleaned.vat_rate == expected
    assert any("VAT" in w for w in cleaned.warnings) == (expected is None)


@pytest.mark.parametrize(("warranty", "expected"), [(24, 24), ("12", 12), (-1, None), (2.5, None)])
def test_warranty(warranty: Any, expected: int | None) -> None:
    assert offer(codes=["W"], warranty_months=warranty).warranty_months == expected


def test_codes_are_cleaned() -> None:
    cleaned = offer(codes=[" PN-1 ", "pn-1", "", None, "x" * 101, {"a": 1}, 123], eans=[EAN_A])
    assert cleaned.codes == ["PN-1", "123"]
    assert cleaned.lookup_codes == ["PN-1", "123", EAN_A]
    assert any("at most 100" in w for w in cleaned.warnings)


def test_invalid_pnk_is_ignored_with_a_warning() -> None:
    cleaned = offer(codes=["P"], pnk="bad pnk!")
    assert cleaned.pnk is None
    assert any("PNK" in w for w in cleaned.warnings)


def test_nul_characters_are_removed() -> None:
    cleaned = offer(codes=["N"], name="Te\x00lefon", description="a\x00b")
    assert (cleaned.name, cleaned.description) == ("Telefon", "ab")


def test_match_offer_on_an_empty_catalog_is_none() -> None:
    assert match_offer("ro", offer(codes=["Z"]), CatalogView()).outcome == "none"


def test_claim_indexes_codes_case_insensitively() -> None:
    view = view_of(product("abc", eans=[EAN_A]))
    assert view.code_taken("ABC")
    assert view.code_owners[code_key(EAN_A)]
    assert next(iter(view.code_owners["ABC"].values())) is CodeKind.SKU
