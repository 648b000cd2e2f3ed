"""catalog-svc use cases. Each runs inside the caller's transaction and writes its events to the
outbox in that same transaction.

Codes are serialised by transaction-level advisory locks on their keys (`code:<KEY>`,
`pnk:<platform>:<KEY>`), always taken first, in one statement and in a fixed order, before any
product row is locked; the unique indexes of `product_codes` and `product_pnks` are the last
word, and a write that still collides is retried by the API (see `api.retrying`).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession
from taraba_contracts.events.catalog import ProductCreatedV1, ProductUpdatedV1
from taraba_platform.errors import ApiError, Conflict, NotFound, Unprocessable
from taraba_platform.outbox import add_events

from catalog_svc.domain import (
    CODE_FIELDS,
    CatalogRuleViolation,
    CodeKind,
    ProductState,
    changed_fields,
    check_characteristics,
    code_entries,
    code_key,
    find_conflicts,
    plain_decimal,
    pnk_key,
)
from catalog_svc.matching import (
    CatalogView,
    ImportPlan,
    OfferData,
    clean_offer,
    lookup_keys,
    plan_import,
)
from catalog_svc.models import (
    categories,
    characteristics,
    product_codes,
    product_pnks,
    products,
)
from catalog_svc.schemas import ImportIn, ProductFields, ProductIn, ProductPatch
from catalog_svc.settings import DB_SCHEMA, SERVICE_NAME

DECIMAL_FIELDS = ("vat_rate", "weight_kg", "length_cm", "width_cm", "height_cm")


# --- rows and states --------------------------------------------------------------------------


def row_to_state(row: Any) -> ProductState:
    m = row._mapping
    return ProductState(
        id=m["id"],
        sku=m["sku"],
        name=m["name"],
        description=m["description"],
        brand=m["brand"],
        eans=list(m["eans"]),
        additional_codes=list(m["additional_codes"]),
        pnks=dict(m["pnks"]),
        images=list(m["images"]),
        characteristics={k: list(v) for k, v in m["characteristics"].items()},
        category_id=m["category_id"],
        vat_rate=plain_decimal(m["vat_rate"]),
        warranty_months=m["warranty_months"],
        weight_kg=plain_decimal(m["weight_kg"]),
        length_cm=plain_decimal(m["length_cm"]),
        width_cm=plain_decimal(m["width_cm"]),
        height_cm=plain_decimal(m["height_cm"]),
        bin_location=m["bin_location"],
        active=m["active"],
        version=m["version"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
    )


def product_out(state: ProductState) -> dict[str, Any]:
    return {
        "id": state.id,
        "sku": state.sku,
        "name": state.name,
        "description": state.description,
        "brand": state.brand,
        "eans": state.eans,
        "additional_codes": state.additional_codes,
        "pnks": state.pnks,
        "images": state.images,
        "characteristics": state.characteristics,
        "category_id": state.category_id,
        "vat_rate": state.vat_rate,
        "warranty_months": state.warranty_months,
        "weight_kg": state.weight_kg,
        "length_cm": state.length_cm,
        "width_cm": state.width_cm,
        "height_cm": state.height_cm,
        "bin_location": state.bin_location,
        "active": state.active,
        "version": state.version,
        "created_at": state.created_at,
        "updated_at": state.updated_at,
    }


def _columns(state: ProductState) -> dict[str, Any]:
    values = product_out(state)
    values.pop("id")
    return values


def _event_fields(state: ProductState) -> dict[str, Any]:
    values = product_out(state)
    values["product_id"] = values.pop("id")
    values["product_version"] = values.pop("version")
    return values


def state_from_body(body: ProductIn, product_id: uuid.UUID | None = None) -> ProductState:
    state = ProductState(id=product_id or uuid.uuid4(), sku=body.sku, name=body.name)
    apply_fields(state, body, body.model_fields_set - {"sku", "name"})
    return state


def apply_fields(state: ProductState, body: ProductFields, fields: Iterable[str]) -> None:
    """Set `fields` of `state` from `body`; a list or map sent as null empties it."""
    for name in fields:
        value = getattr(body, name)
        if name in {"eans", "additional_codes", "images"}:
            value = list(value or [])
        elif name in {"pnks", "characteristics"}:
            value = dict(value or {})
        elif name in {"name", "sku", "active"} and value is None:
            continue  # not nullable: a null leaves them alone
        elif name in DECIMAL_FIELDS:
            value = plain_decimal(value)
        setattr(state, name, value)


# --- locks and lookups ------------------------------------------------------------------------


def lock_names(states: Iterable[ProductState]) -> list[str]:
    names: set[str] = set()
    for state in states:
        names.update(f"code:{entry.key}" for entry in code_entries(state))
        names.update(f"pnk:{pnk_key(p, v)}" for p, v in state.pnks.items())
    return sorted(names)


async def lock(session: AsyncSession, names: Sequence[str]) -> None:
    """Take the transaction-level advisory locks of `names`, in one fixed order."""
    if not names:
        return
    await session.execute(
        sa.text(
            "SELECT count(pg_advisory_xact_lock(h)) FROM "
            "(SELECT DISTINCT hashtextextended(n, 0) AS h "
            " FROM unnest(CAST(:names AS text[])) AS n ORDER BY 1) AS ordered"
        ),
        {"names": list(names)},
    )


async def code_owners(
    session: AsyncSession, keys: Sequence[str]
) -> dict[str, tuple[uuid.UUID, CodeKind]]:
    if not keys:
        return {}
    rows = await session.execute(
        sa.select(product_codes.c.code_key, product_codes.c.product_id, product_codes.c.kind).where(
            product_codes.c.code_key == sa.any_(_text_array(keys))
        )
    )
    return {r.code_key: (r.product_id, CodeKind(r.kind)) for r in rows}


def _text_array(values: Sequence[str]) -> Any:
    return sa.cast(list(values), sa.ARRAY(sa.Text))


async def pnk_owners(
    session: AsyncSession, platform_keys: Sequence[tuple[str, str]]
) -> dict[str, uuid.UUID]:
    """pnk_key(platform, pnk) -> owner, for (platform, pnk) pairs."""
    if not platform_keys:
        return {}
    keys = sorted({pnk.strip().upper() for _, pnk in platform_keys})
    platforms = sorted({platform for platform, _ in platform_keys})
    rows = await session.execute(
        sa.select(product_pnks.c.platform, product_pnks.c.pnk_key, product_pnks.c.product_id).where(
            product_pnks.c.platform == sa.any_(_text_array(platforms)),
            product_pnks.c.pnk_key == sa.any_(_text_array(keys)),
        )
    )
    return {f"{r.platform}:{r.pnk_key}": r.product_id for r in rows}


async def load_products(
    session: AsyncSession, ids: Iterable[uuid.UUID], *, for_update: bool = False
) -> dict[uuid.UUID, ProductState]:
    wanted = sorted(set(ids), key=str)
    if not wanted:
        return {}
    query = (
        sa.select(products)
        .where(products.c.id == sa.any_(sa.cast(wanted, sa.ARRAY(products.c.id.type))))
        .order_by(products.c.id)
    )
    if for_update:
        query = query.with_for_update()
    return {row.id: row_to_state(row) for row in await session.execute(query)}


async def get_product(
    session: AsyncSession, product_id: uuid.UUID, *, for_update: bool = False
) -> ProductState:
    found = await load_products(session, [product_id], for_update=for_update)
    if product_id not in found:
        raise NotFound(f"product {product_id} does not exist", "product_id")
    return found[product_id]


async def product_by_code(session: AsyncSession, code: str) -> ProductState | None:
    owner = (await code_owners(session, [code_key(code)])).get(code_key(code))
    if owner is None:
        return None
    return (await load_products(session, [owner[0]])).get(owner[0])


# --- writing ----------------------------------------------------------------------------------


@dataclass
class Written:
    state: ProductState
    outcome: Literal["created", "updated", "unchanged"]
    changed: list[str]


async def write_products(
    session: AsyncSession, writes: Sequence[tuple[ProductState | None, ProductState]]
) -> list[Written]:
    """Persist each (old, new) pair (old None: create), rewrite the code indexes of what
    changed, and emit one event per created or changed product. Bulk statements throughout."""
    now = datetime.now(UTC)
    results: list[Written] = []
    inserts: list[ProductState] = []
    updates: list[ProductState] = []
    reindex_codes: list[ProductState] = []
    reindex_pnks: list[ProductState] = []
    events: list[tuple[ProductState, list[str]]] = []
    for old, new in writes:
        changed = changed_fields(old, new)
        if old is not None and not changed:
            results.append(Written(old, "unchanged", []))
            continue
        state = new.copy()
        state.version = 1 if old is None else old.version + 1
        state.created_at = now if old is None else old.created_at
        state.updated_at = now
        (inserts if old is None else updates).append(state)
        if old is None or any(f in changed for f in CODE_FIELDS):
            reindex_codes.append(state)
        if old is None or "pnks" in changed:
            reindex_pnks.append(state)
        events.append((state, changed))
        results.append(Written(state, "created" if old is None else "updated", changed))

    if inserts:
        await session.execute(products.insert(), [{"id": s.id, **_columns(s)} for s in inserts])
    if updates:
        await session.execute(
            products.update()
            .where(products.c.id == sa.bindparam("b_id"))
            .values({name: sa.bindparam(name) for name in _columns(updates[0])}),
            [{"b_id": s.id, **_columns(s)} for s in updates],
        )
    existing_codes = [s.id for s in reindex_codes if s.version > 1]
    if existing_codes:
        await session.execute(
            product_codes.delete().where(
                product_codes.c.product_id
                == sa.any_(sa.cast(existing_codes, sa.ARRAY(product_codes.c.product_id.type)))
            )
        )
    code_rows = [
        {"code_key": e.key, "code": e.code, "kind": e.kind.value, "product_id": s.id}
        for s in reindex_codes
        for e in code_entries(s)
    ]
    if code_rows:
        await session.execute(product_codes.insert(), code_rows)
    existing_pnks = [s.id for s in reindex_pnks if s.version > 1]
    if existing_pnks:
        await session.execute(
            product_pnks.delete().where(
                product_pnks.c.product_id
                == sa.any_(sa.cast(existing_pnks, sa.ARRAY(product_pnks.c.product_id.type)))
            )
        )
    pnk_rows = [
        {"platform": p, "pnk_key": v.strip().upper(), "pnk": v, "product_id": s.id}
        for s in reindex_pnks
        for p, v in sorted(s.pnks.items())
    ]
    if pnk_rows:
        await session.execute(product_pnks.insert(), pnk_rows)

    await emit(
        session,
        [
            ProductCreatedV1(**_event_fields(state))
            if state.version == 1
            else ProductUpdatedV1(**_event_fields(state), changed_fields=changed)
            for state, changed in events
        ],
    )
    return results


async def emit(
    session: AsyncSession, events: Sequence[ProductCreatedV1 | ProductUpdatedV1]
) -> None:
    """Write the events to the outbox (subject `product:<id>`, sequence = the product's
    version), in one round trip for a batch (bulk writes, imports)."""
    await add_events(
        session,
        [(event, f"product:{event.product_id}", event.product_version) for event in events],
        source=SERVICE_NAME,
        schema=DB_SCHEMA,
    )


# --- checking and saving products -------------------------------------------------------------


async def _category_ids(session: AsyncSession, ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    wanted = sorted(set(ids), key=str)
    if not wanted:
        return set()
    rows = await session.execute(
        sa.select(categories.c.id).where(
            categories.c.id == sa.any_(sa.cast(wanted, sa.ARRAY(categories.c.id.type)))
        )
    )
    return {r.id for r in rows}


async def characteristic_definitions(
    session: AsyncSession, names: Iterable[str]
) -> dict[str, tuple[str, list[str]]]:
    wanted = sorted({name.strip().lower() for name in names})
    if not wanted:
        return {}
    rows = await session.execute(
        sa.select(characteristics.c.name, characteristics.c["values"]).where(
            sa.func.lower(characteristics.c.name) == sa.any_(_text_array(wanted))
        )
    )
    return {r.name.lower(): (r.name, list(r[1])) for r in rows}


async def save_products(
    session: AsyncSession,
    candidates: Sequence[tuple[ProductState | None, ProductState]],
    *,
    locked: bool = False,
) -> list[Written | CatalogRuleViolation]:
    """Check each candidate (category exists, characteristic values allowed, no code or PNK of
    another product), write the valid ones, and answer per candidate."""
    if not locked:
        await lock(session, lock_names(new for _, new in candidates))
    known_categories = await _category_ids(
        session, (n.category_id for _, n in candidates if n.category_id is not None)
    )
    definitions = await characteristic_definitions(
        session, (name for _, n in candidates for name in n.characteristics)
    )
    owners = {
        key: owner
        for key, (owner, _) in (
            await code_owners(
                session, sorted({e.key for _, n in candidates for e in code_entries(n)})
            )
        ).items()
    }
    pnks = await pnk_owners(session, [(p, v) for _, n in candidates for p, v in n.pnks.items()])
    answers: list[Written | CatalogRuleViolation | None] = []
    accepted: list[tuple[int, ProductState | None, ProductState]] = []
    for index, (old, new) in enumerate(candidates):
        problem: CatalogRuleViolation | None = None
        if new.category_id is not None and new.category_id not in known_categories:
            problem = CatalogRuleViolation(
                f"category {new.category_id} does not exist", "category_id", "unknown_category"
            )
        if problem is None and (old is None or old.characteristics != new.characteristics):
            bad = check_characteristics(new.characteristics, definitions)
            if bad:
                problem = CatalogRuleViolation(bad[0][1], bad[0][0], "invalid_characteristic")
        if problem is None:
            problem = find_conflicts(new, owners, pnks)
        if problem is not None:
            answers.append(problem)
            continue
        for entry in code_entries(new):
            owners[entry.key] = new.id
        for platform, value in new.pnks.items():
            pnks[pnk_key(platform, value)] = new.id
        answers.append(None)
        accepted.append((index, old, new))
    written = await write_products(session, [(old, new) for _, old, new in accepted])
    for (index, _, _), result in zip(accepted, written, strict=True):
        answers[index] = result
    return [a for a in answers if a is not None]


def violation_error(problem: CatalogRuleViolation) -> ApiError:
    status = 409 if problem.code == "conflict" else 422
    return ApiError(status, problem.code, str(problem), problem.field)


async def save_one(
    session: AsyncSession, old: ProductState | None, new: ProductState, *, locked: bool = False
) -> Written:
    [answer] = await save_products(session, [(old, new)], locked=locked)
    if isinstance(answer, CatalogRuleViolation):
        raise violation_error(answer)
    return answer


async def create_product(session: AsyncSession, body: ProductIn) -> Written:
    owner = (await code_owners(session, [code_key(body.sku)])).get(code_key(body.sku))
    if owner is not None:
        raise Conflict(
            f"SKU {body.sku} already belongs to product {owner[0]} (as its {owner[1].value})",
            "sku",
        )
    return await save_one(session, None, state_from_body(body))


async def update_product(
    session: AsyncSession, product_id: uuid.UUID, patch: ProductPatch
) -> Written:
    fields = patch.model_fields_set
    # Lock the codes the patch brings before the product's row (the order imports use too).
    probe = ProductState(
        id=product_id,
        sku=patch.sku or "",
        name="",
        eans=list(patch.eans or []),
        additional_codes=list(patch.additional_codes or []),
        pnks={str(k): v for k, v in (patch.pnks or {}).items()},
    )
    await lock(session, [n for n in lock_names([probe]) if n != "code:"])
    old = await get_product(session, product_id, for_update=True)
    new = old.copy()
    apply_fields(new, patch, fields)
    # The codes it keeps are its own already; locking them now, after the row, could deadlock.
    return await save_one(session, old, new, locked=True)


async def add_code(session: AsyncSession, product_id: uuid.UUID, code: str) -> Written:
    await lock(session, [f"code:{code_key(code)}"])
    old = await get_product(session, product_id, for_update=True)
    owner = (await code_owners(session, [code_key(code)])).get(code_key(code))
    if owner is not None:
        pid, kind = owner
        if pid != product_id:
            raise Conflict(
                f"code {code} is already the {kind.value.replace('_', ' ')} of product {pid}",
                "code",
            )
        if kind is not CodeKind.ADDITIONAL:
            raise Conflict(f"code {code} is already this product's {kind.value}", "code")
        return Written(old, "unchanged", [])
    new = old.copy()
    new.additional_codes.append(code)
    return await save_one(session, old, new, locked=True)


async def remove_code(session: AsyncSession, product_id: uuid.UUID, code: str) -> Written:
    old = await get_product(session, product_id, for_update=True)
    key = code_key(code)
    remaining = [c for c in old.additional_codes if code_key(c) != key]
    if len(remaining) == len(old.additional_codes):
        raise NotFound(f"{code} is not an additional code of product {product_id}", "code")
    new = old.copy()
    new.additional_codes = remaining
    return await save_one(session, old, new, locked=True)


# --- bulk -------------------------------------------------------------------------------------


@dataclass
class BulkAnswer:
    index: int
    sku: str | None
    outcome: Literal["created", "updated", "unchanged", "error"]
    product_id: uuid.UUID | None = None
    version: int | None = None
    error: ApiError | None = None


def _validation_error(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "body"
    message = f"{where}: {'unknown field' if first['type'] == 'extra_forbidden' else first['msg']}"
    return ApiError(422, "validation_error", message, where)


async def bulk_upsert(session: AsyncSession, items: Sequence[Any]) -> list[BulkAnswer]:
    """Create or update (by SKU) up to 1000 products in one transaction, each checked alone."""
    answers: dict[int, BulkAnswer] = {}
    bodies: dict[int, ProductIn] = {}
    first_of_sku: dict[str, int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            answers[index] = BulkAnswer(
                index,
                None,
                "error",
                error=ApiError(422, "validation_error", "the item is not a JSON object", None),
            )
            continue
        sku = item.get("sku")
        try:
            body = ProductIn.model_validate(item)
        except ValidationError as exc:
            answers[index] = BulkAnswer(
                index, sku if isinstance(sku, str) else None, "error", error=_validation_error(exc)
            )
            continue
        key = code_key(body.sku)
        if key in first_of_sku:
            answers[index] = BulkAnswer(
                index,
                body.sku,
                "error",
                error=Conflict(
                    f"SKU {body.sku} is also item {first_of_sku[key]} of this request", "sku"
                ),
            )
            continue
        first_of_sku[key] = index
        bodies[index] = body

    probes = [state_from_body(body) for body in bodies.values()]
    await lock(session, lock_names(probes))
    owners = await code_owners(session, sorted(first_of_sku))
    existing = await load_products(
        session,
        (owner for owner, kind in owners.values() if kind is CodeKind.SKU),
        for_update=True,
    )
    candidates: list[tuple[int, ProductState | None, ProductState]] = []
    for index, body in bodies.items():
        owner = owners.get(code_key(body.sku))
        if owner is not None and owner[1] is not CodeKind.SKU:
            answers[index] = BulkAnswer(
                index,
                body.sku,
                "error",
                error=Conflict(
                    f"SKU {body.sku} is the {owner[1].value.replace('_', ' ')} of product "
                    f"{owner[0]}",
                    "sku",
                ),
            )
            continue
        if owner is None:
            candidates.append((index, None, state_from_body(body)))
        else:
            old = existing[owner[0]]
            new = old.copy()
            # Matched by SKU (any case): the SKU keeps the spelling it has.
            apply_fields(new, body, body.model_fields_set - {"sku"})
            candidates.append((index, old, new))
    saved = await save_products(session, [(o, n) for _, o, n in candidates], locked=True)
    for (index, _, new), result in zip(candidates, saved, strict=True):
        if isinstance(result, CatalogRuleViolation):
            answers[index] = BulkAnswer(index, new.sku, "error", error=violation_error(result))
        else:
            answers[index] = BulkAnswer(
                index, result.state.sku, result.outcome, result.state.id, result.state.version
            )
    return [answers[i] for i in range(len(items))]


# --- import from eMAG -------------------------------------------------------------------------


async def import_offers(session: AsyncSession, request: ImportIn) -> ImportPlan:
    """Match and import one batch of eMAG offers: a few bulk queries, one transaction."""
    platform = request.platform
    offers = [
        clean_offer(
            OfferData(
                key=o.key,
                codes=o.codes,
                eans=o.eans,
                pnk=o.pnk,
                name=o.product.name,
                description=o.product.description,
                brand=o.product.brand,
                images=o.product.images,
                characteristics=o.product.characteristics,
                warranty_months=o.product.warranty_months,
                vat_rate=o.product.vat_rate,
                category_name=o.product.category_name,
            )
        )
        for o in request.offers
    ]
    codes, pnks = lookup_keys(platform, offers)
    await lock(session, [f"code:{k}" for k in codes] + [f"pnk:{platform}:{k}" for k in pnks])
    view = CatalogView()
    for key, (owner, kind) in (await code_owners(session, codes)).items():
        view.code_owners[key] = {owner: kind}
    for key, owner in (await pnk_owners(session, [(platform, p) for p in pnks])).items():
        view.pnk_owners[key] = {owner}
    ids = {o for owners in view.code_owners.values() for o in owners}
    ids |= {o for owners in view.pnk_owners.values() for o in owners}
    originals = await load_products(session, ids, for_update=True)
    view.products = {pid: state.copy() for pid, state in originals.items()}
    names = sorted({o.category_name.lower() for o in offers if o.category_name})
    if names:
        rows = await session.execute(
            sa.select(categories.c.id, sa.func.lower(categories.c.name).label("key")).where(
                sa.func.lower(categories.c.name) == sa.any_(_text_array(names))
            )
        )
        for row in rows:
            view.categories.setdefault(row.key, []).append(row.id)
    view.characteristics = await characteristic_definitions(
        session, (name for o in offers for name in o.characteristics)
    )

    plan = plan_import(platform, offers, view, update_details=request.update_details)
    writes: list[tuple[ProductState | None, ProductState]] = [(None, s) for s in plan.created]
    writes += [(originals[pid], state) for pid, state in plan.touched.items()]
    await write_products(session, writes)
    return plan


# --- categories -------------------------------------------------------------------------------


async def all_categories(session: AsyncSession) -> dict[uuid.UUID, Any]:
    rows = await session.execute(sa.select(categories).order_by(sa.func.lower(categories.c.name)))
    return {row.id: row for row in rows}


def category_path(rows: dict[uuid.UUID, Any], category_id: uuid.UUID) -> list[str]:
    path: list[str] = []
    current: uuid.UUID | None = category_id
    while current is not None and current in rows and len(path) < 1000:
        path.append(rows[current].name)
        current = rows[current].parent_id
    return list(reversed(path))


def category_out(rows: dict[uuid.UUID, Any], category_id: uuid.UUID) -> dict[str, Any]:
    row = rows[category_id]
    return {**dict(row._mapping), "path": category_path(rows, category_id)}


def category_tree(rows: dict[uuid.UUID, Any]) -> list[dict[str, Any]]:
    nodes = {
        cid: {"id": cid, "name": r.name, "parent_id": r.parent_id, "children": []}
        for cid, r in rows.items()
    }
    roots: list[dict[str, Any]] = []
    for cid, row in rows.items():  # rows are in name order, so children are too
        parent = nodes.get(row.parent_id) if row.parent_id else None
        (parent["children"] if parent else roots).append(nodes[cid])
    return roots


def descendants(rows: dict[uuid.UUID, Any], category_id: uuid.UUID) -> set[uuid.UUID]:
    children: dict[uuid.UUID, list[uuid.UUID]] = {}
    for cid, row in rows.items():
        if row.parent_id is not None:
            children.setdefault(row.parent_id, []).append(cid)
    found = {category_id}
    stack = [category_id]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found


async def ensure_category_parent(session: AsyncSession, parent_id: uuid.UUID | None) -> None:
    if parent_id is None:
        return
    if not await _category_ids(session, [parent_id]):
        raise Unprocessable(f"category {parent_id} does not exist", "parent_id", "unknown_category")
