"""A deterministic, realistic demo catalogue: categories, offers, couriers, localities."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from emag_sandbox.state import (
    Account,
    Address,
    CatalogProduct,
    Category,
    Characteristic,
    CourierAccount,
    FamilyType,
    HistoryEntry,
    Locality,
    Offer,
    Platform,
    Store,
)
from emag_sandbox.util import ean_check_digit, utcnow


@dataclass(frozen=True)
class CharTemplate:
    id: int
    name: str
    type_id: int
    mandatory: int
    allow_new: int
    values: tuple[str, ...]
    tags: tuple[str, ...] = ()


CHARS: dict[str, CharTemplate] = {
    "putere": CharTemplate(5213, "Putere", 2, 1, 1, ("800 W", "1200 W", "1800 W", "2200 W")),
    "capacitate": CharTemplate(5214, "Capacitate", 2, 1, 1, ("0.3 l", "1 l", "1.5 l", "1.7 l")),
    "culoare": CharTemplate(
        1339, "Culoare", 11, 1, 1, ("Alb", "Negru", "Rosu", "Albastru", "Verde", "Gri", "Inox")
    ),
    "material": CharTemplate(
        1340, "Material", 11, 0, 0, ("Plastic", "Inox", "Sticla", "Ceramica", "Silicon", "Piele")
    ),
    "marime_inc": CharTemplate(
        6506,
        "Marime",
        60,
        1,
        0,
        ("39 EU", "40 EU", "41 EU", "42 EU", "43 EU", "44 EU", "45 EU"),
        ("original", "converted"),
    ),
    "marime_haine": CharTemplate(6507, "Marime", 60, 1, 0, ("XS", "S", "M", "L", "XL", "XXL")),
    "compat": CharTemplate(
        7101,
        "Compatibilitate",
        11,
        1,
        1,
        ("iPhone 15", "iPhone 16", "Galaxy S24", "Galaxy A55", "Pixel 9", "Redmi Note 13"),
    ),
    "conector": CharTemplate(7102, "Tip conector", 11, 1, 0, ("USB-C", "Lightning", "Micro-USB")),
    "piese": CharTemplate(8101, "Numar piese", 1, 1, 1, ("500", "1000", "1500", "2000")),
    "varsta": CharTemplate(8102, "Varsta recomandata", 11, 0, 0, ("3+ ani", "6+ ani", "12+ ani")),
    "wireless": CharTemplate(7103, "Incarcare wireless", 20, 0, 0, ("Da", "Nu", "N/A")),
}


@dataclass(frozen=True)
class CatTemplate:
    id: int
    name: str
    parent: int
    allowed: int
    ean_mandatory: int
    warranty_mandatory: int
    chars: tuple[str, ...]
    family: tuple[int, str, str] | None  # (family type id, name, char key)
    nouns: tuple[str, ...]
    price_range: tuple[int, int]


CATEGORIES: tuple[CatTemplate, ...] = (
    CatTemplate(1300, "Electrocasnice mici", 0, 1, 0, 0, (), None, (), (0, 0)),
    CatTemplate(
        1315,
        "Fierbatoare",
        1300,
        1,
        1,
        1,
        ("putere", "capacitate", "culoare", "material"),
        (97, "Culoare", "culoare"),
        ("Fierbator", "Fierbator electric", "Fierbator cu termostat"),
        (60, 450),
    ),
    CatTemplate(
        1316,
        "Cafetiere",
        1300,
        1,
        1,
        1,
        ("putere", "capacitate", "culoare"),
        (97, "Culoare", "culoare"),
        ("Cafetiera", "Cafetiera programabila"),
        (90, 900),
    ),
    CatTemplate(2700, "Fashion", 0, 1, 0, 0, (), None, (), (0, 0)),
    CatTemplate(
        2735,
        "Tenisi barbati",
        2700,
        1,
        1,
        0,
        ("marime_inc", "culoare", "material"),
        (95, "Marime", "marime_inc"),
        ("Tenisi", "Pantofi sport", "Sneakers"),
        (120, 600),
    ),
    CatTemplate(
        2740,
        "Tricouri barbati",
        2700,
        1,
        0,
        0,
        ("marime_haine", "culoare", "material"),
        (96, "Marime", "marime_haine"),
        ("Tricou", "Tricou bumbac", "Tricou polo"),
        (40, 180),
    ),
    CatTemplate(3100, "Telefoane & accesorii", 0, 1, 0, 0, (), None, (), (0, 0)),
    CatTemplate(
        3120,
        "Huse telefoane",
        3100,
        1,
        1,
        0,
        ("compat", "culoare", "material"),
        (97, "Culoare", "culoare"),
        ("Husa", "Husa silicon", "Husa tip carte"),
        (20, 150),
    ),
    CatTemplate(
        3130,
        "Incarcatoare telefoane",
        3100,
        1,
        1,
        1,
        ("putere", "conector", "wireless"),
        None,
        ("Incarcator", "Incarcator rapid", "Incarcator auto"),
        (35, 250),
    ),
    CatTemplate(4200, "Casa & Gradina", 0, 1, 0, 0, (), None, (), (0, 0)),
    CatTemplate(
        4210,
        "Cani",
        4200,
        1,
        0,
        0,
        ("capacitate", "culoare", "material"),
        (97, "Culoare", "culoare"),
        ("Cana", "Cana termos", "Cana ceramica"),
        (15, 120),
    ),
    CatTemplate(5500, "Jucarii", 0, 1, 0, 0, (), None, (), (0, 0)),
    CatTemplate(
        5520,
        "Puzzle",
        5500,
        1,
        1,
        0,
        ("piese", "varsta"),
        None,
        ("Puzzle", "Puzzle 3D", "Puzzle panoramic"),
        (30, 220),
    ),
    CatTemplate(6600, "Farmacie", 0, 0, 1, 0, (), None, (), (0, 0)),
    CatTemplate(
        6610,
        "Suplimente alimentare",
        6600,
        0,
        1,
        0,
        ("capacitate",),
        None,
        ("Supliment",),
        (30, 200),
    ),
)

BRANDS = ("Taraba", "Heinner", "Sprandi", "Tefal", "Philips", "Trust", "Baseus", "Clementoni")
ADJECTIVES = ("Classic", "Pro", "Eco", "Max", "Lite", "Plus", "Urban", "Nova", "Prime", "Duo")

# (name, name without diacritics, county, zipcode) — real Romanian localities
RO_LOCALITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Sector 1", "Sector 1", "Bucuresti", "010011"),
    ("Sector 2", "Sector 2", "Bucuresti", "020011"),
    ("Sector 3", "Sector 3", "Bucuresti", "030011"),
    ("Sector 4", "Sector 4", "Bucuresti", "040011"),
    ("Sector 5", "Sector 5", "Bucuresti", "050011"),
    ("Sector 6", "Sector 6", "Bucuresti", "060011"),
    ("Cluj-Napoca", "Cluj-Napoca", "Cluj", "400001"),
    ("Iași", "Iasi", "Iasi", "700001"),
    ("Timișoara", "Timisoara", "Timis", "300001"),
    ("Constanța", "Constanta", "Constanta", "900001"),
    ("Brașov", "Brasov", "Brasov", "500001"),
    ("Craiova", "Craiova", "Dolj", "200001"),
    ("Galați", "Galati", "Galati", "800001"),
    ("Ploiești", "Ploiesti", "Prahova", "100001"),
    ("Oradea", "Oradea", "Bihor", "410001"),
    ("Brăila", "Braila", "Braila", "810001"),
    ("Arad", "Arad", "Arad", "310001"),
    ("Pitești", "Pitesti", "Arges", "110001"),
    ("Sibiu", "Sibiu", "Sibiu", "550001"),
    ("Bacău", "Bacau", "Bacau", "600001"),
    ("Târgu Mureș", "Targu Mures", "Mures", "540001"),
    ("Baia Mare", "Baia Mare", "Maramures", "430001"),
    ("Buzău", "Buzau", "Buzau", "120001"),
    ("Botoșani", "Botosani", "Botosani", "710001"),
    ("Satu Mare", "Satu Mare", "Satu Mare", "440001"),
    ("Suceava", "Suceava", "Suceava", "720001"),
    ("Râmnicu Vâlcea", "Ramnicu Valcea", "Valcea", "240001"),
    ("Piatra Neamț", "Piatra Neamt", "Neamt", "610001"),
    ("Drobeta-Turnu Severin", "Drobeta-Turnu Severin", "Mehedinti", "220001"),
    ("Târgu Jiu", "Targu Jiu", "Gorj", "210001"),
    ("Focșani", "Focsani", "Vrancea", "620001"),
    ("Bistrița", "Bistrita", "Bistrita-Nasaud", "420001"),
    ("Reșița", "Resita", "Caras-Severin", "320001"),
    ("Tulcea", "Tulcea", "Tulcea", "820001"),
    ("Slatina", "Slatina", "Olt", "230001"),
    ("Alba Iulia", "Alba Iulia", "Alba", "510001"),
    ("Giurgiu", "Giurgiu", "Giurgiu", "080001"),
    ("Deva", "Deva", "Hunedoara", "330001"),
    ("Zalău", "Zalau", "Salaj", "450001"),
    ("Sfântu Gheorghe", "Sfantu Gheorghe", "Covasna", "520001"),
    ("Vaslui", "Vaslui", "Vaslui", "730001"),
    ("Călărași", "Calarasi", "Calarasi", "910001"),
    ("Alexandria", "Alexandria", "Teleorman", "140001"),
    ("Târgoviște", "Targoviste", "Dambovita", "130001"),
    ("Miercurea Ciuc", "Miercurea Ciuc", "Harghita", "530001"),
    ("Slobozia", "Slobozia", "Ialomita", "920001"),
    ("Voluntari", "Voluntari", "Ilfov", "077190"),
    ("Popești-Leordeni", "Popesti-Leordeni", "Ilfov", "077160"),
    ("Florești", "Floresti", "Cluj", "407280"),
    ("Mioveni", "Mioveni", "Arges", "115400"),
)
BG_LOCALITIES: tuple[tuple[str, str, str, str], ...] = (
    ("София", "Sofia", "Sofia-grad", "1000"),
    ("Пловдив", "Plovdiv", "Plovdiv", "4000"),
    ("Варна", "Varna", "Varna", "9000"),
    ("Бургас", "Burgas", "Burgas", "8000"),
    ("Русе", "Ruse", "Ruse", "7000"),  # noqa: RUF001
    ("Стара Загора", "Stara Zagora", "Stara Zagora", "6000"),  # noqa: RUF001
)
HU_LOCALITIES: tuple[tuple[str, str, str, str], ...] = (
    ("Budapest", "Budapest", "Budapest", "1011"),
    ("Debrecen", "Debrecen", "Hajdu-Bihar", "4024"),
    ("Szeged", "Szeged", "Csongrad-Csanad", "6720"),
    ("Miskolc", "Miskolc", "Borsod-Abauj-Zemplen", "3525"),
    ("Pécs", "Pecs", "Baranya", "7621"),
    ("Győr", "Gyor", "Gyor-Moson-Sopron", "9021"),
)

FIRST_NAMES = ("Ion", "Maria", "Andrei", "Elena", "Mihai", "Ioana", "Alexandru", "Ana", "Radu")
LAST_NAMES = ("Popescu", "Ionescu", "Popa", "Dumitru", "Stan", "Stoica", "Gheorghe", "Matei")
STREETS = ("Str. Mihai Eminescu", "Bd. Unirii", "Str. Florilor", "Calea Victoriei", "Str. Morii")


def make_pnk(rng: random.Random) -> str:
    alphabet = string.ascii_uppercase + string.digits
    return "D" + "".join(rng.choice(alphabet) for _ in range(6)) + "BM"


def make_ean(rng: random.Random, prefix: str = "594") -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(12 - len(prefix)))
    return body + ean_check_digit(body)


def seed_platform(platform: Platform) -> None:
    """Categories, localities and other sellers' catalogue products (idempotent)."""
    if platform.seeded:
        return
    info = platform.info
    base = info.category_id_base
    for tpl in CATEGORIES:
        category = Category(
            id=tpl.id + base,
            name=tpl.name,
            parent_id=(tpl.parent + base) if tpl.parent else 0,
            is_allowed=tpl.allowed,
            is_ean_mandatory=tpl.ean_mandatory,
            is_warranty_mandatory=tpl.warranty_mandatory,
        )
        for position, key in enumerate(tpl.chars, start=1):
            ch = CHARS[key]
            category.characteristics.append(
                Characteristic(
                    id=ch.id,
                    name=ch.name,
                    type_id=ch.type_id,
                    display_order=position,
                    is_mandatory=ch.mandatory,
                    is_filter=1 if position <= 2 else 0,
                    allow_new_value=ch.allow_new,
                    values=list(ch.values),
                    tags=list(ch.tags),
                )
            )
        if tpl.family is not None:
            ft_id, ft_name, ch_key = tpl.family
            category.family_types.append(
                FamilyType(
                    id=ft_id,
                    name=ft_name,
                    characteristics=[
                        {
                            "characteristic_id": CHARS[ch_key].id,
                            "characteristic_family_type_id": 2 if ft_id != 97 else 1,
                            "is_foldable": 1 if ft_id == 95 else 0,
                            "display_order": 1,
                        }
                    ],
                )
            )
        platform.categories[category.id] = category

    rows = {"RO": RO_LOCALITIES, "BG": BG_LOCALITIES, "HU": HU_LOCALITIES}[info.code]
    modified = utcnow().replace(microsecond=0) - timedelta(days=90)
    for i, (name, latin, county, zipcode) in enumerate(rows, start=1):
        platform.localities.append(
            Locality(
                emag_id=info.locality_id_base + i,
                name=name,
                name_latin=latin,
                region1=county,
                region1_latin=county,
                region2=county,
                region2_latin=county,
                region3=None,
                region4=None,
                geoid=info.locality_id_base * 10 + 9000 + i,
                zipcode=zipcode,
                country_code=info.code,
                iso2=f"{info.code}-{county[:2].upper()}",
                modified=modified,
            )
        )

    # Products other sellers documented: attachable by PNK or EAN.
    rng = random.Random(f"catalog-{info.code}")
    leaves = [t for t in CATEGORIES if t.nouns and t.allowed]
    for _ in range(80):
        tpl = rng.choice(leaves)
        brand = rng.choice(BRANDS[1:])
        pnk = make_pnk(rng)
        platform.add_catalog_product(
            CatalogProduct(
                part_number_key=pnk,
                name=f"{rng.choice(tpl.nouns)} {brand} {rng.choice(ADJECTIVES)}",
                brand=brand,
                category_id=tpl.id + base,
                eans=[make_ean(rng, "590")],
                image=f"https://s13emagst.akamaized.net/products/sandbox/{pnk.lower()}.jpg",
                hotness=rng.choice(("SUPER COLD", "COLD", "WARM", "HOT")),
            )
        )
    platform.seeded = True


