"""Two real ``inventory serve`` processes on one PostgreSQL database and one real, slow webhook
receiver (issue 16): one process relays at a time; ``kill -9`` of the leader in the middle of a
stream of stock movements, and the other takes over within seconds; every event reaches the
endpoint at least once, and never an earlier position after a later one.

The receiver tells the processes apart by the TCP connection each request comes on: while the
request is open, the client's port leads to its socket's inode (``/proc/net/tcp``) and the inode
to the process that holds it (``/proc/<pid>/fd``).
"""

import asyncio
import os
import signal
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx2
import orjson
import pytest

from tests.databases import new_postgres_database
from tests.integration.servers import (
    ADMIN_PASSWORD,
    login,
    run_cli,
    running_servers,
    server_environment,
)
from tests.webhook_receiver import Receiver, webhook_receiver

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.timeout(240)]

MOVEMENTS = 200
#: The kill comes once this many movements were made and this many deliveries arrived: the
#: leader dies with a backlog to send, while more movements keep coming.
KILL_AFTER_MOVEMENTS = 80
KILL_AFTER_DELIVERIES = 40
#: The relay retries the lead every second; this is the bound of the issue's "within seconds".
TAKEOVER_SECONDS = 10.0
BOUND = 60.0  # seconds: a bound against hangs only


def _socket_inode(client_port: int, server_port: int) -> str | None:
    """The inode of the client's end of an open 127.0.0.1 connection."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == client_port and int(remote.split(":")[1], 16) == (
            server_port
        ):
            return inode
    return None


def _holder(inode: str, pids: Sequence[int]) -> int | None:
    wanted = f"socket:[{inode}]"
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        try:
            for fd in fds.iterdir():
                try:
                    if os.readlink(fd) == wanted:
                        return pid
                except OSError:
                    continue
        except OSError:  # the process is gone
            continue
    return None


def identify_sender(receiver: Receiver, pids: Sequence[int]) -> None:
    port = int(receiver.url.split(":")[2].split("/")[0])

    def sender(client_port: int) -> int | None:
        inode = _socket_inode(client_port, port)
        return None if inode is None else _holder(inode, pids)

    receiver.identify = sender


@pytest.fixture
def environment(tmp_path: Path) -> Iterator[dict[str, str]]:
    with new_postgres_database("inventory_takeover") as url:
        environment = server_environment(
            url,
            tmp_path / "var",
            INVENTORY_WEBHOOK_ALLOWED_HOSTS="127.0.0.1",
            INVENTORY_LOG_LEVEL="INFO",
        )
        run_cli("db", "upgrade", environment=environment, cwd=tmp_path)
        yield environment


async def produce(
    client: httpx2.AsyncClient, item_id: str, headers: dict[str, str], made: asyncio.Event
) -> None:
    """A steady stream of movements, one every few tens of milliseconds; ``made`` is set after
    ``KILL_AFTER_MOVEMENTS`` of them."""
    for count in range(1, MOVEMENTS + 1):
        response = await client.post(
            f"/api/v1/items/{item_id}/movements",
            json={"delta": 1, "reason": "received"},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        if count == KILL_AFTER_MOVEMENTS:
            made.set()
        await asyncio.sleep(0.02)


async def positions_after(
    client: httpx2.AsyncClient, after: int, headers: dict[str, str], count: int
) -> list[int]:
    """The positions of the first ``count`` events after ``after``, by replay, once the relay
    has positioned them all."""
    found: list[int] = []
    async with asyncio.timeout(BOUND):
        while len(found) < count:
            response = await client.get(
                "/api/v1/events",
                params={"after": found[-1] if found else after, "limit": 500},
                headers=headers,
            )
            assert response.status_code == 200, response.text
            found += [event["position"] for event in response.json()["events"]]
            await asyncio.sleep(0.05)
    return found


async def wait_until(receiver: Receiver, wanted: set[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not wanted <= {orjson.loads(r.body)["position"] for r in list(receiver.requests)}:
        if time.monotonic() > deadline:
            raise AssertionError("some events never reached the receiver")
        await asyncio.sleep(0.05)


async def test_kill_9_of_the_relaying_process_hands_webhooks_over_in_order(
    environment: dict[str, str], tmp_path: Path
) -> None:
    with (
        webhook_receiver() as receiver,
        running_servers(environment, tmp_path / "logs", 2) as servers,
    ):
        receiver.delay = 0.02  # a slow receiver: the kill lands between and during sends
        identify_sender(receiver, [server.process.pid for server in servers])
        by_pid = {server.process.pid: server for server in servers}
        async with (
            httpx2.AsyncClient(base_url=servers[0].url, timeout=30) as first,
            httpx2.AsyncClient(base_url=servers[1].url, timeout=30) as second,
        ):
            admin = await login(first, "admin", ADMIN_PASSWORD)
            created = await first.post(
                "/api/v1/webhooks", json={"url": receiver.url}, headers=admin
            )
            assert created.status_code == 201, created.text
            start = created.json()["webhook"]["position"]
            item = await first.post(
                "/api/v1/items",
                json={"sku": "TAKEOVER-1", "name": "relayed", "unit_price": "1.00"},
                headers=admin,
            )
            assert item.status_code == 201, item.text

            # The first delivery names the leader; the movements go through the other one.
            (opening,) = await asyncio.to_thread(receiver.wait_for, 1, BOUND)
            assert isinstance(opening.sender, int), "the first delivery's sender is unknown"
            leader = by_pid[opening.sender]
            survivor = next(server for server in servers if server is not leader)
            client = first if survivor is servers[0] else second
            made = asyncio.Event()
            producing = asyncio.create_task(produce(client, item.json()["id"], admin, made))
            async with asyncio.timeout(BOUND):
                await made.wait()
            await asyncio.to_thread(receiver.wait_for, KILL_AFTER_DELIVERIES, BOUND)
            os.killpg(leader.process.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            leader.process.wait()
            await producing

            # The item's creation and each movement.
            expected = await positions_after(client, start, admin, MOVEMENTS + 1)
            await wait_until(receiver, set(expected), BOUND)

    received = list(receiver.requests)
    positions = [orjson.loads(request.body)["position"] for request in received]
    senders = [request.sender for request in received]
    # Every event, at least once; never an earlier position after a later one.
    assert set(positions) == set(expected)
    assert positions == sorted(positions)
    # At-least-once at the takeover: at most the one event in flight when the leader died.
    assert len(positions) - len(set(positions)) <= 1
    # One process at a time: the leader until it died, then the survivor only.
    leader_pid, survivor_pid = leader.process.pid, survivor.process.pid
    handed = senders.index(survivor_pid)
    assert set(senders[:handed]) == {leader_pid}
    assert set(senders[handed:]) == {survivor_pid}
    assert received[handed].at >= killed_at
    assert received[handed].at - killed_at < TAKEOVER_SECONDS
    assert receiver.most_at_once == 1
