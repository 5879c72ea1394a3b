"""Issue 13, points 11 and 12: an exact lookup by SKU, and the CLI's stock count over REST
(at a location since issue 14)."""

from collections.abc import Callable
from typing import Any
from uuid import uuid4

from fastapi.testclient import TestClient

from domain.locations import MAIN_LOCATION_ID
from tests.e2e.rest.conftest import Headers, new_item


def test_an_item_is_found_by_its_sku_as_the_service_stores_it(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    item = new_item(client, auth("admin"), sku="ab-1")
    new_item(client, auth("admin"), sku="AB-10")
    for typed in ("AB-1", "ab-1", " aB-1 "):
        found = client.get(f"/api/v1/items/by-sku/{typed}", headers=auth("viewer"))
        assert found.status_code == 200, found.text
        assert found.json() == item
        assert found.headers["etag"] == '"1"'


def test_a_sku_lookup_matches_nothing_else(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, sku="AB-1")
    for other in ("AB", "AB-", "AB-1X", item["id"]):
        missing = client.get(f"/api/v1/items/by-sku/{other}", headers=admin)
        assert missing.status_code == 404, other
        assert missing.json()["code"] == "not_found"
    bad = client.get("/api/v1/items/by-sku/A B", headers=admin)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["location"] == ["path", "sku"]
    assert client.get("/api/v1/items/by-sku/AB-1").status_code == 401


def _count(client: TestClient, headers: Headers, item: dict[str, object], **body: object) -> Any:
    return client.post(f"/api/v1/items/{item['id']}/counts", json=body, headers=headers)


def test_a_count_sets_the_stock_and_records_the_difference(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    item = new_item(client, auth("admin"), quantity=10)
    counted = _count(client, clerk, item, counted=7, reference="INV-2026", note=" shelf 3 ")
    assert counted.status_code == 201, counted.text
    body = counted.json()
    assert body["quantity"] == 7
    assert body["item"]["quantity"] == 7
    assert body["movement"]["delta"] == -3
    assert body["movement"]["reason"] == "count"
    assert body["movement"]["reference"] == "INV-2026"
    assert body["movement"]["note"] == "shelf 3"
    assert counted.headers["etag"] == f'"{body["item"]["version"]}"'
    again = _count(client, clerk, item, counted=7)
    assert again.status_code == 200
    assert again.json()["movement"] is None
    ledger = client.get(f"/api/v1/items/{item['id']}/movements", headers=clerk).json()
    assert [m["reason"] for m in ledger["items"]] == ["count", "received"]


def test_counts_follow_the_rules_of_the_cli(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    admin = auth("admin")
    item = new_item(client, admin, quantity=4)
    assert _count(client, auth("viewer"), item, counted=1).status_code == 403
    for body in ({"counted": -1}, {"counted": 1.0}, {"counted": "3"}, {}, {"counted": 1, "x": 1}):
        refused = _count(client, admin, item, **body)
        assert refused.status_code == 422, body
    stale = client.post(
        f"/api/v1/items/{item['id']}/counts",
        json={"counted": 1},
        headers={**admin, "If-Match": '"9"'},
    )
    assert stale.status_code == 412
    unknown = client.post(
        "/api/v1/items/00000000-0000-4000-8000-000000000000/counts",
        json={"counted": 1},
        headers=admin,
    )
    assert unknown.status_code == 404
    assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["quantity"] == 4


def test_a_retried_count_with_its_key_is_replayed(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, quantity=4)
    keyed = {**admin, "Idempotency-Key": "count-1", "If-Match": '"1"'}
    first = client.post(f"/api/v1/items/{item['id']}/counts", json={"counted": 9}, headers=keyed)
    retry = client.post(f"/api/v1/items/{item['id']}/counts", json={"counted": 9}, headers=keyed)
    assert first.status_code == retry.status_code == 201
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.json() == first.json()
    assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["quantity"] == 9


def test_dot_skus_are_found_percent_encoded(client: TestClient, admin: Headers) -> None:
    """``.`` and ``..`` are valid SKUs but dot segments of a URL, which clients remove."""
    item = new_item(client, admin, sku="..")
    found = client.get("/api/v1/items/by-sku/%2E%2E", headers=admin)
    assert found.status_code == 200, found.text
    assert found.json()["id"] == item["id"]


def test_a_count_at_a_location_sets_the_stock_there(client: TestClient, admin: Headers) -> None:
    """``location_id`` names where the count was taken; without it, the default location."""
    item = new_item(client, admin, quantity=4)
    made = client.post("/api/v1/locations", json={"code": "BIN-1", "name": "Bin"}, headers=admin)
    bin_ = made.json()
    counted = _count(client, admin, item, counted=6, location_id=bin_["id"])
    assert counted.status_code == 201, counted.text
    body = counted.json()
    assert (body["movement"]["location_id"], body["movement"]["delta"]) == (bin_["id"], 6)
    assert (body["quantity"], body["movement"]["transfer_id"]) == (10, None)
    at_main = _count(client, admin, item, counted=1)
    assert at_main.json()["movement"]["location_id"] == str(MAIN_LOCATION_ID)
    stock = client.get(f"/api/v1/items/{item['id']}/stock", headers=admin).json()
    assert [(level["location_code"], level["quantity"]) for level in stock] == [
        ("BIN-1", 6),
        ("MAIN", 1),
    ]


def test_a_count_at_a_bad_location_changes_nothing(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, quantity=4)
    missing = _count(client, admin, item, counted=1, location_id=str(uuid4()))
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")
    malformed = _count(client, admin, item, counted=1, location_id="nowhere")
    assert malformed.status_code == 422
    assert malformed.json()["errors"][0]["location"] == ["body", "location_id"]
    off = client.post("/api/v1/locations", json={"code": "OFF", "name": "Off"}, headers=admin)
    url = f"/api/v1/locations/{off.json()['id']}"
    assert client.patch(url, json={"active": False}, headers=admin).status_code == 200
    refused = _count(client, admin, item, counted=2, location_id=off.json()["id"])
    assert (refused.status_code, refused.json()["code"]) == (409, "location_inactive")
    after = client.get(f"/api/v1/items/{item['id']}", headers=admin).json()
    assert (after["quantity"], after["version"]) == (4, item["version"])
