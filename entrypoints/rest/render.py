"""Responses rendered straight from read models to JSON bytes.

The JSON of items, movements and stock changes is ``entrypoints.representation``'s, the one the
CLI's ``--json`` prints too; the hot routes skip building a pydantic model per response and
write those bytes (``tests/unit/test_render.py`` holds them equal to the models' own output).
"""

from starlette.responses import Response

from application.use_cases import Transfer
from entrypoints.representation import (
    JsonObject,
    item,
    json_bytes,
    movement,
    page,
    stock_as_of,
    stock_change,
    stock_level,
)

__all__ = [
    "item",
    "json_bytes",
    "json_response",
    "movement",
    "page",
    "stock_as_of",
    "stock_change",
    "stock_level",
    "transfer_created",
]


def json_response(
    body: JsonObject | list[JsonObject], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json_bytes(body), status_code=status, media_type="application/json", headers=headers
    )


def transfer_created(done: Transfer) -> JsonObject:
    """``TransferCreated``: the transfer, its movements (out, then in) and the item after it."""
    out, into = done.outgoing, done.incoming
    assert into.transfer_id is not None
    return {
        "transfer": {
            "transfer_id": into.transfer_id,
            "item_id": into.item_id,
            "from_location_id": out.location_id,
            "to_location_id": into.location_id,
            "quantity": into.delta,
            "actor_id": into.actor_id,
            "occurred_at": into.occurred_at,
            "note": into.note,
            "reference": into.reference,
        },
        "movements": [movement(out), movement(into)],
        "item": item(done.item),
    }
