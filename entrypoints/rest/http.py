"""HTTP details shared by the routes: ETags from versions, conditional headers, JSON bodies."""

import json
import re
from collections.abc import Callable, Coroutine
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header, Path
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

_ETAG_VERSION = re.compile(r'(?:W/)?"([0-9]{1,18})"')

ItemId = Annotated[UUID, Path(description="The item's id.")]
IfMatch = Annotated[
    str | None,
    Header(
        max_length=1024,
        description="Apply the change only if the item still has this ETag; otherwise 412.",
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(max_length=1024, description="Answer 304 when the current ETag is in this list."),
]


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | None:
    """The version an ``If-Match`` asks for; None when absent or ``*``. A tag that is not one
    of ours can never match: -1 makes the use case answer 412."""
    if if_match is None or if_match == "*":
        return None
    found = _ETAG_VERSION.fullmatch(if_match)
    return int(found.group(1)) if found else -1


def not_modified(if_none_match: str | None, current: str) -> bool:
    if if_none_match is None:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in tags or current in tags


def json_response(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A JSON response serialised by pydantic's Rust core (used where headers or a status depend
    on the result, and for idempotent replays that must keep the exact bytes)."""
    return Response(
        model.model_dump_json().encode(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _refuse_lone_surrogates(value: Any) -> None:
    """``"\\ud800"`` is valid JSON but not text: it could be neither stored nor sent back."""
    if isinstance(value, str):
        value.encode("utf-8")  # UnicodeEncodeError is a ValueError
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_lone_surrogates(key)
            _refuse_lone_surrogates(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_lone_surrogates(item)


class ExactJsonRequest(Request):
    """Parses JSON numbers with a fraction as ``Decimal``: an amount such as ``12.35`` reaches
    validation exactly as the client wrote it, never through a float. ``NaN`` and
    ``Infinity`` are refused."""

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            try:
                self._json = json.loads(
                    await self.body(), parse_float=Decimal, parse_constant=_refuse_constant
                )
                _refuse_lone_surrogates(self._json)
            except ValueError as exc:
                if isinstance(exc, json.JSONDecodeError):
                    raise
                raise json.JSONDecodeError(str(exc), "", 0) from exc
        return self._json


class ExactJsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def exact_json_handler(request: Request) -> Response:
            return await handler(ExactJsonRequest(request.scope, request.receive))

        return exact_json_handler
