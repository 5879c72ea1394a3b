"""A live-event WebSocket lives no longer than its token (issue 12, item 2): it is closed with
1008 when the token expires, and as soon as a password, role or active-flag change revokes it,
while the sockets of other users stay open and never see the revocation."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from adapters.security import JwtTokenService
from application.errors import StoreBusy
from application.use_cases import LiveSession, OpenEventStream
from entrypoints.container import Container
from entrypoints.settings import Settings
from tests.conftest import TEST_SECRET, make_settings
from tests.e2e.rest.conftest import ADMIN_PASSWORD, PASSWORDS, Headers, new_item

pytestmark = pytest.mark.timeout(60)
#: Only the event stream can close a socket this fast: the periodic store check is an hour away.
RECHECK_SECONDS = 3600.0
SHORT_TOKEN_SECONDS = 2
Change = Callable[[TestClient, Headers, str], Any]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(
        tmp_path,
        admin_password=ADMIN_PASSWORD,
        websocket_recheck_seconds=RECHECK_SECONDS,
        websocket_heartbeat_seconds=RECHECK_SECONDS,
    )


def token_of(headers: Headers) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def user_id(client: TestClient, headers: Headers) -> str:
    me = client.get("/api/v1/users/me", headers=headers)
    assert me.status_code == 200, me.text
    return str(me.json()["id"])


def closed_with(socket: Any) -> int:
    """Reads until the server closes the socket; the close code."""
    while True:
        try:
            socket.receive_json()
        except WebSocketDisconnect as closed:
            return closed.code


def deactivate(client: TestClient, admin: Headers, clerk_id: str) -> Any:
    return client.patch(f"/api/v1/users/{clerk_id}", json={"active": False}, headers=admin)


def change_role(client: TestClient, admin: Headers, clerk_id: str) -> Any:
    return client.patch(f"/api/v1/users/{clerk_id}", json={"role": "viewer"}, headers=admin)


CHANGES: dict[str, Change] = {"deactivation": deactivate, "role change": change_role}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_an_admins_change_closes_the_users_socket_only(
    client: TestClient, auth: Callable[[str], Headers], change: Change
) -> None:
    admin, clerk = auth("admin"), auth("clerk")
    clerk_id = user_id(client, clerk)
    with (
        client.websocket_connect(f"/api/v1/events?token={token_of(clerk)}") as clerks,
        client.websocket_connect(f"/api/v1/events?token={token_of(admin)}") as admins,
    ):
        response = change(client, admin, clerk_id)
        assert response.status_code == 200, response.text

        assert closed_with(clerks) == 1008
        item = new_item(client, admin)
        # The admin's socket is open, and the revocation was not shown on it.
        assert admins.receive_json()["item_id"] == item["id"]


def test_a_password_change_closes_the_users_socket(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    with client.websocket_connect("/api/v1/events", headers=clerk) as socket:
        body = {"current_password": PASSWORDS["clerk"], "new_password": "another-password-2"}
        response = client.put("/api/v1/users/me/password", json=body, headers=clerk)
        assert response.status_code == 204, response.text

        assert closed_with(socket) == 1008


@pytest.fixture
def short_tokens(container: Container) -> Iterator[None]:
    tokens = JwtTokenService(TEST_SECRET, container.clock(), lifetime_seconds=SHORT_TOKEN_SECONDS)
    with container.token_service.override(providers.Object(tokens)):
        yield


@pytest.mark.usefixtures("short_tokens")
def test_the_socket_is_closed_when_its_token_expires(
    client: TestClient, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    started = time.monotonic()
    with client.websocket_connect("/api/v1/events", headers=clerk) as socket:
        assert closed_with(socket) == 1008
    # Not the periodic check, nor the verifier's leeway: the expiry itself (generous bound).
    assert time.monotonic() - started < SHORT_TOKEN_SECONDS + 5


def test_a_revocation_whose_event_was_lost_is_caught_by_the_periodic_check(
    client: TestClient, container: Container, auth: Callable[[str], Headers]
) -> None:
    clerk = auth("clerk")
    settings = container.settings().model_copy(update={"websocket_recheck_seconds": 0.1})
    with (
        container.settings.override(providers.Object(settings)),
        client.websocket_connect("/api/v1/events", headers=clerk) as socket,
    ):
        # Changed behind the service's back: no event announces it.
        users = container.memory_store().users.values()
        (stored,) = [user for user in users if user.username.key == "clerk"]
        stored.token_version += 1

        assert closed_with(socket) == 1008


class BusyAfterFirstCheck:
    """The real use case once (the socket opens), then a store too busy to answer."""

    def __init__(self, real: OpenEventStream) -> None:
        self.real = real
        self.calls = 0

    async def execute(self, token: str) -> LiveSession:
        self.calls += 1
        if self.calls > 1:
            raise StoreBusy()
        return await self.real.execute(token)


def test_a_busy_store_at_a_periodic_check_keeps_the_socket_open(
    client: TestClient, container: Container, admin: Headers
) -> None:
    busy = BusyAfterFirstCheck(container.open_event_stream())
    settings = container.settings().model_copy(update={"websocket_recheck_seconds": 0.01})
    with (
        container.settings.override(providers.Object(settings)),
        container.open_event_stream.override(providers.Object(busy)),
        client.websocket_connect("/api/v1/events", headers=admin) as socket,
    ):
        deadline = time.monotonic() + 30
        while busy.calls < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert busy.calls >= 3

        item = new_item(client, admin)
        assert socket.receive_json()["item_id"] == item["id"]
