"""Routing without trying every route: the app's routes grouped by the start of their path.

Starlette's router tries its routes in order until one matches. With some eighty routes, a
transfer (near the end) was matched against fifty-six patterns first: a twentieth of its CPU
time. ``RouteIndex`` sits where the router's own dispatch is called and hands each request to
a copy of the router that holds only the routes that can match its path, in the router's order.
The copy runs the router's own dispatch, so which route answers, 405s and their ``Allow``, slash
redirects and 404s are what they were (``tests/unit/entrypoints/test_route_index.py``).

A path's key is its first three segments (``/api/v1/items`` for ``/api/v1/items/{id}/stock``),
without a trailing slash so that a path and its slash-redirect target share a key. A route whose
key is unknown before a request arrives (a parameter within the first three segments, a mount)
is kept in every group; WebSocket routes in none (they never match an HTTP request).

Within a key, a route whose parameters never span a ``/`` (``str``, ``int``, ``float`` and
``uuid`` ones) matches only paths with as many slashes as its own: a request is tried against
the routes with its path's number and with its slash-redirect target's, the others skipped.
"""

import copy
from collections.abc import Sequence

from fastapi.routing import APIRoute
from starlette.convertors import FloatConvertor, IntegerConvertor, StringConvertor, UUIDConvertor
from starlette.routing import BaseRoute, Route, Router, WebSocketRoute
from starlette.types import Receive, Scope, Send

#: The segments of a path that choose its group.
_SEGMENTS = 3
#: ``matches`` that compare the path with the route's compiled pattern, anchored at its start:
#: such a route matches only paths that begin with the literal text before its first parameter.
_PATTERN_MATCHING = (Route.matches, APIRoute.matches)
#: Parameters that never match a ``/``.
_WITHIN_A_SEGMENT = (StringConvertor, IntegerConvertor, FloatConvertor, UUIDConvertor)


def path_key(path: str) -> str:
    """The group of a request path: its first segments, without a trailing slash."""
    return "/".join(path.split("/", _SEGMENTS + 1)[: _SEGMENTS + 1]).rstrip("/")


def route_key(route: BaseRoute) -> str | None:
    """The one key of every path ``route`` matches, or None when there is no single one (a
    route whose matching is not Starlette's or FastAPI's path pattern, a mount)."""
    if not isinstance(route, Route) or type(route).matches not in _PATTERN_MATCHING:
        return None
    path = route.path
    literal, brace, _ = path.partition("{")
    if not brace:
        return path_key(path)
    if literal.count("/") <= _SEGMENTS:
        return None  # a parameter within the segments of the key
    return path_key(literal)


def route_slashes(route: BaseRoute) -> int | None:
    """The number of slashes of every path ``route`` matches, or None when it varies."""
    if not isinstance(route, Route) or type(route).matches not in _PATTERN_MATCHING:
        return None
    if not all(type(c) in _WITHIN_A_SEGMENT for c in route.param_convertors.values()):
        return None
    return route.path.count("/")


def redirect_slashes(path: str) -> int:
    """The number of slashes of the path the router would try for a slash redirect."""
    return path.rstrip("/").count("/") if path.endswith("/") else path.count("/") + 1


class RouteIndex:
    """An ASGI app in place of ``router.middleware_stack`` (the router must have no middleware
    of its own). Regrouped whenever the router's routes change in number; HTTP requests under
    a ``root_path``, WebSockets and the lifespan go to the router's own dispatch."""

    def __init__(self, router: Router) -> None:
        if router.middleware_stack != router.app:
            raise ValueError("the router has middleware of its own: it would be bypassed")
        self.router = router
        self.indexed = -1
        #: By key, then by key and the slashes of a path and of its redirect target.
        self.by_key: dict[str, Router] = {}
        self.groups: dict[tuple[str, int, int], Router] = {}
        self.elsewhere = router

    def _group(self, routes: Sequence[BaseRoute]) -> Router:
        view = copy.copy(self.router)
        view.routes = list(routes)
        return view

    def _regroup(self) -> None:
        # WebSocket routes never match an HTTP request: they are left to the router's dispatch.
        routes = [r for r in self.router.routes if not isinstance(r, WebSocketRoute)]
        shapes = [(route, route_key(route), route_slashes(route)) for route in routes]
        self.by_key, self.groups = {}, {}
        for key in {key for _, key, _ in shapes if key is not None}:
            keyed = [(r, slashes) for r, k, slashes in shapes if k is None or k == key]
            self.by_key[key] = self._group([route for route, _ in keyed])
            for n in {slashes for _, slashes in keyed if slashes is not None}:
                for target in (n - 1, n + 1):  # a path with one trailing slash, or without
                    fits = (None, n, target)
                    group = [route for route, slashes in keyed if slashes in fits]
                    self.groups[key, n, target] = self._group(group)
        self.elsewhere = self._group([route for route, key, _ in shapes if key is None])
        self.indexed = len(self.router.routes)

    def _router_for(self, path: str) -> Router:
        key = path_key(path)
        found = self.groups.get((key, path.count("/"), redirect_slashes(path)))
        return found or self.by_key.get(key, self.elsewhere)

    def candidates(self, path: str) -> list[BaseRoute]:
        """The routes that an HTTP request for ``path`` is matched against, in order."""
        if len(self.router.routes) != self.indexed:
            self._regroup()
        return self._router_for(path).routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path"):
            await self.router.app(scope, receive, send)
            return
        if len(self.router.routes) != self.indexed:
            self._regroup()
        scope.setdefault("router", self.router)  # the copy would name itself
        await self._router_for(scope["path"]).app(scope, receive, send)
