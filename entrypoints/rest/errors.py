"""Every error the HTTP API returns, as ``application/problem+json`` (RFC 9457), in one place.

Domain and application errors map to a status by their stable ``code``; validation errors list
each problem with its location; routing's 404 and 405 and the body-size guard's 413 use the same
shape; anything unexpected becomes a bare 500 that is logged with the request id and never shows
internals (answered with ``problem`` by the request middleware, ``RequestContext``, the last
resort).
Routes contain no ``try``/``except``: they raise, and these handlers answer.
"""

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException
from starlette.responses import Response

from application.errors import AuthenticationFailed, StoreBusy, StoreUnavailable, TooManyAttempts
from domain.errors import CodedError, InsufficientStock, InvalidValue
from entrypoints.rest.refresh_cookie import SESSION_URL, clear_if_refused
from entrypoints.rest.security import TOKEN_URL as LOGIN_ROUTE

PROBLEM_JSON = "application/problem+json"

STATUS_BY_CODE: Mapping[str, int] = {
    "invalid_value": 422,
    "not_found": 404,
    "already_exists": 409,
    "insufficient_stock": 409,
    "version_mismatch": 412,
    "permission_denied": 403,
    "authentication_failed": 401,
    "too_many_attempts": 429,
    "unsupported_media": 415,
    "payload_too_large": 413,
    "conflict": 409,
    "store_busy": 503,
    "idempotency_key_reused": 422,
    "storage_unavailable": 503,
    "insufficient_storage": 507,
    "store_unavailable": 503,
    "location_inactive": 409,
    "location_not_empty": 409,
    "default_location": 409,
    "stocktake_closed": 409,
    "stocktake_conflict": 409,
    "reservation_closed": 409,
    "reservation_conflict": 409,
    "item_archived": 409,
    "item_not_archived": 409,
    "item_has_stock": 409,
    "webhook_url_refused": 422,
}
#: Which facts of an error a client may see, by code (never the raw exception).
_PUBLIC_DETAILS: Mapping[str, tuple[str, ...]] = {
    "insufficient_stock": ("available", "requested", "location"),
    "location_inactive": ("location",),
    "location_not_empty": ("location",),
    "stocktake_conflict": ("conflicts",),
    "version_mismatch": ("expected", "actual"),
    "already_exists": ("field",),
    "too_many_attempts": ("retry_after",),
    "payload_too_large": ("limit",),
}


class FieldError(BaseModel):
    location: list[str | int] = Field(description="Where: ['body', 'sku'], ['query', 'limit']...")
    message: str
    type: str


class Problem(BaseModel):
    """RFC 9457 problem details; extension members depend on ``code``."""

    type: str = Field(description="A URI naming the kind of problem ('about:blank' for plain HTTP)")
    title: str
    status: int
    detail: str
    code: str = Field(description="A stable machine-readable code, e.g. 'insufficient_stock'.")
    errors: list[FieldError] | None = Field(default=None, description="Validation problems.")
    available: int | None = Field(default=None, description="Stock on hand (insufficient_stock).")
    requested: int | None = None
    expected: int | None = None
    actual: int | None = Field(default=None, description="The current version (version_mismatch).")
    field: str | None = None
    retry_after: int | None = None
    limit: int | None = None
    location: str | None = Field(
        default=None, description="The location's code (insufficient_stock, location_*)."
    )
    conflicts: int | None = Field(default=None, description="Lines in conflict (stocktakes).")
    request_id: str | None = Field(default=None, description="Quote it when reporting a 500.")


