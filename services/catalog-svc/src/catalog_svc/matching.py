"""Importing eMAG offers into the catalog (DESIGN B2, B4, B5), free of I/O.

The service looks up, in a few bulk queries, everything a batch of offers can touch (the owners
of their codes and PNKs, the products they own, categories, characteristics) into a
`CatalogView`; `plan_import` then decides every offer against that view and says which
products to create and which to change. The view is updated as the batch goes, so two offers of
one batch that share a code end on one product, and importing the same offers again links them
all and creates nothing.

Matching, in order:
1. the offer's codes (part_number, the seller's own code) and EANs against SKUs, EANs and
   additional codes: one product -> linked (the rule names the strongest kind that matched:
   sku, ean, additional_code); several -> ambiguous, nothing linked or created;
2. otherwise the offer's PNK against the PNKs stored on products for the platform: one ->
   linked (pnk); several -> ambiguous;
3. otherwise a product is created from the offer.

A link leaves the product's details alone unless `update_details`; storing the offer's PNK on a
product that has none for the platform is not a detail, it is how the next import finds it.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from catalog_svc.domain import (
    KIND_ORDER,
    CodeKind,
    Platform,
    ProductState,
    check_characteristics,
    check_code,
    check_ean,
    check_pnk,
    code_entries,
    code_key,
    dedupe_codes,
    is_http_url,
    pnk_key,
)

Outcome = Literal["linked", "created", "ambiguous", "held"]
Rule = Literal["sku", "ean", "additional_code", "pnk"]

MAX_NAME = 500
MAX_DESCRIPTION = 100_000
MAX_IMAGES = 100
MAX_WARRANTY_MONTHS = 600

_SCRIPT = re.compile(r"<script\b[^>]*>.*?(</script\s*>|$)", re.IGNORECASE | re.DOTALL)
_HTML_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")


# --- offers as sent, and cleaned ------------------------------------------------------------


@dataclass(frozen=True)
class OfferData:
    """One offer as the gateway sends it; the values are eMAG's and may be of any shape."""

    key: str | int
    codes: list[Any] = field(default_factory=list)
    eans: list[Any] = field(default_factory=list)
    pnk: Any = None
    name: Any = None
    description: Any = None
    brand: Any = None
    images: Any = None
    characteristics: Any = None
    warranty_months: Any = None
    vat_rate: Any = None
    category_name: Any = None


@dataclass
class CleanOffer:
    """An offer with every value checked: what could not be used is dropped with a warning."""

    key: str | int
    codes: list[str]
    eans: list[str]  # valid EANs only: these are stored
    lookup_codes: list[str]  # codes + every EAN given, valid or not: these are looked up
    pnk: str | None
    name: str | None
    description: str | None
    brand: str | None
    images: list[str]
    characteristics: dict[str, list[str]]
    warranty_months: int | None
    vat_rate: Decimal | None
    category_name: str | None
    warnings: list[str] = field(default_factory=list)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def clean_description(value: str | None, warnings: list[str]) -> str | None:
    """Keep the seller's HTML (eMAG descriptions are HTML) but never a <script>."""
    if value is None:
        return None
    without_scripts = _SCRIPT.sub("", value)
    if without_scripts != value:
        warnings.append("description: removed <script> elements")
        value = without_scripts.strip()
    if _HTML_TAG.search(value):
        warnings.append("description contains HTML; kept as is")
    if len(value) > MAX_DESCRIPTION:
        warnings.append(f"description longer than {MAX_DESCRIPTION} characters; cut")
        value = value[:MAX_DESCRIPTION]
    return value or None


