"""Responses rendered straight from read models to JSON bytes.

The pydantic models in ``schemas.py`` stay the documented contract (OpenAPI); the hot routes
skip building one per response and write the same JSON with orjson: the same fields in the same
order, amounts as strings with two decimals, times as ISO 8601 in UTC with ``Z``
(``tests/unit/test_render.py`` holds the bytes equal to the models' own output).
"""

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

import orjson
from starlette.responses import Response

from application.ports import Page
from application.use_cases import StockChange
from application.views import ItemView
from domain.items import Item, StockMovement

T = TypeVar("T")
_OPTIONS = orjson.OPT_UTC_Z


class _Renders(Protocol):
    def __call__(self, value: Any, /) -> dict[str, Any]: ...


def item(view: ItemView | Item) -> dict[str, Any]:
    tax = view.tax_rate
    return {
        "id": str(view.id),
        "sku": view.sku.value,
        "name": view.name,
        "description": view.description,
        "unit_price": f"{view.unit_price.amount:.2f}",
        "tax_rate": None if tax is None else f"{tax.percent:.2f}",
        "price_with_tax": f"{view.price_with_tax.amount:.2f}",
        "quantity": view.quantity,
        "reorder_level": view.reorder_level,
        "low_stock": view.low_stock,
        "has_image": view.image is not None,
        "version": view.version,
        "created_at": view.created_at,
        "updated_at": view.updated_at,
    }


def movement(m: StockMovement) -> dict[str, Any]:
    return {
        "id": str(m.id),
        "item_id": str(m.item_id),
        "delta": m.delta,
        "reason": m.reason.value,
        "quantity_after": m.quantity_after,
        "actor_id": None if m.actor_id is None else str(m.actor_id),
        "occurred_at": m.occurred_at,
        "note": m.note,
        "reference": m.reference,
        "location_id": str(m.location_id),
        "transfer_id": None if m.transfer_id is None else str(m.transfer_id),
    }


def stock_change(change: StockChange) -> dict[str, Any]:
    assert change.movement is not None  # an adjustment always records a movement
    return {
        "movement": movement(change.movement),
        "quantity": change.item.quantity,
        "item": item(change.item),
    }


def page(found: Page[T], render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    return {
        "items": [render(entry) for entry in found.items],
        "total": found.total,
        "offset": found.offset,
        "limit": found.limit,
    }


def json_bytes(body: dict[str, Any] | Sequence[Any]) -> bytes:
    return orjson.dumps(body, option=_OPTIONS)


def json_response(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json_bytes(body), status_code=status, media_type="application/json", headers=headers
    )
