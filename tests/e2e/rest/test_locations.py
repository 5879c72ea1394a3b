"""Locations, stock per location and transfers over REST."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from domain.locations import MAIN_LOCATION_ID
from tests.e2e.rest.conftest import Headers, new_item

LOCATIONS = "/api/v1/locations"


def new_location(
    client: TestClient, headers: Headers, code: str, parent: object = None
) -> dict[str, object]:
    body = {"code": code, "name": f"Place {code}", "parent_id": parent}
    response = client.post(LOCATIONS, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def test_admins_manage_locations_and_others_read_them(
    client: TestClient, admin: Headers, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    refused = client.post(LOCATIONS, json={"code": "X", "name": "X"}, headers=clerk)
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    warehouse = new_location(client, admin, " wh ")
    aisle = new_location(client, admin, "wh-1", warehouse["id"])
    assert (warehouse["code"], aisle["parent_id"]) == ("WH", warehouse["id"])
    created = client.get(f"{LOCATIONS}/{aisle['id']}", headers=clerk)
    assert created.headers["etag"] == '"1"'
    children = client.get(LOCATIONS, params={"parent": warehouse["id"]}, headers=clerk).json()
    assert [loc["code"] for loc in children["items"]] == ["WH-1"]
    roots = client.get(LOCATIONS, params={"parent": "root", "active": True}, headers=clerk)
    assert [loc["code"] for loc in roots.json()["items"]] == ["MAIN", "WH"]
    taken = client.post(LOCATIONS, json={"code": "WH", "name": "Again"}, headers=admin)
    assert (taken.status_code, taken.json()["code"]) == (409, "already_exists")
    cycle = client.patch(
        f"{LOCATIONS}/{warehouse['id']}", json={"parent_id": aisle["id"]}, headers=admin
    )
    assert cycle.status_code == 422


def test_patch_and_delete_honour_if_match(client: TestClient, admin: Headers) -> None:
    bin_ = new_location(client, admin, "BIN")
    url = f"{LOCATIONS}/{bin_['id']}"
    stale = client.patch(url, json={"active": False}, headers={**admin, "If-Match": '"7"'})
    assert stale.status_code == 412
    off = client.patch(url, json={"active": False}, headers={**admin, "If-Match": '"1"'})
    assert (off.status_code, off.json()["active"], off.headers["etag"]) == (200, False, '"2"')
    assert client.delete(url, headers={**admin, "If-Match": '"1"'}).status_code == 412
    assert client.delete(url, headers={**admin, "If-Match": '"2"'}).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    main = client.delete(f"{LOCATIONS}/{MAIN_LOCATION_ID}", headers=admin)
    assert (main.status_code, main.json()["code"]) == (409, "default_location")


def test_movements_at_a_location_and_transfers(
    client: TestClient, admin: Headers, auth: Callable[[str], Headers]
) -> None:
    clerk, viewer = auth("clerk"), auth("viewer")
    item = new_item(client, admin, quantity=5)
    source, target = new_location(client, admin, "A"), new_location(client, admin, "B")
    moved = client.post(
        f"/api/v1/items/{item['id']}/movements",
        json={"delta": 4, "reason": "received", "location_id": source["id"]},
        headers=clerk,
    )
    assert moved.status_code == 201, moved.text
    assert moved.json()["movement"]["location_id"] == source["id"]
    body = {
        "item_id": item["id"],
        "from_location_id": source["id"],
        "to_location_id": target["id"],
        "quantity": 3,
        "reference": "T-1",
    }
    assert client.post("/api/v1/transfers", json=body, headers=viewer).status_code == 403
    keyed = {**clerk, "Idempotency-Key": "transfer-1"}
    done = client.post("/api/v1/transfers", json=body, headers=keyed)
    assert done.status_code == 201, done.text
    transfer = done.json()
    assert [m["reason"] for m in transfer["movements"]] == ["transfer_out", "transfer_in"]
    assert transfer["item"]["quantity"] == 9
    again = client.post("/api/v1/transfers", json=body, headers=keyed)
    assert again.json()["transfer"] == transfer["transfer"]
    too_many = client.post("/api/v1/transfers", json={**body, "quantity": 2}, headers=clerk)
    problem = too_many.json()
    assert (too_many.status_code, problem["available"], problem["location"]) == (409, 1, "A")
    stock = client.get(f"/api/v1/items/{item['id']}/stock", headers=viewer).json()
    assert [(level["location_code"], level["quantity"]) for level in stock] == [
        ("A", 1),
        ("B", 3),
        ("MAIN", 5),
    ]
    at_b = client.get(f"{LOCATIONS}/{target['id']}/stock", headers=viewer).json()
    assert [level["sku"] for level in at_b["items"]] == ["AB-1"]
    listed = client.get(
        "/api/v1/transfers", params={"location_id": source["id"]}, headers=viewer
    ).json()
    assert [t["transfer_id"] for t in listed["items"]] == [transfer["transfer"]["transfer_id"]]


def test_bad_transfers_are_4xx_and_change_nothing(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, quantity=2)
    main = str(MAIN_LOCATION_ID)
    for body, status in (
        ({"quantity": 0}, 422),
        ({"quantity": 1.0}, 422),
        ({"to_location_id": main}, 422),
        ({"to_location_id": "not-a-uuid"}, 422),
        ({"to_location_id": "00000000-0000-4000-8000-00000000dead"}, 404),
        ({"extra": 1}, 422),
    ):
        sent = {
            "item_id": item["id"],
            "from_location_id": main,
            "to_location_id": main,
            "quantity": 1,
        }
        response = client.post("/api/v1/transfers", json={**sent, **body}, headers=admin)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["version"] == 1


def test_an_inactive_location_takes_no_stock(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    bin_ = new_location(client, admin, "OFF")
    client.patch(f"{LOCATIONS}/{bin_['id']}", json={"active": False}, headers=admin)
    response = client.post(
        f"/api/v1/items/{item['id']}/movements",
        json={"delta": 1, "reason": "received", "location_id": bin_["id"]},
        headers=admin,
    )
    assert (response.status_code, response.json()["code"]) == (409, "location_inactive")


def test_transfers_and_located_movements_reach_the_event_stream(
    client: TestClient, admin: Headers
) -> None:
    token = admin["Authorization"].removeprefix("Bearer ")
    item = new_item(client, admin, quantity=5)
    # From the start of the outbox: the item's creation may be positioned after the socket joins.
    with client.websocket_connect(f"/api/v1/events?token={token}&after=0") as socket:
        assert socket.receive_json()["type"] == "item.created"
        van = new_location(client, admin, "VAN")
        assert (socket.receive_json()["type"], van["code"]) == ("location.changed", "VAN")
        client.post(
            f"/api/v1/items/{item['id']}/movements",
            json={"delta": -1, "reason": "sold"},
            headers=admin,
        )
        adjusted = socket.receive_json()
        assert (adjusted["type"], adjusted["location_id"], adjusted["location_quantity"]) == (
            "stock.adjusted",
            str(MAIN_LOCATION_ID),
            4,
        )
        body = {
            "item_id": item["id"],
            "from_location_id": str(MAIN_LOCATION_ID),
            "to_location_id": van["id"],
            "quantity": 3,
        }
        done = client.post("/api/v1/transfers", json=body, headers=admin).json()
        moved = socket.receive_json()
        assert moved["type"] == "stock.transferred"
        assert (moved["transfer_id"], moved["to_location_id"], moved["quantity"]) == (
            done["transfer"]["transfer_id"],
            van["id"],
            3,
        )