def clean_offer(offer: OfferData) -> CleanOffer:
    warnings: list[str] = []

    codes: list[str] = []
    for raw in offer.codes or []:
        code = _text(raw)
        if code is None:
            if raw not in (None, ""):
                warnings.append(f"code {raw!r} is not text; ignored")
            continue
        problem = check_code(code)
        if problem:
            warnings.append(f"code {code[:40]!r} {problem}; ignored")
            continue
        codes.append(code)
    codes = dedupe_codes(codes)
    if not codes:
        warnings.append("no part number: the offer carries no product code")

    eans: list[str] = []
    given_eans: list[str] = []
    for raw in offer.eans or []:
        ean = _text(raw)
        if ean is None:
            continue
        given_eans.append(ean)
        problem = check_ean(ean)
        if problem:
            warnings.append(f"EAN {ean[:40]} is invalid ({problem}); not stored")
        else:
            eans.append(ean)
    eans = dedupe_codes(eans)
    if not eans:
        warnings.append("no valid EAN")
    lookup = dedupe_codes(
        [*codes, *(e for e in given_eans if check_code(e) is None)],
    )

    pnk = _text(offer.pnk)
    if pnk is not None and check_pnk(pnk):
        warnings.append(f"PNK {pnk[:40]!r} {check_pnk(pnk)}; ignored")
        pnk = None

    name = _text(offer.name)
    if name and len(name) > MAX_NAME:
        warnings.append(f"name longer than {MAX_NAME} characters; cut")
        name = name[:MAX_NAME]
    description = clean_description(_text(offer.description), warnings)
    brand = _text(offer.brand)
    if brand and len(brand) > 200:
        warnings.append("brand longer than 200 characters; cut")
        brand = brand[:200]

    images: list[str] = []
    raw_images = offer.images if isinstance(offer.images, list) else []
    if offer.images is not None and not isinstance(offer.images, list):
        warnings.append("images is not a list; ignored")
    for raw in raw_images:
        url = _text(raw)
        if url is None or not is_http_url(url):
            warnings.append(f"image {str(raw)[:80]!r} is not an http(s) URL; dropped")
        elif url not in images:
            images.append(url)
    if len(images) > MAX_IMAGES:
        warnings.append(f"more than {MAX_IMAGES} images; kept the first {MAX_IMAGES}")
        images = images[:MAX_IMAGES]

    characteristics: dict[str, list[str]] = {}
    raw_chars = offer.characteristics
    if raw_chars is not None and not isinstance(raw_chars, dict):
        warnings.append("characteristics is not an object; ignored")
        raw_chars = None
    for raw_name, raw_values in (raw_chars or {}).items():
        char_name = _text(raw_name)
        if char_name is None:
            continue
        values_in = raw_values if isinstance(raw_values, list) else [raw_values]
        values: list[str] = []
        for raw_value in values_in:
            value = _text(raw_value)
            if value is None:
                if raw_value not in (None, ""):
                    warnings.append(f"characteristic {char_name}: value {raw_value!r} dropped")
                continue
            if value not in values:
                values.append(value)
        if values:
            characteristics.setdefault(char_name, []).extend(
                v for v in values if v not in characteristics.get(char_name, [])
            )
        else:
            warnings.append(f"characteristic {char_name} has no value; dropped")

    warranty: int | None = None
    if offer.warranty_months is not None:
        try:
            number = Decimal(str(offer.warranty_months))
            if number != number.to_integral_value() or not 0 <= number <= MAX_WARRANTY_MONTHS:
                raise ValueError
            warranty = int(number)
        except (InvalidOperation, ValueError):
            warnings.append(f"warranty {offer.warranty_months!r} is not 0-600 months; ignored")

    vat: Decimal | None = None
    if offer.vat_rate is not None:
        try:
            if isinstance(offer.vat_rate, bool):
                raise ValueError
            vat = Decimal(str(offer.vat_rate))
            if not vat.is_finite():
                raise ValueError
            # Rounded to what is stored (4 places) before the check: 0.99999 is 1.0000.
            vat = vat.quantize(Decimal("0.0001"))
            if not 0 <= vat < 1:
                raise ValueError
        except (InvalidOperation, ValueError):
            warnings.append(f"VAT rate {offer.vat_rate!r} is not a fraction such as 0.21; ignored")
            vat = None

    return CleanOffer(
        key=offer.key,
        codes=codes,
        eans=eans,
        lookup_codes=lookup,
        pnk=pnk,
        name=name,
        description=description,
        brand=brand,
        images=images,
        characteristics=characteristics,
        warranty_months=warranty,
        vat_rate=vat,
        category_name=_text(offer.category_name),
        warnings=warnings,
    )