class ProblemResponse(Response):
    media_type = PROBLEM_JSON

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def problem(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    headers: Mapping[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    phrase = HTTPStatus(status).phrase
    slug = code or phrase.lower().replace(" ", "_").replace("-", "_")
    body = {
        "type": f"urn:inventory-service:problem:{slug}" if code else "about:blank",
        "title": phrase,
        "status": status,
        "detail": detail,
        "code": slug,
        **extra,
    }
    return ProblemResponse(body, status_code=status, headers=headers)


# -- handlers ----------------------------------------------------------------------------------
async def coded_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CodedError)
    route = request.scope.get("route")
    container = request.app.state.container
    login = getattr(route, "path", None) in (LOGIN_ROUTE, SESSION_URL)
    container.domain_metrics().count_refusal(exc, login=login)
    status = STATUS_BY_CODE.get(exc.code, 400)
    extra = {
        key: exc.details[key] for key in _PUBLIC_DETAILS.get(exc.code, ()) if key in exc.details
    }
    headers: dict[str, str] = {}
    if isinstance(exc, AuthenticationFailed):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyAttempts | StoreBusy | StoreUnavailable):
        headers["Retry-After"] = str(exc.retry_after_seconds)
    if isinstance(exc, InvalidValue):
        extra["errors"] = [{"location": [exc.field], "message": exc.reason, "type": exc.code}]
    if isinstance(exc, InsufficientStock):
        extra["available"] = exc.available
    response = problem(status, exc.message, code=exc.code, headers=headers, **extra)
    if isinstance(exc, AuthenticationFailed):
        clear_if_refused(request, response)
    return response


#: What a pattern a parameter is validated against means, said in words: a message must never
#: show a raw regex (the request fields carrying domain values are checked by the domain's own
#: rules instead, with its sentences). Keyed by the parameter's name.
PATTERN_SENTENCES: Mapping[str, str] = {
    "idempotency-key": "must be 1-200 letters, digits, '.', '_', ':' or '-'",
    "grant_type": "must be 'password' when given",
    "q": "must not contain NUL characters",
}
_SOME_PATTERN = "has characters this field does not allow (see its description)"


def _message(error: Mapping[str, Any]) -> str:
    """Pydantic's message, as a sentence: no regex, no 'Value error,' prefix."""
    if error.get("type") == "string_pattern_mismatch":
        location = error.get("loc", ())
        name = location[-1] if location else None
        return PATTERN_SENTENCES.get(str(name), _SOME_PATTERN)
    message = str(error.get("msg", "is not valid"))
    return message.removeprefix("Value error, ").removeprefix("Assertion failed, ")


def _field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    # The offending input is not echoed: it may be huge, or a password.
    return [
        {
            "location": [part for part in error.get("loc", ()) if isinstance(part, str | int)],
            "message": _message(error),
            "type": str(error.get("type", "invalid")),
        }
        for error in errors
    ]


async def validation_error(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc.errors())
    where = ", ".join(".".join(map(str, e["location"])) for e in errors[:5])
    return problem(
        422, f"the request is not valid: {where}", code="validation_failed", errors=errors
    )


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = "there is nothing at this address"
    headers = exc.headers
    if exc.status_code == 405:
        detail = "this address does not support that method"
        headers = {"Allow": _allowed_methods(request)}
    return problem(exc.status_code, detail, headers=headers)


def _allowed_methods(request: Request) -> str:
    """Every method of every route at this path (Starlette names only the first route's);
    ``create_app`` lists the routes' patterns and methods once in ``app.state.route_methods``."""
    path = request.scope["path"]
    methods: set[str] = set()
    for pattern, route_methods in getattr(request.app.state, "route_methods", ()):
        if pattern.match(path):
            methods |= route_methods
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(CodedError, coded_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HTTPException, http_error)


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: every error it can return, documented as problem+json."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in sorted(set(statuses))
    }


def with_common(*statuses: int, body: bool = False) -> dict[int | str, dict[str, Any]]:
    """Errors of an authenticated route; ``body`` adds what a request body can cause."""
    common: Iterable[int] = (401, 422, 413) if body else (401, 422)
    return error_responses(*common, *statuses)


__all__ = [
    "PROBLEM_JSON",
    "Problem",
    "ProblemResponse",
    "error_responses",
    "install_error_handlers",
    "problem",
    "with_common",
]