def seed_account_reference(store: Store, account: Account) -> None:
    """Couriers and addresses of an account (idempotent)."""
    if not account.couriers:
        now = utcnow().replace(microsecond=0) - timedelta(days=365)
        country = store.platform(account.platform).info.code
        base = 10_660 + len(store.accounts) * 10
        account.couriers = [
            CourierAccount(base + 1, "Sameday Curier", 3, "SAMEDAY", 11, [0, 2], now, 1, country),
            CourierAccount(base + 2, "FAN Courier", 2, "FAN", 12, [0, 6], now, 1, country),
            CourierAccount(base + 3, "DPD Romania", 3, "DPD", 13, [0], now, 1, country),
            CourierAccount(base + 4, "Cargus retururi", 1, "Cargus", 14, [0], now, 1, country),
            CourierAccount(base + 5, "GLS (inactiv)", 2, "GLS", 15, [0], now, 0, country),
        ]
    if not account.addresses:
        platform = store.platform(account.platform)
        loc = platform.localities[0] if platform.localities else None
        locality_id = loc.emag_id if loc else 1
        suburb = loc.region2 if loc else ""
        city = loc.name if loc else ""
        account.addresses = [
            Address(
                f"{account.seller_id}01",
                1,
                account.platform,
                2,
                locality_id,
                suburb,
                city,
                "Str. Depozitului 10",
                "030011",
                None,
                None,
                True,
            ),
            Address(
                f"{account.seller_id}02",
                1,
                account.platform,
                1,
                locality_id,
                suburb,
                city,
                "Str. Depozitului 10, rampa retur",
                "030011",
                None,
                None,
                True,
            ),
            Address(
                f"{account.seller_id}03",
                1,
                account.platform,
                3,
                locality_id,
                suburb,
                city,
                "Bd. Unirii 1, et. 3",
                "030011",
                None,
                "3",
                True,
            ),
        ]