# --- the catalog as far as a batch can see it -----------------------------------------------


@dataclass
class CatalogView:
    """What the database holds for the keys a batch looks up.

    `code_owners`: code_key -> {product: kind}; `pnk_owners`: pnk_key -> products (the
    database keeps each at one product; the rules do not rely on it); `products`: the state of
    every product named there; `categories`: lower-case name -> ids; `characteristics`:
    lower-case name -> (name, allowed values)."""

    code_owners: dict[str, dict[uuid.UUID, CodeKind]] = field(default_factory=dict)
    pnk_owners: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    products: dict[uuid.UUID, ProductState] = field(default_factory=dict)
    categories: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    characteristics: dict[str, tuple[str, list[str]]] = field(default_factory=dict)

    def claim(self, state: ProductState) -> None:
        """Record a product's codes and PNKs as owned (after creating or changing it)."""
        self.products[state.id] = state
        for entry in code_entries(state):
            self.code_owners.setdefault(entry.key, {})[state.id] = entry.kind
        for platform, pnk in state.pnks.items():
            self.pnk_owners.setdefault(pnk_key(platform, pnk), set()).add(state.id)

    def code_taken(self, code: str) -> bool:
        return bool(self.code_owners.get(code_key(code)))


def derived_sku(platform: str, offer: CleanOffer) -> str | None:
    """The SKU of a product created from an offer whose part number cannot be its SKU."""
    if offer.pnk:
        return f"EMAG-{platform.upper()}-{offer.pnk}"
    if offer.eans:
        return f"EMAG-{platform.upper()}-{offer.eans[0]}"
    return None


def lookup_keys(platform: Platform, offers: Iterable[CleanOffer]) -> tuple[list[str], list[str]]:
    """(code keys, PNKs) to look up for a batch, derived SKUs included."""
    codes: set[str] = set()
    pnks: set[str] = set()
    for offer in offers:
        codes.update(code_key(code) for code in offer.lookup_codes)
        derived = derived_sku(platform, offer)
        if derived:
            codes.add(code_key(derived))
        if offer.pnk:
            pnks.add(offer.pnk.strip().upper())
    return sorted(codes), sorted(pnks)


# --- deciding ---------------------------------------------------------------------------------


@dataclass
class ImportResult:
    key: str | int
    outcome: Outcome
    product_id: uuid.UUID | None = None
    rule: Rule | None = None
    candidates: list[uuid.UUID] = field(default_factory=list)
    details_updated: bool = False
    warnings: list[str] = field(default_factory=list)
    reason: str | None = None


@dataclass
class ImportPlan:
    results: list[ImportResult]
    created: list[ProductState]
    # The new state of every existing product the batch touched (possibly unchanged).
    touched: dict[uuid.UUID, ProductState]


@dataclass(frozen=True)
class Match:
    outcome: Literal["linked", "ambiguous", "none"]
    product_id: uuid.UUID | None = None
    rule: Rule | None = None
    candidates: tuple[uuid.UUID, ...] = ()
    reason: str | None = None


