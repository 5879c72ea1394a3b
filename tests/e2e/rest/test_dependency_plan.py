"""Routes whose dependencies a plan solves (``entrypoints/rest/dependency_plan.py``) answer
exactly as FastAPI's own handler does, for good requests and for every kind of bad one. The app
hands every request to FastAPI's handler while ``app.state.dependency_plans`` is False, so the
same requests are sent both ways and the answers compared."""

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from entrypoints.rest.dependency_plan import PLANS_STATE, planned_handler
from tests.e2e.rest.conftest import Headers, new_item


@contextmanager
def fastapi_solving(app: FastAPI) -> Iterator[None]:
    setattr(app.state, PLANS_STATE, False)
    try:
        yield
    finally:
        setattr(app.state, PLANS_STATE, True)


def _answer(response: Any) -> tuple[int, object, str | None]:
    try:
        body: object = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("request_id", "transfer", "movements")}
        for key in ("item",):
            if isinstance(body.get(key), dict):
                body[key] = {
                    k: v for k, v in body[key].items() if k not in ("updated_at", "version")
                }
    return response.status_code, body, response.headers.get("content-type")


def test_the_plan_fits_the_routes_that_return_a_response_and_take_a_json_body(app: FastAPI) -> None:
    by_name = {r.name: r for r in app.router.routes if isinstance(r, APIRoute)}

    def planned(name: str) -> bool:
        route = by_name[name]
        return planned_handler(route.dependant, None, route.get_route_handler()) is not None

    assert planned("create_transfer")
    assert planned("get_item")
    assert not planned("issue_token")  # a form body: FastAPI's handler
    assert not planned("list_transfers")  # returns a model: FastAPI serialises it


def test_good_and_bad_requests_get_the_same_answers_either_way(
    app: FastAPI, client: TestClient, auth: Callable[[str], Headers]
) -> None:
    admin, clerk = auth("admin"), auth("clerk")
    item = new_item(client, admin, quantity=10)
    main = next(
        loc["id"]
        for loc in client.get("/api/v1/locations", headers=admin).json()["items"]
        if loc["code"] == "MAIN"
    )
    other = client.post(
        "/api/v1/locations", json={"code": "PLAN-B", "name": "B"}, headers=admin
    ).json()["id"]
    good = {"item_id": item["id"], "from_location_id": main, "to_location_id": other, "quantity": 1}
    json_headers = {**clerk, "content-type": "application/json"}
    admin_json = {**admin, "content-type": "application/json"}
    requests: list[tuple[str, str, dict[str, str], bytes | None]] = [
        ("POST", "/api/v1/transfers", json_headers, json.dumps(good).encode()),
        ("POST", "/api/v1/transfers", json_headers, json.dumps({**good, "quantity": 0}).encode()),
        ("POST", "/api/v1/transfers", json_headers, json.dumps({**good, "quantity": "x"}).encode()),
        ("POST", "/api/v1/transfers", json_headers, b'{"item_id": '),
        ("POST", "/api/v1/transfers", json_headers, b""),
        ("POST", "/api/v1/transfers", json_headers, b"[]"),
        ("POST", "/api/v1/transfers", json_headers, b'{"quantity": NaN}'),
        ("POST", "/api/v1/transfers", {**clerk, "content-type": "text/plain"}, b"{}"),
        ("POST", "/api/v1/transfers", {**clerk}, json.dumps(good).encode()),
        (
            "POST",
            "/api/v1/transfers",
            {"content-type": "application/json"},
            json.dumps(good).encode(),
        ),
        (
            "POST",
            "/api/v1/transfers",
            {**json_headers, "Idempotency-Key": "a b"},
            json.dumps(good).encode(),
        ),
        (
            "POST",
            "/api/v1/transfers",
            {**json_headers, "Authorization": "Bearer nope"},
            json.dumps(good).encode(),
        ),
        ("GET", f"/api/v1/items/{item['id']}", clerk, None),
        ("GET", "/api/v1/items/not-a-uuid", clerk, None),
        (
            "PATCH",
            f"/api/v1/items/{item['id']}",
            {**json_headers, "If-Match": "3"},
            b'{"name": "x"}',
        ),
        (
            "PATCH",
            f"/api/v1/items/{item['id']}",
            {**json_headers, "If-Match": "nope"},
            b'{"name": "x"}',
        ),
        (
            "PATCH",
            f"/api/v1/items/{item['id']}",
            {**admin_json, "If-Match": '"99"'},
            b'{"name": "x"}',
        ),
        ("PATCH", f"/api/v1/items/{item['id']}", {**admin_json, "If-Match": "*"}, b'{"name": "y"}'),
        ("POST", f"/api/v1/items/{item['id']}/movements", json_headers, b'{"delta": 0}'),
        (
            "POST",
            f"/api/v1/items/{item['id']}/movements",
            json_headers,
            b'{"delta": -1000, "reason": "sold"}',
        ),
        ("GET", "/api/v1/items?limit=2&sort=nope", clerk, None),
        ("GET", "/api/v1/items?limit=2&q=Wid", clerk, None),
    ]
    for method, path, headers, body in requests:
        planned = _answer(client.request(method, path, headers=headers, content=body))
        with fastapi_solving(app):
            solved = _answer(client.request(method, path, headers=headers, content=body))
        assert planned == solved, (method, path, headers, body)
