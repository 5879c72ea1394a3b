"""A live-event WebSocket on PostgreSQL lives no longer than its token (issue 12, item 2), on the
process that made the change and on the other one: the revocation travels through the
LISTEN/NOTIFY fan-out like every event. The periodic store check is set an hour apart here, so
only the fan-out can close the sockets in time.
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import httpx2
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from adapters.clock import SystemClock
from adapters.security import JwtTokenService
from domain.users import Role, User, Username
from tests.conftest import TEST_SECRET
from tests.databases import new_postgres_database
from tests.integration.servers import (
    ADMIN_PASSWORD,
    Server,
    login,
    run_cli,
    running_servers,
    server_environment,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(300)]

#: A bound on waiting for what must happen, never a performance assertion.
BOUND_SECONDS = 30.0
SHORT_TOKEN_SECONDS = 3
PASSWORD = "clerk-password-1"
Change = Callable[[httpx2.AsyncClient, dict[str, str], dict[str, str], str], Awaitable[Any]]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Server]]:
    """Servers A and B on one fresh database, checking tokens against the store only hourly."""
    with new_postgres_database("inventory_revocation") as url:
        directory = tmp_path_factory.mktemp("revocation")
        environment = server_environment(
            url, directory / "var", INVENTORY_WEBSOCKET_RECHECK_SECONDS="3600"
        )
        run_cli("db", "upgrade", environment=environment, cwd=directory)
        with running_servers(environment, directory / "logs", 2) as servers:
            yield servers


@asynccontextmanager
async def stream(server: Server, token: str) -> AsyncIterator[ClientConnection]:
    async with connect(
        f"{server.ws_url}/api/v1/events?token={token}", open_timeout=30, close_timeout=5
    ) as socket:
        yield socket


async def close_code(socket: ClientConnection) -> int | None:
    """Read until the server closes the socket; the code of its close frame."""
    async with asyncio.timeout(BOUND_SECONDS):
        try:
            while True:
                await socket.recv()
        except ConnectionClosed as closed:
            return None if closed.rcvd is None else closed.rcvd.code


async def new_clerk(client: httpx2.AsyncClient, admin: dict[str, str]) -> tuple[str, str]:
    """A fresh clerk: (username, id)."""
    name = f"clerk{uuid.uuid4().hex[:8]}"
    body = {"username": name, "password": PASSWORD, "role": "clerk"}
    created = await client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    return name, str(created.json()["id"])


async def deactivate(
    client: httpx2.AsyncClient, admin: dict[str, str], _clerk: dict[str, str], clerk_id: str
) -> httpx2.Response:
    return await client.patch(f"/api/v1/users/{clerk_id}", json={"active": False}, headers=admin)


async def change_role(
    client: httpx2.AsyncClient, admin: dict[str, str], _clerk: dict[str, str], clerk_id: str
) -> httpx2.Response:
    return await client.patch(f"/api/v1/users/{clerk_id}", json={"role": "viewer"}, headers=admin)


async def change_password(
    client: httpx2.AsyncClient, _admin: dict[str, str], clerk: dict[str, str], _clerk_id: str
) -> httpx2.Response:
    body = {"current_password": PASSWORD, "new_password": "another-password-2"}
    return await client.put("/api/v1/users/me/password", json=body, headers=clerk)


CHANGES: dict[str, Change] = {
    "deactivation": deactivate,
    "role change": change_role,
    "password change": change_password,
}


@pytest.mark.parametrize("where", ["same process", "other process"])
@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
async def test_a_revocation_closes_the_users_socket_in_every_process(
    cluster: list[Server], change: Change, where: str
) -> None:
    watched, changing = cluster[0], cluster[0 if where == "same process" else 1]
    async with (
        httpx2.AsyncClient(base_url=watched.url, timeout=60) as on_watched,
        httpx2.AsyncClient(base_url=changing.url, timeout=60) as on_changing,
    ):
        admin = await login(on_changing, "admin", ADMIN_PASSWORD)
        name, clerk_id = await new_clerk(on_changing, admin)
        clerk = await login(on_watched, name, PASSWORD)
        async with (
            stream(watched, clerk["Authorization"].removeprefix("Bearer ")) as clerks,
            stream(watched, admin["Authorization"].removeprefix("Bearer ")) as admins,
        ):
            response = await change(on_changing, admin, clerk, clerk_id)
            assert response.status_code in (200, 204), response.text

            assert await close_code(clerks) == 1008
            # The admin's socket is open and saw no revocation: the next event is the item.
            created = await on_changing.post(
                "/api/v1/items",
                json={"sku": f"S-{uuid.uuid4().hex[:8]}", "name": "Nut", "unit_price": "1"},
                headers=admin,
            )
            assert created.status_code == 201, created.text
            async with asyncio.timeout(BOUND_SECONDS):
                event = orjson.loads(await admins.recv())
            assert (event["type"], event["item_id"]) == ("item.created", created.json()["id"])


def short_token(user_id: str) -> str:
    """A token the service itself could have issued (same secret), valid for seconds only."""
    now = datetime.now(UTC)
    user = User(
        id=UUID(user_id),
        username=Username("short"),
        password_hash="unused",
        role=Role.CLERK,
        created_at=now,
        updated_at=now,
    )
    tokens = JwtTokenService(TEST_SECRET, SystemClock(), lifetime_seconds=SHORT_TOKEN_SECONDS)
    return tokens.issue(user).token


@pytest.mark.parametrize("server", [0, 1], ids=["on A", "on B"])
async def test_the_socket_is_closed_when_its_token_expires(
    cluster: list[Server], server: int
) -> None:
    async with httpx2.AsyncClient(base_url=cluster[0].url, timeout=60) as client:
        admin = await login(client, "admin", ADMIN_PASSWORD)
        _name, clerk_id = await new_clerk(client, admin)
    token = short_token(clerk_id)
    started = time.monotonic()
    async with stream(cluster[server], token) as socket:
        assert await close_code(socket) == 1008
    # The expiry, not the hourly check (a generous bound: the machine may be busy).
    assert time.monotonic() - started < SHORT_TOKEN_SECONDS + 15


async def test_a_revoked_api_token_and_an_ended_session_fail_on_the_other_process_at_once(
    cluster: list[Server],
) -> None:
    """No cache holds a credential: the first request after the change, on the other process,
    is refused (issue 17)."""
    a, b = cluster
    async with (
        httpx2.AsyncClient(base_url=a.url, timeout=60) as on_a,
        httpx2.AsyncClient(base_url=b.url, timeout=60) as on_b,
    ):
        admin = await login(on_a, "admin", ADMIN_PASSWORD)
        name, _clerk_id = await new_clerk(on_a, admin)
        logged_in = await on_a.post(
            "/api/v1/auth/token", data={"username": name, "password": PASSWORD}
        )
        tokens = logged_in.json()
        clerk = {"Authorization": f"Bearer {tokens['access_token']}"}
        body = {"name": "scanner", "scopes": ["items:read"]}
        created = await on_a.post("/api/v1/users/me/api-tokens", json=body, headers=clerk)
        assert created.status_code == 201, created.text
        api = {"Authorization": f"Bearer {created.json()['token']}"}
        assert (await on_b.get("/api/v1/items", headers=api)).status_code == 200

        url = f"/api/v1/users/me/api-tokens/{created.json()['id']}"
        assert (await on_a.delete(url, headers=clerk)).status_code == 204
        assert (await on_b.get("/api/v1/items", headers=api)).status_code == 401

        refresh = {"refresh_token": tokens["refresh_token"]}
        assert (await on_a.post("/api/v1/auth/logout", json=refresh)).status_code == 204
        assert (await on_b.post("/api/v1/auth/refresh", json=refresh)).status_code == 401
