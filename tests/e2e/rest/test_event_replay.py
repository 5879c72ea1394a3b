"""Replay over HTTP and the WebSocket's ``?after=``: every committed event, in position order,
with ``next`` for the cursor; the live stream continues after a replay with no gap and no
duplicate at the seam, even while events are being written."""

import threading
import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.e2e.rest.conftest import Headers, new_item

BOUND = 15.0  # seconds: a bound against hangs only


def replay(client: TestClient, headers: Headers, **params: object) -> dict[str, object]:
    response = client.get("/api/v1/events", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def positioned(client: TestClient, headers: Headers, count: int) -> list[dict[str, object]]:
    """The first ``count`` events, once the relay has positioned them."""
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        events = replay(client, headers, limit=1000)["events"]
        assert isinstance(events, list)
        if len(events) >= count:
            return events
        time.sleep(0.02)
    raise AssertionError(f"fewer than {count} events were positioned in time")


def test_replay_returns_events_in_order_with_a_cursor_and_filters(
    client: TestClient, admin: Headers, auth: Callable[[str], Headers]
) -> None:
    first = new_item(client, admin, sku="R-1", quantity=5)
    second = new_item(client, admin, sku="R-2")
    client.post(
        f"/api/v1/items/{first['id']}/movements",
        json={"delta": -1, "reason": "sold"},
        headers=admin,
    )
    events = positioned(client, admin, 3)
    assert [e["type"] for e in events] == ["item.created", "item.created", "stock.adjusted"]
    assert [e["position"] for e in events] == sorted(e["position"] for e in events)  # type: ignore[type-var]
    created = events[0]
    assert created["aggregate_id"] == first["id"]
    assert created["aggregate_version"] == 1
    assert created["data"] == {**created["data"], "type": "item.created", "sku": "R-1"}  # type: ignore[dict-item]

    viewer = auth("viewer")
    page = replay(client, viewer, after=0, limit=2)
    assert page["events"] == events[:2]
    assert page["next"] == events[1]["position"]
    rest = replay(client, viewer, after=page["next"])
    assert rest["events"] == events[2:]
    assert replay(client, viewer, after=rest["next"]) == {"events": [], "next": rest["next"]}
    only_stock = replay(client, viewer, type="stock.adjusted")["events"]
    assert only_stock == events[2:]
    assert replay(client, viewer, item_id=second["id"])["events"] == events[1:2]


@pytest.mark.parametrize(
    "params",
    [{"after": -1}, {"after": "x"}, {"limit": 0}, {"limit": 1001}, {"item_id": "nope"}],
)
def test_bad_cursors_are_422(client: TestClient, admin: Headers, params: dict[str, object]) -> None:
    response = client.get("/api/v1/events", params=params, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


def test_replay_wants_a_caller(client: TestClient) -> None:
    assert client.get("/api/v1/events").status_code == 401


def test_internal_events_are_never_replayed(
    client: TestClient, admin: Headers, auth: Callable[[str], Headers]
) -> None:
    auth("clerk")
    users = client.get("/api/v1/users", headers=admin).json()["items"]
    clerk = next(u for u in users if u["role"] == "clerk")
    client.patch(f"/api/v1/users/{clerk['id']}", json={"role": "viewer"}, headers=admin)
    new_item(client, admin, sku="AFTER")
    events = positioned(client, admin, 1)
    assert [e["type"] for e in events] == ["item.created"]


def test_a_socket_with_after_replays_then_continues_live_without_gap_or_duplicate(
    client: TestClient, admin: Headers
) -> None:
    for n in range(5):
        new_item(client, admin, sku=f"BEFORE-{n}")
    before = positioned(client, admin, 5)
    cursor = before[1]["position"]  # the client had seen two of them
    token = admin["Authorization"].removeprefix("Bearer ")
    writing = 40
    writer = threading.Thread(
        target=lambda: [new_item(client, admin, sku=f"DURING-{n}") for n in range(writing)]
    )
    with client.websocket_connect(f"/api/v1/events?token={token}&after={cursor}") as socket:
        writer.start()  # events are written while the replay is being sent
        received = [socket.receive_json() for _ in range(3 + writing)]
        writer.join()
    positions = [m["position"] for m in received]
    assert positions == sorted(set(positions))
    skus = [m["sku"] for m in received]
    assert skus == [f"BEFORE-{n}" for n in range(2, 5)] + [f"DURING-{n}" for n in range(writing)]
    assert positions[0] == cursor + 1
    assert positions == list(range(cursor + 1, cursor + 1 + len(positions)))


@pytest.mark.parametrize("after", ["-1", "x", "1" * 20])
def test_a_bad_after_closes_the_socket_with_1008(
    client: TestClient, admin: Headers, after: str
) -> None:
    token = admin["Authorization"].removeprefix("Bearer ")
    with (
        client.websocket_connect(f"/api/v1/events?token={token}&after={after}") as socket,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        socket.receive_json()
    assert closed.value.code == 1008
