"""Every dependency and route is a coroutine: FastAPI runs a plain function on its thread pool, a
thread hop (and two GIL hand-overs) per request that cost the If-Match check of every write
more than a third of its CPU."""

import inspect
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from entrypoints.container import Container
from entrypoints.rest.app import ROUTERS, create_app


def _calls(dependant: Dependant) -> Iterator[Any]:
    if dependant.call is not None:
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _is_coroutine(call: Any) -> bool:
    target = getattr(call, "func", call)  # functools.partial
    if inspect.iscoroutinefunction(target):
        return True
    return inspect.iscoroutinefunction(type(target).__call__)


#: prometheus-fastapi-instrumentator's exposition: rendering every series is real work, better
#: off the loop, and scrapers call it a few times a minute.
OFF_THE_LOOP = {"/metrics"}


def test_no_route_or_dependency_runs_on_the_thread_pool(container: Container) -> None:
    app: FastAPI = create_app(container)
    routes = [*app.router.routes, *(route for router in ROUTERS for route in router.routes)]
    checked = [route for route in routes if isinstance(route, APIRoute)]
    assert len(checked) > 20  # every router's routes, not only the app's own
    blocking = sorted(
        f"{route.path} {getattr(call, '__qualname__', call)}"
        for route in checked
        if route.path not in OFF_THE_LOOP
        for call in _calls(route.dependant)
        if not _is_coroutine(call)
    )
    assert blocking == []
