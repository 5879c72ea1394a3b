import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.e2e.rest.conftest import Headers, new_item


def test_events_for_changes_made_over_http(client: TestClient, admin: Headers) -> None:
    token = admin["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/api/v1/events?token={token}") as socket:
        item = new_item(client, admin, quantity=5, reorder_level=2)
        created = socket.receive_json()
        assert created["type"] == "item.created"
        assert created["item_id"] == item["id"]
        client.post(
            f"/api/v1/items/{item['id']}/movements",
            json={"delta": -4, "reason": "sold"},
            headers=admin,
        )
        adjusted = socket.receive_json()
        assert (adjusted["type"], adjusted["quantity"], adjusted["delta"]) == (
            "stock.adjusted",
            1,
            -4,
        )
        assert socket.receive_json()["type"] == "stock.low"
        client.patch(f"/api/v1/items/{item['id']}", json={"name": "New"}, headers=admin)
        assert socket.receive_json()["type"] == "item.updated"
        client.delete(f"/api/v1/items/{item['id']}", headers=admin)  # archives it
        archived = socket.receive_json()
        assert (archived["type"], archived["changed"]) == ("item.updated", ["archived_at"])
        client.post(
            f"/api/v1/items/{item['id']}/movements",
            json={"delta": -1, "reason": "sold"},
            headers=admin,
        )
        client.post(f"/api/v1/items/{item['id']}/restore", headers=admin)
        assert socket.receive_json()["changed"] == ["archived_at"]
        client.post(
            f"/api/v1/items/{item['id']}/movements",
            json={"delta": -1, "reason": "sold"},
            headers=admin,
        )
        assert socket.receive_json()["type"] == "stock.adjusted"
        client.delete(f"/api/v1/items/{item['id']}", params={"purge": "true"}, headers=admin)
        assert socket.receive_json()["type"] == "item.deleted"


def test_token_in_the_authorization_header(client: TestClient, admin: Headers) -> None:
    with client.websocket_connect("/api/v1/events", headers=admin) as socket:
        new_item(client, admin)
        assert socket.receive_json()["type"] == "item.created"


@pytest.mark.parametrize("query", ["", "?token=", "?token=garbage"])
def test_unauthenticated_sockets_are_closed_with_1008(client: TestClient, query: str) -> None:
    with (
        client.websocket_connect(f"/api/v1/events{query}") as socket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        socket.receive_json()
    assert closed.value.code == 1008
