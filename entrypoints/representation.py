"""The JSON representation of read models, shared by the REST API and the CLI's ``--json``.

An item, a movement or a user reads the same whichever door a client came in by: the REST API
answers with these objects and ``inventory --json`` prints them. Both entrypoints import this
module (they may not import each other, see the import-linter contracts in pyproject.toml).

The pydantic models in ``entrypoints/rest/schemas.py`` stay the documented contract (OpenAPI);
these functions write the same JSON without building a model per object: the same fields in the
same order, amounts as strings with two decimals, times as ISO 8601 in UTC with ``Z``
(``tests/unit/test_render.py`` holds the bytes equal to the models' own output). Ids stay
``UUID`` objects in the write path's objects (items, movements): orjson writes a UUID in its
canonical form itself, in a fraction of what ``str`` costs per id.
"""

from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from uuid import UUID

import orjson

from application.credentials import ApiTokenView
from application.ports import Page
from application.use_cases import HistoryEntry, ItemStockAsOf, StockChange
from application.views import ItemView, StockLevelView, UserView
from domain.audit import AuditRecord
from domain.items import Item, StockMovement, is_low_stock
from domain.reservations import Reservation
from domain.users import User

T = TypeVar("T")
JsonObject = dict[str, Any]
_OPTIONS = orjson.OPT_UTC_Z


def item(view: ItemView | Item) -> JsonObject:
    tax = view.tax_rate
    return {
        "id": view.id,
        "sku": view.sku.value,
        "name": view.name,
        "description": view.description,
        "unit_price": f"{view.unit_price.amount:.2f}",
        "tax_rate": None if tax is None else f"{tax.percent:.2f}",
        "price_with_tax": f"{view.price_with_tax.amount:.2f}",
        "quantity": view.quantity,
        "held": view.held,
        "available": view.available,
        "reorder_level": view.reorder_level,
        "low_stock": view.low_stock,
        "has_image": view.image is not None,
        "version": view.version,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
        "archived_at": view.archived_at,
    }


def movement(m: StockMovement) -> JsonObject:
    return {
        "id": m.id,
        "item_id": m.item_id,
        "delta": m.delta,
        "reason": m.reason.value,
        "quantity_after": m.quantity_after,
        "actor_id": m.actor_id,
        "occurred_at": m.occurred_at,
        "note": m.note,
        "reference": m.reference,
        "location_id": m.location_id,
        "transfer_id": m.transfer_id,
        "reservation_id": m.reservation_id,
    }


def stock_change(change: StockChange) -> JsonObject:
    """A stock movement with the item after it. An adjustment always records a movement; a count
    that found the quantity unchanged records none (``"movement": null``, CLI only)."""
    return {
        "movement": None if change.movement is None else movement(change.movement),
        "quantity": change.item.quantity,
        "item": item(change.item),
    }


def stock_level(level: StockLevelView) -> JsonObject:
    """The fields of ``StockLevelOut`` (``entrypoints/rest/location_schemas.py``)."""
    return {
        "item_id": str(level.item_id),
        "sku": level.sku.value,
        "name": level.name,
        "location_id": str(level.location_id),
        "location_code": level.location_code.value,
        "quantity": level.quantity,
        "reorder_level": level.reorder_level,
        "low_stock": level.low_stock,
    }


def stock_as_of(then: ItemStockAsOf) -> list[JsonObject]:
    """``stock_level``'s fields for each location that held some of the item then; a location
    deleted since shows its id as its code."""
    item_id, reorder = str(then.item_id), then.reorder_level
    return [
        {
            "item_id": item_id,
            "sku": then.sku,
            "name": then.name,
            "location_id": str(place.location_id),
            "location_code": place.location_code or str(place.location_id),
            "quantity": place.quantity,
            "reorder_level": reorder,
            "low_stock": is_low_stock(place.quantity, reorder),
        }
        for place in then.locations
        if place.quantity
    ]


def reservation(r: Reservation) -> JsonObject:
    """The fields of ``ReservationOut`` (``entrypoints/rest/reservation_schemas.py``)."""
    return {
        "id": str(r.id),
        "item_id": str(r.item_id),
        "location_id": str(r.location_id),
        "quantity": r.quantity,
        "reference": r.reference,
        "note": r.note,
        "status": r.status.value,
        "fulfilled_quantity": r.fulfilled_quantity,
        "created_by": None if r.created_by is None else str(r.created_by),
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "expires_at": r.expires_at,
        "version": r.version,
    }


def user(account: User | UserView) -> JsonObject:
    return {
        "id": str(account.id),
        "username": account.username.value,
        "role": account.role.value,
        "active": account.active,
        "email": account.email,
        "full_name": account.full_name,
        "created_at": account.created_at,
        "updated_at": account.updated_at,
    }


def api_token(token: ApiTokenView) -> JsonObject:
    return {
        "id": str(token.id),
        "name": token.name,
        "scopes": sorted(token.scopes),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
    }


def audit_record(record: AuditRecord) -> JsonObject:
    return {
        "id": str(record.id),
        "entity": record.entity,
        "entity_id": str(record.entity_id),
        "action": record.action,
        "actor_id": None if record.actor_id is None else str(record.actor_id),
        "occurred_at": record.occurred_at,
        "channel": record.channel.value,
        "request_id": record.request_id,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in record.changes],
    }


def history_entry(entry: HistoryEntry) -> JsonObject:
    """A line of an item's history: a change (``audit_record``) or a ``movement``."""
    return {
        "kind": "change" if entry.change is not None else "movement",
        "at": entry.at,
        "change": None if entry.change is None else audit_record(entry.change),
        "movement": None if entry.movement is None else movement(entry.movement),
    }


def page(found: Page[T], render: Callable[[T], JsonObject]) -> JsonObject:
    return {
        "items": [render(entry) for entry in found.items],
        "total": found.total,
        "offset": found.offset,
        "limit": found.limit,
    }


def _other_uuid(value: object) -> str:
    """orjson writes ``uuid.UUID`` itself, but not a subclass: asyncpg's own UUID type, which
    ids read from PostgreSQL have."""
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def json_bytes(body: JsonObject | Sequence[Any], *, indent: bool = False) -> bytes:
    """Compact JSON for the wire; ``indent`` (two spaces) for people reading a terminal."""
    option = _OPTIONS | orjson.OPT_INDENT_2 if indent else _OPTIONS
    return orjson.dumps(body, default=_other_uuid, option=option)