def match_offer(platform: Platform, offer: CleanOffer, view: CatalogView) -> Match:
    """Steps 1 and 2 of the matching: codes and EANs, then the PNK."""
    hits: dict[uuid.UUID, tuple[CodeKind, str]] = {}
    for code in offer.lookup_codes:
        for product_id, kind in view.code_owners.get(code_key(code), {}).items():
            best = hits.get(product_id)
            if best is None or KIND_ORDER[kind] < KIND_ORDER[best[0]]:
                hits[product_id] = (kind, code)
    if len(hits) == 1:
        [(product_id, (kind, _))] = hits.items()
        return Match("linked", product_id, kind.value)
    if len(hits) > 1:
        candidates = tuple(sorted(hits, key=str))
        described = "; ".join(
            f"{hits[pid][1]} is the {hits[pid][0].value.replace('_', ' ')} of {pid}"
            for pid in candidates
        )
        return Match(
            "ambiguous",
            candidates=candidates,
            reason=f"the offer's codes match {len(hits)} products: {described}",
        )
    if offer.pnk:
        owners = view.pnk_owners.get(pnk_key(platform, offer.pnk), set())
        if len(owners) == 1:
            return Match("linked", next(iter(owners)), "pnk")
        if len(owners) > 1:
            candidates = tuple(sorted(owners, key=str))
            return Match(
                "ambiguous",
                candidates=candidates,
                reason=f"PNK {offer.pnk} is stored on {len(owners)} products",
            )
    return Match("none")


def _category(offer: CleanOffer, view: CatalogView, warnings: list[str]) -> uuid.UUID | None:
    if offer.category_name is None:
        return None
    found = view.categories.get(offer.category_name.lower(), [])
    if len(found) == 1:
        return found[0]
    if not found:
        warnings.append(f"unknown category {offer.category_name!r}; left without a category")
    else:
        warnings.append(
            f"category name {offer.category_name!r} matches {len(found)} categories; "
            "left without a category"
        )
    return None


def _characteristic_warnings(
    characteristics: Mapping[str, list[str]], view: CatalogView, warnings: list[str]
) -> None:
    for _, message in check_characteristics(characteristics, view.characteristics):
        warnings.append(f"characteristics: {message}; kept")


def _apply_details(state: ProductState, offer: CleanOffer, view: CatalogView) -> bool:
    """Overwrite the product's texts, brand, images and characteristics with eMAG's (what the
    offer carries; an absent value leaves the product's own). True if anything changed."""
    before = (state.name, state.description, state.brand, state.images, state.characteristics)
    if offer.name:
        state.name = offer.name
    if offer.description is not None:
        state.description = offer.description
    if offer.brand is not None:
        state.brand = offer.brand
    if offer.images:
        state.images = list(offer.images)
    if offer.characteristics:
        state.characteristics = {k: list(v) for k, v in offer.characteristics.items()}
        _characteristic_warnings(offer.characteristics, view, offer.warnings)
    after = (state.name, state.description, state.brand, state.images, state.characteristics)
    return before != after


def _store_pnk(
    platform: Platform, state: ProductState, offer: CleanOffer, view: CatalogView
) -> None:
    if not offer.pnk:
        return
    current = state.pnks.get(platform)
    if current is not None:
        if current.upper() != offer.pnk.upper():
            offer.warnings.append(
                f"the product already has PNK {current} on eMAG {platform.upper()}; "
                f"the offer's PNK {offer.pnk} was not stored"
            )
        return
    owners = view.pnk_owners.get(pnk_key(platform, offer.pnk), set()) - {state.id}
    if owners:
        offer.warnings.append(
            f"PNK {offer.pnk} already belongs to product {sorted(owners, key=str)[0]}; "
            "not stored on this one"
        )
        return
    state.pnks[platform] = offer.pnk
    view.claim(state)


def _new_product(
    platform: Platform,
    offer: CleanOffer,
    view: CatalogView,
    new_id: Callable[[], uuid.UUID],
) -> ProductState | str:
    """The product to create from an offer, or the reason it cannot be created."""
    if not offer.name:
        return "no name: a product cannot be created from this offer"
    warnings = offer.warnings
    sku: str | None = None
    if offer.codes and not view.code_taken(offer.codes[0]):
        sku = offer.codes[0]
    else:
        sku = derived_sku(platform, offer)
        if sku is None:
            return "no part number, PNK or valid EAN to make a SKU of"
        if check_code(sku) or view.code_taken(sku):
            return f"the derived SKU {sku} is already used by another product"
        warnings.append(f"SKU set to {sku} (no part number usable as SKU)")
    eans = [ean for ean in dedupe_codes(offer.eans, [sku]) if not view.code_taken(ean)]
    additional = [
        code for code in dedupe_codes(offer.codes, [sku, *eans]) if not view.code_taken(code)
    ]
    pnks: dict[str, str] = {}
    if offer.pnk and not view.pnk_owners.get(pnk_key(platform, offer.pnk)):
        pnks[platform] = offer.pnk
    if offer.characteristics:
        _characteristic_warnings(offer.characteristics, view, warnings)
    return ProductState(
        id=new_id(),
        sku=sku,
        name=offer.name,
        description=offer.description,
        brand=offer.brand,
        eans=eans,
        additional_codes=additional,
        pnks=pnks,
        images=list(offer.images),
        characteristics={k: list(v) for k, v in offer.characteristics.items()},
        category_id=_category(offer, view, warnings),
        vat_rate=offer.vat_rate,
        warranty_months=offer.warranty_months,
    )


