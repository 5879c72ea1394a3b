"""``RouteIndex`` hands a request to fewer routes, never to another route than the router's own
dispatch would: the same answers for overlapping patterns, 405s, slash redirects and 404s."""

import re
from typing import Any
from uuid import UUID

import pytest
from fastapi import FastAPI
from starlette.routing import Match, Mount

from entrypoints.rest.app import create_app
from entrypoints.rest.route_index import RouteIndex, path_key

Answer = tuple[int, list[tuple[bytes, bytes]], bytes]


def _app(indexed: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/api/v1/items/by-sku/{sku}")
    async def by_sku(sku: str) -> str:
        return f"sku {sku}"

    @app.get("/api/v1/items/{item_id}")
    async def get_item(item_id: str) -> str:
        return f"item {item_id}"

    @app.put("/api/v1/items/{item_id}")
    async def put_item(item_id: str) -> str:
        return f"put {item_id}"

    @app.get("/api/v1/items")
    async def list_items() -> str:
        return "items"

    @app.post("/api/v1/transfers")
    async def transfer() -> str:
        return "transfer"

    @app.get("/health/live")
    async def live() -> str:
        return "live"

    @app.get("/a/{x}/c")
    async def a_x_c(x: str) -> str:
        return f"a {x} c"

    @app.get("/{page}")
    async def page(page: str) -> str:
        return f"page {page}"

    @app.get("/files/{name:path}")
    async def file(name: str) -> str:
        return f"file {name}"

    app.mount("/static", FastAPI(), name="static")
    if indexed:
        app.router.middleware_stack = RouteIndex(app.router)
    return app


async def _call(app: FastAPI, method: str, path: str, root_path: str = "") -> Answer:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": root_path + path,
        "raw_path": (root_path + path).encode(),
        "root_path": root_path,
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "server": ("testserver", 80),
        "client": ("127.0.0.1", 1),
    }
    await app(scope, receive, send)
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], start["headers"], body


REQUESTS = [
    ("GET", "/api/v1/items/by-sku/R-1"),
    ("GET", "/api/v1/items/abc"),
    ("PUT", "/api/v1/items/abc"),
    ("DELETE", "/api/v1/items/abc"),  # 405, with Allow
    ("GET", "/api/v1/items"),
    ("GET", "/api/v1/items/"),  # slash redirect
    ("POST", "/api/v1/transfers"),
    ("POST", "/api/v1/transfers/"),
    ("GET", "/api/v1/transfers"),  # 405
    ("GET", "/health/live"),
    ("GET", "/health/live/"),
    ("GET", "/health/"),
    ("GET", "/health"),  # the catch-all page
    ("GET", "/a/b/c"),
    ("GET", "/a/b/c/"),
    ("GET", "/a/b/c//"),
    ("GET", "/api/v1/items/abc/"),
    ("GET", "/api/v1/items/by-sku/R-1/"),
    ("GET", "/api/v1/items//"),
    ("GET", "/files/a/b/c"),
    ("GET", "/files/a/b/c/"),
    ("GET", "/static/x"),
    ("GET", "/nothing/here/at/all"),
    ("GET", "/"),
    ("GET", "//"),
    ("GET", ""),
]


@pytest.mark.parametrize(("method", "path"), REQUESTS)
async def test_answers_as_the_router_does(method: str, path: str) -> None:
    assert await _call(_app(True), method, path) == await _call(_app(False), method, path)


async def test_under_a_root_path_the_router_dispatches() -> None:
    for method, path in REQUESTS[:6]:
        plain = await _call(_app(False), method, path, root_path="/prefix")
        assert await _call(_app(True), method, path, root_path="/prefix") == plain


async def test_a_route_added_later_is_served() -> None:
    app = _app(True)
    assert (await _call(app, "GET", "/api/v1/later"))[0] == 404

    @app.get("/api/v1/later/{n}")
    async def later(n: str) -> str:
        return n

    status, _, body = await _call(app, "GET", "/api/v1/later/7")
    assert (status, body) == (200, b'"7"')


_PARAMETER = re.compile(r"{[^}:]+(?::([a-z]+))?}")
_VALUES = {"uuid": str(UUID(int=7)), "int": "7", "float": "1.5", "path": "a/b"}


def _value(parameter: re.Match[str]) -> str:
    return _VALUES.get(parameter.group(1) or "str", "x")


def test_every_route_that_can_match_a_path_of_the_app_is_a_candidate() -> None:
    app = create_app()
    index = app.router.middleware_stack
    assert isinstance(index, RouteIndex)
    routes = app.router.routes
    paths = {
        _PARAMETER.sub(_value, route.path) + end
        for route in routes
        if not isinstance(route, Mount)
        for end in ("", "/", "//", "/x")
    }
    for path in sorted(paths):
        redirect = path.rstrip("/") if path.endswith("/") else path + "/"
        candidates = index.candidates(path)
        for tried in (path, redirect):
            for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
                scope = {"type": "http", "method": method, "path": tried, "root_path": ""}
                matching = [r for r in routes if r.matches(scope)[0] is not Match.NONE]
                assert [r for r in candidates if r in matching] == matching, (path, tried)


def test_a_path_and_its_slash_redirect_share_a_key() -> None:
    for path in ("/a", "/a/b", "/a/b/c", "/a/b/c/d", "/a/b/c/d/e", "/a//", "/"):
        assert path_key(path) == path_key(path + "/") == path_key(path.rstrip("/") or "/")
