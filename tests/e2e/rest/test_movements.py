import hashlib
from collections.abc import Callable
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient
from starlette.responses import Response

from application.errors import Conflict
from domain.users import Principal, Role
from entrypoints.container import Container
from entrypoints.rest.idempotency import Idempotency
from tests.e2e.rest.conftest import Headers, new_item


def _url(item: dict[str, object]) -> str:
    return f"/api/v1/items/{item['id']}/movements"


def test_adjust_returns_201_with_movement_and_quantity(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, quantity=3)
    response = client.post(
        _url(item), json={"delta": 5, "reason": "received", "note": "crate"}, headers=admin
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["quantity"] == 8
    assert body["movement"]["delta"] == 5
    assert body["movement"]["quantity_after"] == 8
    assert body["item"]["version"] == 2
    assert response.headers["etag"] == '"2"'


def test_going_below_zero_is_409_with_the_available_quantity(
    client: TestClient, admin: Headers
) -> None:
    item = new_item(client, admin, quantity=2)
    response = client.post(_url(item), json={"delta": -3, "reason": "sold"}, headers=admin)
    assert response.status_code == 409
    problem = response.json()
    assert (problem["code"], problem["available"], problem["requested"]) == (
        "insufficient_stock",
        2,
        3,
    )
    assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["quantity"] == 2


def test_movements_are_listed_newest_first_and_paginated(
    client: TestClient, admin: Headers
) -> None:
    item = new_item(client, admin)
    for delta in (1, 2, 3):
        client.post(_url(item), json={"delta": delta, "reason": "received"}, headers=admin)
    page = client.get(_url(item), params={"limit": 2}, headers=admin).json()
    assert [m["delta"] for m in page["items"]] == [3, 2]
    assert page["total"] == 3
    rest = client.get(_url(item), params={"offset": 2}, headers=admin).json()
    assert [m["delta"] for m in rest["items"]] == [1]
    missing = "/api/v1/items/00000000-0000-4000-8000-000000000000/movements"
    assert client.get(missing, headers=admin).status_code == 404


def test_stock_rules_and_roles(client: TestClient, auth: Callable[[str], Headers]) -> None:
    item = new_item(client, auth("admin"), quantity=1)
    body = {"delta": 1, "reason": "received"}
    assert client.post(_url(item), json=body, headers=auth("viewer")).status_code == 403
    assert client.post(_url(item), json=body, headers=auth("clerk")).status_code == 201
    for bad in (
        {"delta": 0, "reason": "sold"},
        {"delta": 1, "reason": "count"},
        {"delta": "5", "reason": "sold"},
        {"delta": 1.5, "reason": "sold"},
        {"delta": True, "reason": "sold"},
        {"delta": 10**30, "reason": "sold"},
        {"delta": 1, "reason": "sold", "note": "a\x00b"},
    ):
        response = client.post(_url(item), json=bad, headers=auth("clerk"))
        assert response.status_code == 422, bad
    stale = client.post(_url(item), json=body, headers={**auth("clerk"), "If-Match": '"1"'})
    assert stale.status_code == 412


def test_idempotent_retry_returns_the_first_response(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, quantity=10)
    headers = {**admin, "Idempotency-Key": "sale-42"}
    body = {"delta": -4, "reason": "sold"}
    first = client.post(_url(item), json=body, headers=headers)
    again = client.post(_url(item), json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["idempotent-replayed"] == "true"
    assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["quantity"] == 6
    different = client.post(_url(item), json={"delta": -1, "reason": "sold"}, headers=headers)
    assert different.status_code == 422
    assert different.json()["code"] == "idempotency_key_reused"


def test_idempotent_create_and_keys_are_per_user(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    body = {"sku": "IDEM", "name": "Once", "unit_price": "1"}
    admin = {**auth("admin"), "Idempotency-Key": "k1"}
    first = client.post("/api/v1/items", json=body, headers=admin)
    replay = client.post("/api/v1/items", json=body, headers=admin)
    assert first.status_code == replay.status_code == 201
    assert replay.headers["location"] == first.headers["location"]
    assert replay.json() == first.json()
    clerk = {**auth("clerk"), "Idempotency-Key": "k1"}
    assert client.post("/api/v1/items", json=body, headers=clerk).status_code == 409
    total = client.get("/api/v1/items", headers=auth("admin")).json()["total"]
    assert total == 1


def test_failed_idempotent_request_can_be_retried(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, quantity=1)
    headers = {**admin, "Idempotency-Key": "retry-me"}
    body = {"delta": -2, "reason": "sold"}
    assert client.post(_url(item), json=body, headers=headers).status_code == 409
    client.post(_url(item), json={"delta": 5, "reason": "received"}, headers=admin)
    assert client.post(_url(item), json=body, headers=headers).status_code == 201


def test_bad_idempotency_keys_are_422(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    for key in ("", "with space", "x" * 201):
        response = client.post(
            _url(item),
            json={"delta": 1, "reason": "received"},
            headers={**admin, "Idempotency-Key": key},
        )
        assert response.status_code == 422, key


async def test_a_duplicate_still_in_progress_is_409(container: Container) -> None:
    """The first request with a key has reserved it and not finished: a retry must not run."""
    store = container.idempotency_store()
    principal = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)
    idempotency = Idempotency("k", store, container.clock(), ttl_seconds=60)
    await store.reserve(
        f"{principal.user_id}:k",
        hashlib.sha256(b"POST x").hexdigest(),
        now=container.clock().now(),
        ttl_seconds=60,
    )

    async def never() -> Response:
        raise AssertionError("the work must not run twice")

    with pytest.raises(Conflict):
        await idempotency.run(principal, "POST x", never)
