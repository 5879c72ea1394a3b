"""A route's dependencies solved by a plan made once, instead of by FastAPI's general solver.

FastAPI (0.165) solves a route's dependencies anew on every request: for each dependency it
works out again, from the declarations, whether it is a generator, what its cache key is,
which of its parameters are sequences, whether the body is embedded, and it parses the query
string and the cookies of every request, whether a parameter reads them or not. For a
transfer that was a quarter of its HTTP layer's CPU. A plan keeps what does not change between
requests; per request it calls each dependency, FastAPI's own ``request_params_to_args`` for
the parameters a dependency has (so the same aliases, conversions and error locations), and
the body's field validation, as FastAPI does for one body that is not embedded.

Plans are made only for what this service declares: dependencies that are coroutines (or
objects with an async ``__call__``) taking the request and path, query, header or cookie
parameters; one JSON body, not embedded; an endpoint that returns a ``Response`` itself. Any
other route keeps FastAPI's handler, and so does any request the plan cannot finish: a body
that is not ``application/json`` or not valid JSON, a parameter or body that does not
validate, dependency overrides, FastAPI's OpenTelemetry at work, ``app.state.dependency_plans``
set to False. Such a request is handed to FastAPI's handler as it is (its body already read),
so every error is FastAPI's own.
"""

import inspect
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import params
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import request_params_to_args
from starlette.requests import Request
from starlette.responses import Response

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
#: ``app.state.<this> = False`` sends every request to FastAPI's handlers (the tests compare).
PLANS_STATE = "dependency_plans"


class _Unplanned(Exception):
    """The request needs FastAPI's own handler."""


@dataclass(frozen=True, slots=True)
class _Step:
    """One dependant: what it is called with, and the dependants it needs first."""

    call: Callable[..., Any]
    name: str | None
    needs: tuple["_Step", ...]
    path: tuple[Any, ...]
    query: tuple[Any, ...]
    headers: tuple[Any, ...]
    cookies: tuple[Any, ...]
    request_name: str | None
    use_cache: bool

    async def values(self, request: Request, solved: dict[Any, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for step in self.needs:
            if step.use_cache and step.call in solved:
                found = solved[step.call]
            else:
                found = await step.call(**await step.values(request, solved))
                solved.setdefault(step.call, found)
            if step.name is not None:
                values[step.name] = found
        for fields, source in (
            (self.path, "path_params"),
            (self.query, "query_params"),
            (self.headers, "headers"),
            (self.cookies, "cookies"),
        ):
            if fields:
                given, errors = request_params_to_args(fields, getattr(request, source))
                if errors:
                    raise _Unplanned
                values.update(given)
        if self.request_name is not None:
            values[self.request_name] = request
        return values


def _is_coroutine(call: Any) -> bool:
    if inspect.isroutine(call):
        return inspect.iscoroutinefunction(call)
    return inspect.iscoroutinefunction(getattr(call, "__call__", None))  # noqa: B004


def _step(dependant: Dependant, *, top: bool) -> _Step | None:
    call = dependant.call
    if call is None or dependant.concurrency is not None:
        return None
    if not top and not _is_coroutine(call):
        return None  # a plain function runs on FastAPI's thread pool; a generator needs a stack
    if (
        dependant.websocket_param_name
        or dependant.http_connection_param_name
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or (dependant.body_params and not top)
    ):
        return None
    needs = []
    for sub in dependant.dependencies:
        planned = _step(sub, top=False)
        if planned is None:
            return None
        needs.append(planned)
    return _Step(
        call=call,
        name=dependant.name,
        needs=tuple(needs),
        path=tuple(dependant.path_params),
        query=tuple(dependant.query_params),
        headers=tuple(dependant.header_params),
        cookies=tuple(dependant.cookie_params),
        request_name=dependant.request_param_name,
        use_cache=dependant.use_cache,
    )


def _json_body(dependant: Dependant) -> Any:
    """The one body field (None for no body); False when the body is not a plain JSON one."""
    if not dependant.body_params:
        return None
    if len(dependant.body_params) != 1:
        return False
    (field,) = dependant.body_params
    info = field.field_info
    if not isinstance(info, params.Body) or isinstance(info, params.Form):
        return False
    if getattr(info, "embed", False):
        return False
    return field


def _returns_response(call: Callable[..., Any]) -> bool:
    try:
        returned = inspect.signature(call, eval_str=True).return_annotation
    except (NameError, TypeError, ValueError):
        return False
    return isinstance(returned, type) and issubclass(returned, Response)


def planned_handler(
    dependant: Dependant, overrides: Any, fallback: Callable[[Request], Any]
) -> Callable[[Request], Coroutine[Any, Any, Response]] | None:
    """A handler for ``dependant``'s route by a plan, handing to ``fallback`` (FastAPI's handler
    for the same request) what the plan does not finish; None when no plan fits the route."""
    body_field = _json_body(dependant)
    endpoint = dependant.call
    if body_field is False or endpoint is None or not _is_coroutine(endpoint):
        return None
    if not _returns_response(endpoint):
        return None
    step = _step(dependant, top=True)
    if step is None:
        return None

    async def handle(request: Request) -> Response:
        if (
            request.scope.get("fastapi.telemetry") is not None
            or (overrides is not None and getattr(overrides, "dependency_overrides", None))
            or not getattr(request.app.state, PLANS_STATE, True)
        ):
            return await fallback(request)  # type: ignore[no-any-return]
        try:
            values = await _solve(step, body_field, request)
        except _Unplanned:
            return await fallback(request)  # type: ignore[no-any-return]
        response = await endpoint(**values)
        if not isinstance(response, Response):
            raise TypeError(f"{endpoint!r} is annotated to return a Response, not {response!r}")
        return response

    return handle


async def _solve(step: _Step, body_field: Any | None, request: Request) -> dict[str, Any]:
    values = await step.values(request, {})
    if body_field is None:
        return values
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    if not raw or content_type.partition(";")[0].strip().lower() != "application/json":
        raise _Unplanned
    try:
        body = await request.json()
    except ValueError:
        raise _Unplanned from None
    value, errors = body_field.validate(body, values, loc=("body",))
    if errors:
        raise _Unplanned
    values[body_field.name] = value
    return values
