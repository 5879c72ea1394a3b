"""Stock and valuation at an instant over HTTP, in JSON and in CSV."""

import csv
import io
import time
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from tests.e2e.rest.conftest import Headers, new_item

PROBLEM = "application/problem+json"


def instant() -> str:
    moment = datetime.now(UTC)
    time.sleep(0.002)  # what happens next is strictly later
    return moment.isoformat().replace("+00:00", "Z")


def test_stock_and_value_as_of_with_a_price_change_in_between(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk, viewer = auth("clerk"), auth("viewer")
    item = new_item(client, clerk, sku="-EVIL", name="@SUM(A1)", unit_price="4.00", quantity=5)
    url = f"/api/v1/items/{item['id']}"
    first = instant()
    client.patch(url, json={"unit_price": "5.00"}, headers=clerk)
    client.post(f"{url}/movements", json={"delta": -2, "reason": "sold"}, headers=clerk)
    second = instant()

    then = client.get(f"{url}/stock", params={"as_of": first}, headers=viewer)
    assert then.status_code == 200, then.text
    assert [(level["location_code"], level["quantity"]) for level in then.json()] == [("MAIN", 5)]
    assert (
        client.get(f"{url}/stock", params={"as_of": second}, headers=viewer).json()[0]["quantity"]
        == 3
    )

    report = client.get("/api/v1/reports/stock", params={"as_of": first}, headers=viewer).json()
    assert [(line["sku"], line["quantity"]) for line in report["items"]] == [("-EVIL", 5)]
    value = client.get("/api/v1/reports/valuation", params={"as_of": first}, headers=viewer)
    assert value.json()["total"] == "20.00"
    later = client.get("/api/v1/reports/valuation", params={"as_of": second}, headers=viewer)
    assert later.json()["lines"][0]["unit_price"] == "5.00"
    assert later.json()["total"] == "15.00"

    as_csv = client.get(
        "/api/v1/reports/valuation",
        params={"as_of": second},
        headers={**viewer, "Accept": "text/csv"},
    )
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0] == ["sku", "name", "item_id", "quantity", "unit_price", "value"]
    assert rows[1][:2] == ["'-EVIL", "'@SUM(A1)"]  # never a formula in a spreadsheet
    assert rows[1][3:] == ["3", "5.00", "15.00"]
    assert rows[-1] == ["TOTAL", "", "", "", "", "15.00"]


def test_bad_instants_are_422(client: TestClient, auth: Callable[[str], Headers]) -> None:
    viewer = auth("viewer")
    for as_of in ("2999-01-01T00:00:00Z", "2026-01-01T00:00:00", "yesterday"):
        response = client.get("/api/v1/reports/stock", params={"as_of": as_of}, headers=viewer)
        assert response.status_code == 422, as_of
        assert response.headers["content-type"] == PROBLEM
    assert client.get("/api/v1/reports/valuation", headers=viewer).status_code == 422


def test_the_ledger_export_pages_by_cursor_and_filters(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk, viewer = auth("clerk"), auth("viewer")
    first = new_item(client, clerk, sku="E-1", quantity=5)
    second = new_item(client, clerk, sku="E-2", quantity=1)
    url = f"/api/v1/items/{first['id']}/movements"
    client.post(
        url, json={"delta": -1, "reason": "sold", "note": "=cmd|' /C calc'!A0"}, headers=clerk
    )
    client.post(url, json={"delta": -1, "reason": "damaged"}, headers=clerk)

    page = client.get("/api/v1/movements", params={"limit": 2}, headers=viewer).json()
    assert [m["item_id"] for m in page["items"]] == [first["id"], second["id"]]
    rest = client.get(
        "/api/v1/movements", params={"cursor": page["next_cursor"], "limit": 2}, headers=viewer
    ).json()
    assert [m["reason"] for m in rest["items"]] == ["sold", "damaged"]
    assert rest["next_cursor"] is not None
    end = client.get(
        "/api/v1/movements", params={"cursor": rest["next_cursor"]}, headers=viewer
    ).json()
    assert (end["items"], end["next_cursor"]) == ([], None)
    sold = client.get(
        "/api/v1/movements", params={"reason": "sold", "item_id": first["id"]}, headers=viewer
    ).json()
    assert [m["delta"] for m in sold["items"]] == [-1]

    as_csv = client.get("/api/v1/movements", headers={**viewer, "Accept": "text/csv"})
    rows = list(csv.reader(io.StringIO(as_csv.text)))
    assert rows[0][:3] == ["note", "reference", "id"]
    assert rows[3][0] == "'=cmd|' /C calc'!A0"
    assert as_csv.headers["x-next-cursor"] == ""
    for bad in ({"reason": "stolen"}, {"cursor": "-1"}, {"from": "2026-01-01T00:00:00"}):
        assert client.get("/api/v1/movements", params=bad, headers=viewer).status_code == 422
