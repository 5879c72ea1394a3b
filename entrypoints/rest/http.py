"""HTTP details shared by the routes: ETags from versions, conditional headers, JSON bodies."""

import json
import re
from collections.abc import Callable, Collection, Coroutine
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Header, HTTPException, Path
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from entrypoints.rest.dependency_plan import planned_handler


def _if_match_pattern(etagc: str) -> str:
    """RFC 9110: ``If-Match = "*" / #entity-tag``, ``entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE``:
    a list with optional whitespace that may hold empty elements (``"1", , "2"``), not only those.
    """
    tag = rf'(?:W/)?"[{etagc}]*"'
    return rf"^[ \t]*(?:\*|(?:,[ \t]*)*{tag}(?:[ \t]*,(?:[ \t]*{tag})?)*)[ \t]*$"


#: ``etagc``: visible ASCII but ``"``, and the obsolete octets 0x80-0xFF (Starlette hands header
#: values over as Latin-1 text). The published pattern leaves those out: clients should not send
#: them, and what the schema allows is still accepted.
_IF_MATCH = re.compile(_if_match_pattern("!#-~\x80-\xff"))
IF_MATCH_PATTERN = _if_match_pattern("!#-~")
_TAGS = re.compile(r'(W/)?"([!#-~\x80-\xff]*)"')
#: Our ETags are versions written as plain decimals: ``"3"``, never ``"03"``.
_VERSION = re.compile(r"[1-9][0-9]{0,17}")
IF_MATCH_REFUSED = 'If-Match must be an entity tag such as "3"'


async def _checked_if_match(
    if_match: Annotated[
        str | None,
        Header(
            max_length=1024,
            description="Apply the change only if the item still has one of these ETags"
            ' (or exists, for `*`); otherwise 412. A weak tag (`W/"3"`) never matches.',
            json_schema_extra={"pattern": IF_MATCH_PATTERN},
        ),
    ] = None,
) -> str | None:
    """Refuses a malformed ``If-Match`` with 400 before the route does any work. (A coroutine:
    FastAPI runs a plain function dependency on its thread pool, a thread hop per request.)"""
    expected_version(if_match)
    return if_match


ItemId = Annotated[UUID, Path(description="The item's id.")]
#: The raw header, already checked; ``expected_version`` turns it into what a command expects.
IfMatch = Annotated[str | None, Depends(_checked_if_match)]
IfNoneMatch = Annotated[
    str | None,
    Header(max_length=1024, description="Answer 304 when the current ETag is in this list."),
]


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> int | frozenset[int] | None:
    """What an ``If-Match`` asks of the item's version, for the domain to compare: None when the
    header is absent or ``*`` (any existing item matches), one version, or the set of versions
    of which any may match (empty when no tag can ever match).

    Comparison is strong (RFC 9110 §13.1.1): a weak tag, or a tag that is not one of ours,
    matches nothing. A header that is not a list of entity tags is refused with 400."""
    if if_match is None:
        return None
    if not _IF_MATCH.fullmatch(if_match):
        raise HTTPException(400, IF_MATCH_REFUSED)
    if if_match.strip(" \t") == "*":
        return None
    versions = frozenset(
        int(tag) for weak, tag in _TAGS.findall(if_match) if not weak and _VERSION.fullmatch(tag)
    )
    return next(iter(versions)) if len(versions) == 1 else versions


def document_if_match(schema: dict[str, Any]) -> None:
    """Every operation that takes ``If-Match`` can answer 400 for a malformed one: say so in the
    OpenAPI document (the routes list the errors of their own)."""
    bad_request = {
        "description": "Bad Request (a malformed If-Match)",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            parameters = operation.get("parameters", [])
            if any(p.get("in") == "header" and p.get("name") == "if-match" for p in parameters):
                operation.setdefault("responses", {}).setdefault("400", bad_request)


def document_enum_names(schema: dict[str, Any], *enums: type[Enum]) -> None:
    """Name the members of enums whose values are not identifiers (``-name``): generated clients
    otherwise call them ``VALUE_1``. ``x-enum-varnames`` lists a name per value, in order."""
    schemas = schema.get("components", {}).get("schemas", {})
    for enum in enums:
        component = schemas.get(enum.__name__)
        if component is not None:
            names = {member.value: member.name for member in enum}
            component["x-enum-varnames"] = [names[value] for value in component["enum"]]


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


#: The query of a request without one (immutable, so one serves every request).
_NO_QUERY = QueryParams("")


class ExactJsonRequest(Request):
    """Parses JSON numbers with a fraction as ``Decimal``: an amount such as ``12.35`` reaches
    validation exactly as the client wrote it, never through a float. ``NaN`` and
    ``Infinity`` are refused.

    FastAPI reads the query of every request, parameters or not; one without a query string
    gets the shared empty one instead of a new parse (a few per cent of a POST's HTTP layer)."""

    def __init__(self, scope: Scope, receive: Receive) -> None:
        super().__init__(scope, receive)
        if not scope.get("query_string"):
            self._query_params = _NO_QUERY

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
    """Requests as ``ExactJsonRequest``; dependencies solved by a plan where one fits the route
    (``dependency_plan.py``), by FastAPI's handler otherwise."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        # Made at the first request: the app takes use-case markers out of the dependencies
        # after the routes are made (``injection.leave_to_inject``).
        plan: list[Callable[[Request], Coroutine[Any, Any, Response]] | None] = []

        async def exact_json_handler(request: Request) -> Response:
            exact = ExactJsonRequest(request.scope, request.receive)
            if not plan:
                plan.append(
                    planned_handler(self.dependant, self.dependency_overrides_provider, handler)
                )
            planned = plan[0]
            return await (handler if planned is None else planned)(exact)

        return exact_json_handler


def served_methods(methods: Collection[str] | None) -> frozenset[str]:
    """A route's methods as ``Allow`` should list them: HEAD too where GET is (``RequestContext``
    serves HEAD as a GET without its body)."""
    found = frozenset(methods or ())
    return found | {"HEAD"} if "GET" in found else found