def seed_account(store: Store, account: Account, seed: int, offers: int) -> int:
    """Seed the platform data and `offers` offers for `account`. Returns the offers created."""
    platform = store.platform(account.platform)
    seed_platform(platform)
    seed_account_reference(store, account)
    rng = random.Random(f"{seed}-{account.platform}")
    base = platform.info.category_id_base
    leaves = [t for t in CATEGORIES if t.nouns and t.allowed]
    now = utcnow().replace(microsecond=0)
    created = 0
    next_id = max(account.offers, default=1000) + 1
    for n in range(offers):
        tpl = leaves[n % len(leaves)]
        brand = rng.choice(BRANDS)
        noun = rng.choice(tpl.nouns)
        adjective = rng.choice(ADJECTIVES)
        product_id = next_id + n
        chars: list[dict[str, object]] = []
        variant = ""
        for key in tpl.chars:
            ch = CHARS[key]
            value = rng.choice(ch.values)
            if ch.tags:
                chars.extend({"id": ch.id, "value": value, "tag": tag} for tag in ch.tags)
            else:
                chars.append({"id": ch.id, "value": value})
            if tpl.family and tpl.family[2] == key:
                variant = value
        name = f"{noun} {brand} {adjective} {variant}".strip()
        low, high = tpl.price_range
        gross = Decimal(rng.randrange(low * 100, high * 100)) / 100 + Decimal("0.99")
        net = (gross / Decimal("1.21")).quantize(Decimal("0.0001"))
        pnk = make_pnk(rng)
        ean = make_ean(rng)
        part_number = f"TRB-{tpl.id}-{product_id:05d}"
        roll = rng.random()
        validation = 9 if roll < 0.9 else rng.choice((1, 3, 8, 11, 12))
        stock_value = rng.choice((0, 1, 2, 3, 5, 8, 12, 20, 35, 50)) if roll < 0.97 else 0
        offer = Offer(
            id=product_id,
            created=now - timedelta(days=rng.randrange(1, 400)),
            modified=now - timedelta(days=rng.randrange(0, 30)),
            category_id=tpl.id + base,
            part_number_key=pnk if validation in (3, 9, 11, 12) else None,
            part_number=part_number,
            name=name,
            brand=brand,
            description=f"<p>{name}. Produs demonstrativ pentru sandbox-ul eMAG.</p>",
            url=f"https://shop.taraba.example/p/{product_id}",
            ean=[ean],
            warranty=24 if tpl.warranty_mandatory else rng.choice((0, 12, 24)),
            images=[
                {"display_type": 1, "url": f"https://cdn.taraba.example/p/{product_id}-1.jpg"},
                {"display_type": 2, "url": f"https://cdn.taraba.example/p/{product_id}-2.jpg"},
            ],
            characteristics=chars,
            family=(
                {"id": 100 + n // 3, "name": f"{noun} {brand}", "family_type_id": tpl.family[0]}
                if tpl.family
                else None
            ),
            status=1 if rng.random() < 0.93 else 0,
            sale_price=net,
            recommended_price=(net * Decimal("1.15")).quantize(Decimal("0.0001"))
            if rng.random() < 0.3
            else None,
            min_sale_price=(net * Decimal("0.7")).quantize(Decimal("0.0001")),
            max_sale_price=(net * Decimal("1.6")).quantize(Decimal("0.0001")),
            vat_id=1,
            stock=[{"warehouse_id": 1, "value": stock_value}],
            handling_time=[{"warehouse_id": 1, "value": rng.choice((0, 1, 1, 2, 3))}],
            supply_lead_time=14,
            ownership=1 if rng.random() < 0.85 else 2,
            validation_status=validation,
            validation_errors=(
                ["user_message: Photo Gallery Validation - No valid images have been found."]
                if validation == 8
                else []
            ),
            offer_validation_status=1 if rng.random() < 0.97 else 2,
            number_of_offers=rng.randrange(1, 6),
            buy_button_rank=rng.randrange(1, 4),
        )
        offer.best_offer_sale_price = (net * Decimal(rng.randrange(90, 101)) / 100).quantize(
            Decimal("0.0001")
        )
        offer.price_history.append(HistoryEntry(offer.created, "seed", str(net)))
        offer.stock_history.append(
            HistoryEntry(offer.created, "seed", [dict(x) for x in offer.stock])
        )
        account.offers[offer.id] = offer
        if offer.part_number_key:
            platform.add_catalog_product(
                CatalogProduct(
                    part_number_key=pnk,
                    name=name,
                    brand=brand,
                    category_id=offer.category_id or 0,
                    eans=[ean],
                    image=offer.images[0]["url"],
                    hotness=rng.choice(("SUPER COLD", "COLD", "WARM")),
                    owner=account.username,
                )
            )
        created += 1
    return created


def random_customer(rng: random.Random, platform: Platform, customer_id: int) -> dict[str, object]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    name = f"{first} {last}"
    loc = rng.choice(platform.localities) if platform.localities else None
    phone = "07" + "".join(rng.choice(string.digits) for _ in range(8))
    street = f"{rng.choice(STREETS)} {rng.randrange(1, 150)}"
    company = rng.random() < 0.1
    address = {
        "country": platform.info.code,
        "suburb": loc.region2 if loc else "",
        "city": loc.name if loc else "",
        "locality_id": str(loc.emag_id) if loc else "",
        "street": street,
        "postal_code": loc.zipcode if loc else "",
    }
    return {
        "id": customer_id,
        "mkt_id": 990_000 + customer_id,
        "name": name,
        "company": "Client Demo SRL" if company else name,
        "email": "".join(rng.choice("0123456789abcdef") for _ in range(12)) + "@emag.ro",
        "gender": "F" if first in ("Maria", "Elena", "Ioana", "Ana") else "M",
        "legal_entity": 1 if company else 0,
        "is_vat_payer": 1 if company else 0,
        "code": "RO12345678" if company else "",
        "registration_number": "J40/1234/2020" if company else "",
        "bank": "",
        "iban": "",
        "fax": "",
        "liable_person": "",
        "phone_1": phone,
        "phone_2": "",
        "phone_3": "",
        "billing_name": name,
        "billing_phone": phone,
        "billing_country": address["country"],
        "billing_suburb": address["suburb"],
        "billing_city": address["city"],
        "billing_locality_id": address["locality_id"],
        "billing_street": address["street"],
        "billing_postal_code": address["postal_code"],
        "shipping_country": address["country"],
        "shipping_suburb": address["suburb"],
        "shipping_city": address["city"],
        "shipping_locality_id": address["locality_id"],
        "shipping_street": address["street"],
        "shipping_postal_code": address["postal_code"],
        "shipping_contact": name,
        "shipping_phone": phone,
    }