def plan_import(
    platform: Platform,
    offers: Iterable[CleanOffer],
    view: CatalogView,
    *,
    update_details: bool,
    new_id: Callable[[], uuid.UUID] = uuid.uuid4,
) -> ImportPlan:
    """Decide every offer, in order, against `view` (which it updates)."""
    results: list[ImportResult] = []
    created: dict[uuid.UUID, ProductState] = {}
    touched: dict[uuid.UUID, ProductState] = {}

    def working(product_id: uuid.UUID) -> ProductState:
        if product_id in created:
            return created[product_id]
        if product_id not in touched:
            touched[product_id] = view.products[product_id].copy()
        return touched[product_id]

    for given in offers:
        # Warnings are added as the offer is decided: on a copy, so the input stays as it was.
        offer = dataclasses.replace(given, warnings=list(given.warnings))
        if not offer.lookup_codes and not offer.pnk:
            results.append(
                ImportResult(
                    offer.key,
                    "held",
                    warnings=offer.warnings,
                    reason="nothing to match on: no part number, EAN or PNK",
                )
            )
            continue
        match = match_offer(platform, offer, view)
        if match.outcome == "ambiguous":
            results.append(
                ImportResult(
                    offer.key,
                    "ambiguous",
                    candidates=list(match.candidates),
                    warnings=offer.warnings,
                    reason=match.reason,
                )
            )
            continue
        if match.outcome == "linked" and match.product_id is not None:
            if match.product_id not in view.products:  # the view is inconsistent: never guess
                results.append(
                    ImportResult(
                        offer.key,
                        "held",
                        warnings=offer.warnings,
                        reason=f"product {match.product_id} changed during the import; retry",
                    )
                )
                continue
            state = working(match.product_id)
            current_pnk = state.pnks.get(platform)
            if (
                match.rule == "ean"
                and offer.pnk
                and current_pnk
                and current_pnk.upper() != offer.pnk.upper()
            ):
                # An EAN shared by two different eMAG products: linking would merge them into
                # one catalog product, so it is never guessed (B5). The seller's own codes (SKU,
                # additional codes) are deliberate and still link, with a warning.
                results.append(
                    ImportResult(
                        offer.key,
                        "ambiguous",
                        candidates=[state.id],
                        warnings=offer.warnings,
                        reason=f"its {match.rule} matches product {state.id}, which is already "
                        f"eMAG product {current_pnk}; this offer is eMAG product {offer.pnk}",
                    )
                )
                continue
            details = _apply_details(state, offer, view) if update_details else False
            _store_pnk(platform, state, offer, view)
            results.append(
                ImportResult(
                    offer.key,
                    "linked",
                    product_id=state.id,
                    rule=match.rule,
                    details_updated=details,
                    warnings=offer.warnings,
                )
            )
            continue
        product = _new_product(platform, offer, view, new_id)
        if isinstance(product, str):
            results.append(ImportResult(offer.key, "held", warnings=offer.warnings, reason=product))
            continue
        created[product.id] = product
        view.claim(product)
        results.append(
            ImportResult(offer.key, "created", product_id=product.id, warnings=offer.warnings)
        )
    return ImportPlan(results=results, created=list(created.values()), touched=touched)
