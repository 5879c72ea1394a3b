"""The audit trail and an item's history over HTTP: who changed what, through which door, with
the request id the client sent."""

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.e2e.rest.conftest import Headers, new_item

PROBLEM = "application/problem+json"


def audit(client: TestClient, headers: Headers, **params: Any) -> Any:
    response = client.get("/api/v1/audit", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_every_change_is_recorded_with_who_what_and_the_request_id(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    admin, clerk = auth("admin"), auth("clerk")
    item = new_item(client, clerk, sku="AU-1", unit_price="10.00")
    url = f"/api/v1/items/{item['id']}"
    patched = client.patch(
        url, json={"unit_price": "12.50"}, headers={**clerk, "X-Request-ID": "req-price-1"}
    )
    assert patched.status_code == 200
    assert client.delete(url, headers=admin).status_code == 204

    page = audit(client, admin, entity="item", entity_id=item["id"])
    assert page["total"] == 3
    archived, updated, created = page["items"]
    assert [archived["action"], updated["action"], created["action"]] == [
        "archived",
        "updated",
        "created",
    ]
    assert updated["channel"] == "rest"
    assert updated["request_id"] == "req-price-1"
    assert updated["changes"] == [{"field": "unit_price", "old": "10.00", "new": "12.50"}]
    me = client.get("/api/v1/users/me", headers=clerk).json()
    assert updated["actor_id"] == me["id"]
    assert created["request_id"]  # the one the service gave the request
    assert {c["field"] for c in created["changes"]} >= {"sku", "name", "unit_price"}
    assert archived["changes"][0]["field"] == "archived_at"

    by_clerk = audit(client, admin, actor=me["id"], entity="item")
    assert by_clerk["total"] == 2
    later = audit(client, admin, **{"from": updated["occurred_at"]})
    assert [r["id"] for r in later["items"]][-1] == updated["id"]


def test_the_audit_trail_is_for_admins_and_checks_its_filters(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    for role in ("viewer", "clerk"):
        refused = client.get("/api/v1/audit", headers=auth(role))
        assert refused.status_code == 403
    admin = auth("admin")
    for params in (
        {"entity": "planet"},
        {"from": "2026-01-01T00:00:00"},
        {"limit": "101"},
        {"actor": "nobody"},
    ):
        bad = client.get("/api/v1/audit", params=params, headers=admin)
        assert bad.status_code == 422, params
        assert bad.headers["content-type"] == PROBLEM


def test_a_password_change_is_recorded_without_the_password(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    admin = auth("admin")
    created = client.post(
        "/api/v1/users",
        json={"username": "pat", "password": "first password", "role": "viewer"},
        headers=admin,
    )
    user = created.json()
    body = {"current_password": "first password", "new_password": "second password"}
    pat = {"Authorization": "Bearer " + _token(client, "pat", "first password")}
    assert client.put("/api/v1/users/me/password", json=body, headers=pat).status_code == 204
    records = audit(client, admin, entity="user", entity_id=user["id"])["items"]
    assert [r["action"] for r in records] == ["password_changed", "created"]
    assert records[0]["changes"] == [
        {"field": "password", "old": "(withheld)", "new": "(withheld)"}
    ]
    assert "first password" not in str(records)


def _token(client: TestClient, username: str, password: str) -> str:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    return str(response.json()["access_token"])


def test_an_item_history_interleaves_changes_and_movements_and_outlives_a_purge(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    admin, viewer = auth("admin"), auth("viewer")
    item = new_item(client, admin, sku="H-1", quantity=2)
    url = f"/api/v1/items/{item['id']}"
    client.patch(url, json={"name": "Renamed"}, headers=admin)
    client.post(f"{url}/movements", json={"delta": -2, "reason": "sold"}, headers=admin)
    history = client.get(f"{url}/history", headers=viewer).json()
    # newest first; at one instant (the creation and its initial stock) the change comes first
    assert [(e["kind"], (e["change"] or {}).get("action")) for e in history["items"]] == [
        ("movement", None),
        ("change", "updated"),
        ("change", "created"),
        ("movement", None),
    ]
    assert history["total"] == 4
    times = [e["at"] for e in history["items"]]
    assert times == sorted(times, reverse=True)
    assert history["items"][0]["movement"]["delta"] == -2
    second = client.get(f"{url}/history", params={"offset": 1, "limit": 2}, headers=viewer)
    assert second.json()["items"] == history["items"][1:3]

    assert client.delete(url, params={"purge": "true"}, headers=admin).status_code == 204
    after = client.get(f"{url}/history", headers=viewer).json()
    assert after["items"][0]["change"]["action"] == "purged"
    assert {"field": "sku", "old": "H-1", "new": None} in after["items"][0]["change"]["changes"]
    assert (
        client.get(
            "/api/v1/items/00000000-0000-0000-0000-000000000000/history", headers=viewer
        ).status_code
        == 404
    )
