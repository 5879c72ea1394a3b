"""Responses rendered straight from read models to JSON bytes.

The JSON of items, movements and stock changes is ``entrypoints.representation``'s, the one the
CLI's ``--json`` prints too; the hot routes skip building a pydantic model per response and
write those bytes (``tests/unit/test_render.py`` holds them equal to the models' own output).
"""

from starlette.responses import Response

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
]


def json_response(
    body: JsonObject | list[JsonObject], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        json_bytes(body), status_code=status, media_type="application/json", headers=headers
    )
