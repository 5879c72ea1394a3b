"""Stocktakes over REST: open, count, commit (conflicts refused or skipped), read back."""

from collections.abc import Callable

from fastapi.testclient import TestClient

from domain.locations import MAIN_LOCATION_ID
from tests.e2e.rest.conftest import Headers, new_item

STOCKTAKES = "/api/v1/stocktakes"


def test_a_stocktake_sets_counted_stock_and_reports_each_line(
    client: TestClient, admin: Headers, auth: Callable[[str], Headers]
) -> None:
    clerk, viewer = auth("clerk"), auth("viewer")
    first = new_item(client, admin, sku="A-1", quantity=5)
    second = new_item(client, admin, sku="A-2", quantity=3)
    body = {"location_id": str(MAIN_LOCATION_ID)}
    assert client.post(STOCKTAKES, json=body, headers=viewer).status_code == 403
    opened = client.post(STOCKTAKES, json=body, headers=clerk)
    assert opened.status_code == 201, opened.text
    take = opened.json()
    assert sorted(line["expected"] for line in take["lines"]) == [3, 5]
    url = f"{STOCKTAKES}/{take['id']}"
    counts = {
        "lines": [{"item_id": first["id"], "counted": 7}, {"item_id": second["id"], "counted": 3}]
    }
    counted = client.put(f"{url}/lines", json=counts, headers=clerk)
    assert counted.status_code == 200, counted.text
    by_item = {line["item_id"]: line for line in counted.json()["lines"]}
    assert (by_item[first["id"]]["difference"], by_item[first["id"]]["status"]) == (2, "counted")
    committed = client.post(f"{url}/commit", json={}, headers=clerk)
    assert committed.status_code == 200, committed.text
    report = committed.json()
    assert report["status"] == "committed"
    assert [(m["reason"], m["delta"]) for m in report["movements"]] == [("count", 2)]
    assert client.get(f"/api/v1/items/{first['id']}", headers=viewer).json()["quantity"] == 7
    again = client.get(url, headers=viewer).json()
    assert {line["status"] for line in again["lines"]} == {"applied"}
    closed = client.post(f"{url}/commit", json={}, headers=clerk)
    assert (closed.status_code, closed.json()["code"]) == (409, "stocktake_closed")


def test_a_line_that_moved_meanwhile_is_a_conflict(client: TestClient, admin: Headers) -> None:
    item = new_item(client, admin, quantity=5)
    line = {"item_id": item["id"], "location_id": str(MAIN_LOCATION_ID)}
    take = client.post(STOCKTAKES, json={"lines": [line]}, headers=admin).json()
    url = f"{STOCKTAKES}/{take['id']}"
    client.put(f"{url}/lines", json={"lines": [{**line, "counted": 9}]}, headers=admin)
    client.post(
        f"/api/v1/items/{item['id']}/movements",
        json={"delta": -1, "reason": "sold"},
        headers=admin,
    )
    refused = client.post(f"{url}/commit", json={"conflicts": "refuse"}, headers=admin)
    assert (refused.status_code, refused.json()["conflicts"]) == (409, 1)
    assert client.get(url, headers=admin).json()["status"] == "open"
    skipped = client.post(f"{url}/commit", json={"conflicts": "skip"}, headers=admin).json()
    assert [line["status"] for line in skipped["lines"]] == ["conflict"]
    assert skipped["movements"] == []
    assert client.get(f"/api/v1/items/{item['id']}", headers=admin).json()["quantity"] == 4


def test_bad_stocktake_requests_are_4xx(client: TestClient, admin: Headers) -> None:
    assert client.post(STOCKTAKES, json={}, headers=admin).status_code == 422
    missing = client.get(f"{STOCKTAKES}/{MAIN_LOCATION_ID}", headers=admin)
    assert missing.status_code == 404
    take = client.post(
        STOCKTAKES, json={"location_id": str(MAIN_LOCATION_ID)}, headers=admin
    ).json()
    negative = {"lines": [{"item_id": str(MAIN_LOCATION_ID), "counted": -1}]}
    assert (
        client.put(f"{STOCKTAKES}/{take['id']}/lines", json=negative, headers=admin).status_code
        == 422
    )
