"""Reservations over HTTP: hold, read, change under If-Match, fulfil, release, refusals."""

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.e2e.rest.conftest import Headers, new_item

URL = "/api/v1/reservations"


def reserve(
    client: TestClient, headers: Headers, item_id: object, quantity: int, ref: str = "SO-1"
):  # type: ignore[no-untyped-def]
    body = {"item_id": item_id, "quantity": quantity, "reference": ref}
    return client.post(URL, json=body, headers=headers)


def test_a_hold_shows_on_the_item_and_fulfilment_sells_it(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    item = new_item(client, clerk, quantity=10)
    made = reserve(client, clerk, item["id"], 4)
    assert made.status_code == 201, made.text
    body = made.json()
    rid = body["reservation"]["id"]
    assert made.headers["location"] == f"{URL}/{rid}"
    assert body["reservation"]["status"] == "active"
    assert (body["item"]["held"], body["item"]["available"]) == (4, 6)
    shown = client.get(f"/api/v1/items/{item['id']}", headers=clerk).json()
    assert (shown["quantity"], shown["held"], shown["available"]) == (10, 4, 6)
    listed = client.get("/api/v1/items", params={"available_below_reorder": True}, headers=clerk)
    assert listed.json()["total"] == 0

    again = reserve(client, clerk, item["id"], 4)
    assert again.status_code == 200
    assert again.json()["reservation"]["id"] == rid
    conflict = reserve(client, clerk, item["id"], 5)
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "reservation_conflict"
    too_many = reserve(client, clerk, item["id"], 7, "SO-2")
    assert too_many.status_code == 409
    assert (too_many.json()["code"], too_many.json()["available"]) == ("insufficient_stock", 6)
    sold_past = client.post(
        f"/api/v1/items/{item['id']}/movements", json={"delta": -7, "reason": "sold"}, headers=clerk
    )
    assert sold_past.status_code == 409

    done = client.post(f"{URL}/{rid}/fulfil", json={"quantity": 3}, headers=clerk)
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["movement"]["reservation_id"] == rid
    assert (result["movement"]["reason"], result["movement"]["delta"]) == ("sold", -3)
    assert (result["item"]["quantity"], result["item"]["held"]) == (7, 0)
    assert result["reservation"]["fulfilled_quantity"] == 3
    closed = client.post(f"{URL}/{rid}/release", headers=clerk)
    assert closed.status_code == 409
    assert closed.json()["code"] == "reservation_closed"


def test_patch_needs_the_current_version_and_release_frees(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    item = new_item(client, clerk, quantity=5)
    made = reserve(client, clerk, item["id"], 2)
    rid = made.json()["reservation"]["id"]
    got = client.get(f"{URL}/{rid}", headers=clerk)
    assert got.headers["etag"] == '"1"'
    stale = client.patch(f"{URL}/{rid}", json={"quantity": 3}, headers={**clerk, "If-Match": '"7"'})
    assert stale.status_code == 412
    grown = client.patch(f"{URL}/{rid}", json={"quantity": 5}, headers={**clerk, "If-Match": '"1"'})
    assert grown.status_code == 200, grown.text
    assert grown.json()["item"]["available"] == 0
    released = client.post(f"{URL}/{rid}/release", headers=clerk)
    assert released.status_code == 200
    assert released.json()["reservation"]["status"] == "released"
    assert released.json()["item"]["available"] == 5
    page = client.get(URL, params={"item_id": item["id"], "status": "released"}, headers=clerk)
    assert [r["id"] for r in page.json()["items"]] == [rid]


@pytest.mark.parametrize(
    "body",
    [
        {"quantity": 0, "reference": "SO"},
        {"quantity": "2", "reference": "SO"},
        {"quantity": 1, "reference": ""},
        {"quantity": 1, "reference": "x" * 101},
        {"quantity": 1, "reference": "SO", "ttl_seconds": 59},
        {"quantity": 1, "reference": "SO", "ttl_seconds": 30 * 86400 + 1},
        {"quantity": 1, "reference": "SO", "extra": True},
    ],
)
def test_bad_requests_are_422_and_hold_nothing(
    client: TestClient, admin: Headers, body: dict[str, object]
) -> None:
    item = new_item(client, admin, quantity=5)
    response = client.post(URL, json={"item_id": item["id"], **body}, headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["held"] == 0


def test_viewers_read_but_may_not_reserve(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    item = new_item(client, auth("admin"), quantity=5)
    viewer = auth("viewer")
    assert reserve(client, viewer, item["id"], 1).status_code == 403
    assert client.get(URL, headers=viewer).status_code == 200
    assert client.get(f"{URL}/{item['id']}", headers=viewer).status_code == 404


def test_an_idempotency_key_replays_the_first_response(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    item = new_item(client, clerk, quantity=5)
    body = {"item_id": item["id"], "quantity": 2, "reference": "SO-1"}
    keyed = {**clerk, "Idempotency-Key": "order-1-hold"}
    first = client.post(URL, json=body, headers=keyed)
    again = client.post(URL, json=body, headers=keyed)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
