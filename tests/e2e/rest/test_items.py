from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.e2e.rest.conftest import Headers, new_item

PROBLEM = "application/problem+json"


def test_create_returns_201_location_etag_and_money_as_strings(
    client: TestClient, admin: Headers
) -> None:
    response = client.post(
        "/api/v1/items",
        json={"sku": "ab-1", "name": " Widget ", "unit_price": 12.5, "tax_rate": "20"},
        headers=admin,
    )
    assert response.status_code == 201
    body = response.json()
    assert response.headers["location"] == f"/api/v1/items/{body['id']}"
    assert response.headers["etag"] == '"1"'
    assert body["sku"] == "AB-1"
    assert body["name"] == "Widget"
    assert body["unit_price"] == "12.50"
    assert body["tax_rate"] == "20.00"
    assert body["price_with_tax"] == "15.00"
    assert client.get(response.headers["location"], headers=admin).json() == body


def test_money_is_read_exactly_from_the_json_text(client: TestClient, admin: Headers) -> None:
    raw = b'{"sku": "X", "name": "x", "unit_price": 0.29}'
    response = client.post(
        "/api/v1/items", content=raw, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 201
    assert response.json()["unit_price"] == "0.29"
    too_precise = b'{"sku": "Y", "name": "y", "unit_price": 12.0000000000000001}'
    response = client.post(
        "/api/v1/items", content=too_precise, headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", "unit_price"]


def test_duplicate_sku_is_409(client: TestClient, admin: Headers) -> None:
    new_item(client, admin)
    response = client.post(
        "/api/v1/items", json={"sku": "ab-1", "name": "Again", "unit_price": "1"}, headers=admin
    )
    assert response.status_code == 409
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["code"] == "already_exists"


def test_list_pages_searches_filters_and_sorts(client: TestClient, admin: Headers) -> None:
    for index, name in enumerate(["Cable", "Adapter", "Battery"]):
        new_item(client, admin, sku=f"S-{index}", name=name, quantity=index, reorder_level=1)
    page = client.get("/api/v1/items", params={"limit": 2}, headers=admin).json()
    assert [item["name"] for item in page["items"]] == ["Adapter", "Battery"]
    assert (page["total"], page["offset"], page["limit"]) == (3, 0, 2)
    second = client.get("/api/v1/items", params={"offset": 2, "limit": 2}, headers=admin).json()
    assert [item["name"] for item in second["items"]] == ["Cable"]
    by_quantity = client.get("/api/v1/items", params={"sort": "-quantity"}, headers=admin).json()
    assert [item["quantity"] for item in by_quantity["items"]] == [2, 1, 0]
    low = client.get("/api/v1/items", params={"low_stock": "true"}, headers=admin).json()
    assert {item["name"] for item in low["items"]} == {"Cable", "Adapter"}
    found = client.get("/api/v1/items", params={"q": "batt"}, headers=admin).json()
    assert [item["name"] for item in found["items"]] == ["Battery"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"sort": "price"},
        {"limit": "x"},
        {"q": "\x00"},
    ],
)
def test_bad_list_parameters_are_422(
    client: TestClient, admin: Headers, params: dict[str, object]
) -> None:
    response = client.get("/api/v1/items", params=params, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["location"][0] == "query"


def test_get_honours_if_none_match(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin)
    url = f"/api/v1/items/{item['id']}"
    first = client.get(url, headers=admin)
    assert first.headers["etag"] == '"1"'
    cached = client.get(url, headers={**admin, "If-None-Match": first.headers["etag"]})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == '"1"'
    stale = client.get(url, headers={**admin, "If-None-Match": '"7"'})
    assert stale.status_code == 200


def test_unknown_and_unparsable_ids(client: TestClient, admin: Headers) -> None:
    missing = client.get("/api/v1/items/00000000-0000-4000-8000-000000000000", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    garbage = client.get("/api/v1/items/not-an-id", headers=admin)
    assert garbage.status_code == 422
    assert garbage.json()["errors"][0]["location"] == ["path", "item_id"]


def test_put_replaces_and_counts_stock(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, description="old", quantity=5)
    url = f"/api/v1/items/{item['id']}"
    response = client.put(
        url,
        json={"sku": "AB-1", "name": "New", "unit_price": "3", "quantity": 2},
        headers={**admin, "If-Match": '"1"'},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["name"], body["description"], body["quantity"]) == ("New", None, 2)
    assert response.headers["etag"] == f'"{body["version"]}"'
    ledger = client.get(f"{url}/movements", headers=admin).json()
    assert ledger["items"][0]["reason"] == "count"
    assert ledger["items"][0]["delta"] == -3


def test_patch_changes_only_what_is_sent_and_null_clears(
    client: TestClient, admin: Headers
) -> None:
    item = new_item(client, admin, description="keep?", tax_rate="10")
    url = f"/api/v1/items/{item['id']}"
    response = client.patch(url, json={"name": "Renamed", "tax_rate": None}, headers=admin)
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["description"], body["tax_rate"]) == ("Renamed", "keep?", None)
    assert client.patch(url, json={"sku": None}, headers=admin).status_code == 422
    assert client.patch(url, json={"quantity": 4}, headers=admin).json()["quantity"] == 4


@pytest.mark.parametrize(
    "field", ["id", "version", "created_at", "updated_at", "price_with_tax", "image", "has_image"]
)
def test_read_only_fields_are_refused(client: TestClient, admin: Headers, field: str) -> None:
    item = new_item(client, admin)
    url = f"/api/v1/items/{item['id']}"
    response = client.patch(url, json={field: item.get(field, "x")}, headers=admin)
    assert response.status_code == 422
    assert response.json()["errors"][0]["location"] == ["body", field]
    assert client.get(url, headers=admin).json() == item


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_if_match_mismatch_is_412_and_changes_nothing(
    client: TestClient, admin: Headers, method: str
) -> None:
    item = new_item(client, admin)
    url = f"/api/v1/items/{item['id']}"
    body = {"sku": "AB-1", "name": "Changed", "unit_price": "1"}
    kwargs = {} if method == "delete" else {"json": body}
    for tag in ('"2"', 'W/"1"', '"2", "3"'):
        response = client.request(method, url, headers={**admin, "If-Match": tag}, **kwargs)
        assert response.status_code == 412
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["actual"] == 1
    assert client.get(url, headers=admin).json() == item
    matching = client.request(method, url, headers={**admin, "If-Match": '"1"'}, **kwargs)
    assert matching.status_code in (200, 204)


def test_delete_archives_restore_brings_back_and_purge_removes(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    admin, clerk = auth("admin"), auth("clerk")
    item = new_item(client, admin)
    url = f"/api/v1/items/{item['id']}"
    assert item["archived_at"] is None
    assert client.delete(url, headers=clerk).status_code == 403
    response = client.delete(url, headers=admin)
    assert response.status_code == 204
    assert response.content == b""
    archived = client.get(url, headers=clerk).json()
    assert archived["archived_at"] is not None
    assert archived["version"] == 2
    assert client.get("/api/v1/items", headers=clerk).json()["total"] == 0
    listed = client.get("/api/v1/items", params={"archived": "true"}, headers=clerk).json()
    assert [entry["id"] for entry in listed["items"]] == [item["id"]]
    refused = client.patch(url, json={"name": "x"}, headers=clerk)
    assert refused.status_code == 409
    assert refused.headers["content-type"] == PROBLEM
    assert refused.json()["code"] == "item_archived"
    moved = client.post(f"{url}/movements", json={"delta": 1, "reason": "received"}, headers=clerk)
    assert moved.json()["code"] == "item_archived"
    same_sku = {"sku": item["sku"], "name": "n", "unit_price": "1"}
    taken = client.post("/api/v1/items", json=same_sku, headers=clerk)
    assert (taken.status_code, taken.json()["code"]) == (409, "already_exists")
    assert client.post(f"{url}/restore", headers=clerk).status_code == 403
    stale = client.post(f"{url}/restore", headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    restored = client.post(f"{url}/restore", headers=admin)
    assert restored.status_code == 200
    assert restored.json()["archived_at"] is None
    assert restored.headers["etag"] == '"3"'
    again = client.post(f"{url}/restore", headers=admin)
    assert (again.status_code, again.json()["code"]) == (409, "item_not_archived")
    client.post(f"{url}/movements", json={"delta": 2, "reason": "received"}, headers=clerk)
    with_stock = client.delete(url, params={"purge": "true"}, headers=admin)
    assert (with_stock.status_code, with_stock.json()["code"]) == (409, "item_has_stock")
    assert with_stock.json()["detail"].startswith(f"item {item['sku']} still has 2 on hand")
    client.post(f"{url}/movements", json={"delta": -2, "reason": "sold"}, headers=clerk)
    assert client.delete(url, params={"purge": "true"}, headers=clerk).status_code == 403
    assert client.delete(url, params={"purge": "true"}, headers=admin).status_code == 204
    assert client.get(url, headers=admin).status_code == 404
    assert client.get(f"{url}/movements", headers=admin).status_code == 404


def test_permissions_per_role(client: TestClient, auth: Callable[[str], Headers]) -> None:
    viewer, clerk = auth("viewer"), auth("clerk")
    body = {"sku": "P-1", "name": "Perm", "unit_price": "1"}
    denied = client.post("/api/v1/items", json=body, headers=viewer)
    assert denied.status_code == 403
    assert denied.json()["code"] == "permission_denied"
    created = client.post("/api/v1/items", json=body, headers=clerk)
    assert created.status_code == 201
    url = created.headers["location"]
    assert client.get(url, headers=viewer).status_code == 200
    assert client.patch(url, json={"name": "x"}, headers=viewer).status_code == 403
    assert client.patch(url, json={"name": "x"}, headers=clerk).status_code == 200
