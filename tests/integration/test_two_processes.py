"""Two real ``inventory serve`` processes on different ports against one fresh PostgreSQL
database behave as one service (issue 7): shared tokens, exact stock under concurrent writes
through both, live events across processes, idempotency and login throttling across
processes, metrics that add up, and a clean exit on SIGTERM.

The servers start once for the module (start-up is the slow part); each test makes its own
items and users. The SIGTERM test stops them, so it comes last.
"""

import asyncio
import math
import signal
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.frames import Close

from tests.databases import new_postgres_database
from tests.integration.servers import (
    ADMIN_PASSWORD,
    Server,
    login,
    metric,
    run_cli,
    running_servers,
    server_environment,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

#: Every wait below is for something that must happen; this only bounds a failure.
EVENT_SECONDS = 30.0
SOLD = 'reason="sold"'
FREE_ATTEMPTS = 5  # the default INVENTORY_LOGIN_FREE_ATTEMPTS
FREE_PER_ADDRESS = 10
RECEIVED = 'reason="received"'


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A fresh database brought to the newest schema by ``inventory db upgrade``."""
    with new_postgres_database("inventory_cluster") as url:
        directory = tmp_path_factory.mktemp("cluster")
        environment = server_environment(
            url,
            directory / "var",
            # The tests are the proxy: each burst below names its clients in X-Forwarded-For.
            INVENTORY_TRUSTED_PROXIES="127.0.0.1",
            INVENTORY_LOGIN_FREE_ATTEMPTS_PER_ADDRESS=str(FREE_PER_ADDRESS),
        )
        run_cli("db", "upgrade", environment=environment, cwd=directory)
        yield environment


@pytest.fixture(scope="module")
def cluster(
    environment: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[list[Server]]:
    """Servers A and B, started together (they race to create the first admin)."""
    with running_servers(environment, tmp_path_factory.mktemp("logs"), 2) as servers:
        yield servers


@asynccontextmanager
async def clients(*servers: Server, keep_alive: bool = True) -> AsyncIterator[list[Any]]:
    limits = httpx2.Limits(max_connections=100, max_keepalive_connections=100 if keep_alive else 0)
    opened = [
        httpx2.AsyncClient(base_url=server.url, timeout=60, limits=limits) for server in servers
    ]
    try:
        yield opened
    finally:
        for client in opened:
            await client.aclose()


@asynccontextmanager
async def event_stream(server: Server, headers: dict[str, str]) -> AsyncIterator[ClientConnection]:
    token = headers["Authorization"].removeprefix("Bearer ")
    async with connect(
        f"{server.ws_url}/api/v1/events?token={token}", open_timeout=30, close_timeout=5
    ) as socket:
        yield socket


async def events_until(
    socket: ClientConnection, item_id: str, last_type: str
) -> list[dict[str, Any]]:
    """The events about ``item_id`` up to and including the first of type ``last_type``."""
    seen: list[dict[str, Any]] = []
    async with asyncio.timeout(EVENT_SECONDS):
        while True:
            event = orjson.loads(await socket.recv())
            if event.get("item_id") == item_id:
                seen.append(event)
                if event["type"] == last_type:
                    return seen


def assert_clean_exit(server: Server, status: int) -> None:
    """uvicorn finishes its graceful shutdown, then re-raises SIGTERM so that supervisors see
    the signal: the status is -SIGTERM (or 0), never a crash, and the lifespan's clean-up ran."""
    output = server.output()
    assert status in (0, -signal.SIGTERM), output
    assert "Application shutdown complete" in output, output
    assert "Traceback" not in output, output


async def close_frame(socket: ClientConnection) -> Close | None:
    """Read until the connection ends; the close frame the server sent, if it sent one."""
    async with asyncio.timeout(EVENT_SECONDS):
        try:
            while True:
                await socket.recv()
        except ConnectionClosed as closed:
            return closed.rcvd


async def new_item(client: httpx2.AsyncClient, headers: dict[str, str], quantity: int) -> str:
    body = {"sku": f"SKU-{uuid.uuid4().hex[:10]}", "name": "Bolt", "unit_price": "0.10"}
    response = await client.post(
        "/api/v1/items", json={**body, "quantity": quantity}, headers=headers
    )
    assert response.status_code == 201, response.text
    item_id: str = response.json()["id"]
    return item_id


async def ledger(client: httpx2.AsyncClient, headers: dict[str, str], item_id: str) -> list[Any]:
    response = await client.get(
        f"/api/v1/items/{item_id}/movements", params={"limit": 100}, headers=headers
    )
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(page["items"])
    movements: list[Any] = page["items"]
    return movements


async def movement_counts(*clients: httpx2.AsyncClient) -> tuple[float, float]:
    """(sold, received) movements counted by the metrics of all the given processes."""
    texts = [(await client.get("/metrics")).text for client in clients]
    return (
        sum(metric(text, "inventory_stock_movements_total", SOLD) for text in texts),
        sum(metric(text, "inventory_stock_movements_total", RECEIVED) for text in texts),
    )


async def adjust(
    client: httpx2.AsyncClient, headers: dict[str, str], item_id: str, **extra: Any
) -> httpx2.Response:
    return await client.post(
        f"/api/v1/items/{item_id}/movements",
        json={"delta": -1, "reason": "sold"},
        headers={**headers, **extra},
    )


async def test_a_token_issued_by_one_process_works_on_the_other(cluster: list[Server]) -> None:
    async with clients(*cluster) as (a, b):
        headers = await login(a, "admin", ADMIN_PASSWORD)
        me = await b.get("/api/v1/users/me", headers=headers)
        assert me.status_code == 200, me.text
        assert me.json()["username"] == "admin"
        users = await b.get("/api/v1/users", headers=headers)
        assert users.json()["total"] == 1, "both processes bootstrapped an admin"


async def test_concurrent_writes_through_both_stay_exact_and_reach_every_socket(
    cluster: list[Server],
) -> None:
    async with clients(*cluster) as (a, b):
        headers = await login(a, "admin", ADMIN_PASSWORD)
        counted_before = await movement_counts(a, b)
        async with (
            event_stream(cluster[0], headers) as socket_on_a,
            event_stream(cluster[1], headers) as socket_on_b,
        ):
            item_id = await new_item(a, headers, quantity=50)
            # Both hear of A's creation: the listeners are live before the burst starts.
            for socket in (socket_on_a, socket_on_b):
                await events_until(socket, item_id, "item.created")
            responses = await asyncio.gather(
                *(adjust(a if n % 2 else b, headers, item_id) for n in range(100))
            )
            renamed = await a.patch(
                f"/api/v1/items/{item_id}", json={"name": "Nut"}, headers=headers
            )
            assert renamed.status_code == 200, renamed.text
            seen_on_a = await events_until(socket_on_a, item_id, "item.updated")
            seen_on_b = await events_until(socket_on_b, item_id, "item.updated")

        assert Counter(r.status_code for r in responses) == {201: 50, 409: 50}
        refusals = {r.json()["code"] for r in responses if r.status_code == 409}
        assert refusals == {"insufficient_stock"}
        for client in (a, b):
            item = (await client.get(f"/api/v1/items/{item_id}", headers=headers)).json()
            assert item["quantity"] == 0
        movements = await ledger(b, headers, item_id)
        assert Counter(m["reason"] for m in movements) == {"sold": 50, "received": 1}
        assert sum(m["delta"] for m in movements) == 0

        # Every committed change reached both sockets exactly once, the changes made through
        # the other process included, and both sockets saw the same sequence. (Not necessarily
        # in version order: each process notifies after its own commit, so two processes'
        # notifications may cross; clients detect that by the version, see docs/deployment.md.)
        assert seen_on_a == seen_on_b
        adjusted = [e for e in seen_on_b if e["type"] == "stock.adjusted"]
        versions = [e["version"] for e in adjusted]
        acknowledged = [r.json()["item"]["version"] for r in responses if r.status_code == 201]
        assert sorted(versions) == sorted(acknowledged) == list(range(2, 52))
        assert sorted(e["quantity"] for e in adjusted) == list(range(50))

        # Each process counts the movements it committed: the sum is the ledger.
        expected = (counted_before[0] + 50, counted_before[1] + 1)
        counted = await movement_counts(a, b)
        for _ in range(int(EVENT_SECONDS / 0.05)):  # after-commit handlers run as tasks
            if counted == expected:
                break
            await asyncio.sleep(0.05)
            counted = await movement_counts(a, b)
        assert counted == expected


async def test_an_idempotency_key_replayed_on_the_other_process(cluster: list[Server]) -> None:
    async with clients(*cluster) as (a, b):
        headers = await login(b, "admin", ADMIN_PASSWORD)
        item_id = await new_item(b, headers, quantity=10)
        key = {"Idempotency-Key": f"sale-{uuid.uuid4().hex}"}
        first = await adjust(a, headers, item_id, **key)
        again = await adjust(b, headers, item_id, **key)
        assert (first.status_code, again.status_code) == (201, 201), again.text
        assert again.headers.get("Idempotent-Replayed") == "true"
        assert again.content == first.content
        assert again.headers["ETag"] == first.headers["ETag"]
        assert len(await ledger(a, headers, item_id)) == 2
        item = (await b.get(f"/api/v1/items/{item_id}", headers=headers)).json()
        assert item["quantity"] == 9


async def test_failed_logins_through_both_processes_throttle_together(
    cluster: list[Server],
) -> None:
    async with clients(*cluster) as (a, b):
        admin = await login(a, "admin", ADMIN_PASSWORD)
        name, password = f"clerk{uuid.uuid4().hex[:8]}", "clerk-password-1"
        created = await a.post(
            "/api/v1/users",
            json={"username": name, "password": password, "role": "clerk"},
            headers=admin,
        )
        assert created.status_code == 201, created.text
        wrong = {"username": name, "password": "not-the-password"}
        statuses = [
            (await client.post("/api/v1/auth/token", data=wrong)).status_code
            for client in (a, b, a, b, a)
        ]
        assert statuses == [401] * 5
        # Five failures spread over two processes: the next attempt anywhere waits.
        for client in (b, a):
            refused = await client.post(
                "/api/v1/auth/token", data={"username": name, "password": password}
            )
            assert refused.status_code == 429, refused.text
            assert int(refused.headers["Retry-After"]) >= 1


@dataclass
class Burst:
    """Guesses sent at once, and the right password sent as soon as one guess was refused."""

    guesses: Counter[int]  # statuses
    right_password: int  # its status
    started: float = field(default_factory=time.monotonic)
    answered_at: float = 0.0  # the right password's answer, in seconds from the start
    ended_at: float = 0.0

    def checks_allowed(self, free: int) -> int:
        """The most attempts the policy lets through while the burst lasted: the free ones,
        then one more each time the back-off delay (1 s, 2 s, 4 s ...) ran out."""
        return free + int(math.log2(self.ended_at + 1))

    def assert_refused(self, status: int, at: float) -> None:
        """Throttled means 429 until the first back-off delay (1 s after the last counted
        attempt, which came after the start) can have run out; after it, one try is fair."""
        assert status == 429 or (at >= 1 and status in (200, 401)), (status, at)

    def since_start(self) -> float:
        return time.monotonic() - self.started


async def burst(
    guesses: list[Coroutine[Any, Any, httpx2.Response]],
    right_password: Callable[[], Coroutine[Any, Any, httpx2.Response]],
) -> Burst:
    result = Burst(guesses=Counter(), right_password=0)
    pending = {asyncio.ensure_future(guess) for guess in guesses}
    while pending:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for response in (task.result() for task in done):
            assert response.status_code in (401, 429), response.text
            if response.status_code == 429:
                assert int(response.headers["Retry-After"]) >= 1
            result.guesses[response.status_code] += 1
        if not result.right_password and result.guesses[429]:
            result.right_password = (await right_password()).status_code
            result.answered_at = result.since_start()
    result.ended_at = result.since_start()
    assert result.right_password, "no guess was refused"
    return result


async def new_user(client: httpx2.AsyncClient, admin: dict[str, str], password: str) -> str:
    name = f"clerk{uuid.uuid4().hex[:8]}"
    body = {"username": name, "password": password, "role": "clerk"}
    created = await client.post("/api/v1/users", json=body, headers=admin)
    assert created.status_code == 201, created.text
    return name


def token_request(
    client: httpx2.AsyncClient, username: str, password: str, address: str
) -> Coroutine[Any, Any, httpx2.Response]:
    """A login from ``address``, as our trusted proxy (the test, on 127.0.0.1) reports it;
    the first X-Forwarded-For entry is the client's own claim and is not believed."""
    headers = {"X-Forwarded-For": f"198.18.0.1, {address}"}
    form = {"username": username, "password": password}
    return client.post("/api/v1/auth/token", data=form, headers=headers)


async def test_a_burst_of_guesses_through_both_processes_gets_the_free_checks(
    cluster: list[Server],
) -> None:
    """Issue 12: 60 concurrent wrong passwords for one user, half through each process, each
    from an address of its own: the password is checked only for the free attempts, and the
    right password, sent while the burst is being refused, gets 429 too."""
    async with clients(*cluster) as (a, b):
        password = "clerk-password-1"
        name = await new_user(a, await login(a, "admin", ADMIN_PASSWORD), password)
        net = uuid.uuid4().int % 250
        guesses = [
            token_request(a if n % 2 else b, name, f"guess {n}", f"10.{net}.0.{n}")
            for n in range(60)
        ]
        result = await burst(guesses, lambda: token_request(a, name, password, f"10.{net}.1.1"))
        assert FREE_ATTEMPTS <= result.guesses[401] <= result.checks_allowed(FREE_ATTEMPTS)
        assert result.guesses[429] == 60 - result.guesses[401]
        result.assert_refused(result.right_password, result.answered_at)
        for client in (a, b):  # after the burst, on either process
            after = await token_request(client, name, password, f"10.{net}.1.2")
            result.assert_refused(after.status_code, result.since_start())


async def test_guessing_across_usernames_from_one_address_through_both_processes(
    cluster: list[Server],
) -> None:
    """One wrong password for each of 40 usernames from one client, through both processes:
    only the address's allowance is checked, and a right password from there waits too."""
    async with clients(*cluster) as (a, b):
        password = "clerk-password-1"
        name = await new_user(a, await login(a, "admin", ADMIN_PASSWORD), password)
        sprayer = f"192.0.2.{uuid.uuid4().int % 250}"
        guesses = [
            token_request(a if n % 2 else b, f"u{n}-{sprayer}", "Summer2026!", sprayer)
            for n in range(40)
        ]
        result = await burst(guesses, lambda: token_request(b, name, password, sprayer))
        assert FREE_PER_ADDRESS <= result.guesses[401] <= result.checks_allowed(FREE_PER_ADDRESS)
        result.assert_refused(result.right_password, result.answered_at)
        elsewhere = await token_request(a, name, password, "198.51.100.77")
        assert elsewhere.status_code == 200, elsewhere.text


async def test_sigterm_closes_sockets_and_both_processes_exit_cleanly(
    cluster: list[Server],
) -> None:
    async with clients(*cluster) as (a, _b):
        headers = await login(a, "admin", ADMIN_PASSWORD)
        async with (
            event_stream(cluster[0], headers) as on_a,
            event_stream(cluster[1], headers) as on_b,
        ):
            item_id = await new_item(a, headers, 1)
            for socket in (on_a, on_b):  # both sockets are subscribed before the signal
                await events_until(socket, item_id, "item.created")
            statuses = await asyncio.gather(
                *(asyncio.to_thread(server.stop, signal.SIGTERM) for server in cluster)
            )
            for socket in (on_a, on_b):
                close = await close_frame(socket)
                assert close is not None, "no close frame from the server"
                assert close.code in (1001, 1012)
    for server, status in zip(cluster, statuses, strict=True):
        assert_clean_exit(server, status)


async def test_workers_of_one_server_share_tokens_stock_and_events(
    environment: dict[str, str], tmp_path: Path
) -> None:
    with running_servers(environment, tmp_path, 1, "--workers", "2") as (server,):
        # A new connection per request, so the kernel spreads them over both workers.
        async with clients(server, keep_alive=False) as (client,):
            headers = await login(client, "admin", ADMIN_PASSWORD)
            async with event_stream(server, headers) as socket:
                item_id = await new_item(client, headers, quantity=20)
                await events_until(socket, item_id, "item.created")
                responses = await asyncio.gather(
                    *(adjust(client, headers, item_id) for _ in range(40))
                )
                renamed = await client.patch(
                    f"/api/v1/items/{item_id}", json={"name": "Nut"}, headers=headers
                )
                assert renamed.status_code == 200, renamed.text
                events = await events_until(socket, item_id, "item.updated")
            assert Counter(r.status_code for r in responses) == {201: 20, 409: 20}
            quantities = [e["quantity"] for e in events if e["type"] == "stock.adjusted"]
            assert sorted(quantities) == list(range(20))
            movements = await ledger(client, headers, item_id)
            assert sum(m["delta"] for m in movements) == 0
        assert_clean_exit(server, server.stop(signal.SIGTERM))
