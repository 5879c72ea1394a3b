"""Live events cross processes through PostgreSQL: each listener of each process gets each event
once, the after-commit handlers run once (where the change was committed), and a listener
survives losing its connection."""

import asyncio
import json
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from adapters.memory import InProcessEventBus
from adapters.postgres.notify_events import PostgresEventListener, PostgresNotifyPublisher
from domain.events import DomainEvent, StockAdjusted
from domain.locations import MAIN_LOCATION_ID
from tests.postgres_server import postgres_url_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]
BOUND = 15.0  # seconds: a bound against hangs, never a performance assertion
ROOT = Path(__file__).resolve().parents[2]


def adjusted(sku: str) -> StockAdjusted:
    return StockAdjusted(
        occurred_at=datetime.now(UTC),
        actor_id=uuid.uuid4(),
        item_id=uuid.uuid4(),
        sku=sku,
        version=2,
        delta=-1,
        reason="sale",
        quantity=4,
        location_id=MAIN_LOCATION_ID,
        location_quantity=4,
    )


@dataclass
class LocalProcess:
    """A publisher/listener pair with its own connections, like one service process."""

    bus: InProcessEventBus
    listener: PostgresEventListener
    publisher: PostgresNotifyPublisher
    handled: list[DomainEvent] = field(default_factory=list)


@pytest.fixture
async def postgres_url() -> str:
    return await postgres_url_or_skip()


@pytest.fixture
def channel() -> str:
    return f"test_events_{uuid.uuid4().hex}"


@pytest.fixture
async def local(postgres_url: str, channel: str) -> AsyncIterator[LocalProcess]:
    handled: list[DomainEvent] = []

    async def record(event: DomainEvent) -> None:
        handled.append(event)

    bus = InProcessEventBus(handlers=[record])
    listener = PostgresEventListener(
        postgres_url, channel, bus, probe_interval_seconds=0.5, min_backoff_seconds=0.05
    )
    publisher = PostgresNotifyPublisher(postgres_url, channel, bus, origin=listener.origin)
    await listener.start()
    await listener.wait_listening(BOUND)
    yield LocalProcess(bus, listener, publisher, handled)
    await listener.stop()
    await publisher.aclose()


class Peer:
    """The other service process: tests/integration/fanout_peer.py in a real subprocess."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.messages: list[dict[str, Any]] = []

    async def publish(self, sku: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps({"publish": sku}).encode() + b"\n")
        await self.process.stdin.drain()

    async def wait_for(self, predicate: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        assert self.process.stdout is not None
        async with asyncio.timeout(BOUND):
            while True:
                line = await self.process.stdout.readline()
                assert line, "the peer process exited"
                message = json.loads(line)
                self.messages.append(message)
                if predicate(message):
                    return message

    def seen(self, kind: str, sku: str) -> int:
        return sum(1 for m in self.messages if kind in m and m[kind]["sku"] == sku)


@pytest.fixture
async def peer(postgres_url: str, channel: str) -> AsyncIterator[Peer]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.integration.fanout_peer",
        postgres_url,
        channel,
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    peer = Peer(process)
    await peer.wait_for(lambda message: "ready" in message)
    yield peer
    assert process.stdin is not None
    process.stdin.close()
    async with asyncio.timeout(BOUND):
        await process.wait()
    assert process.returncode == 0


async def next_sku(queue: "asyncio.Queue[DomainEvent]") -> str:
    async with asyncio.timeout(BOUND):
        event = await queue.get()
    assert isinstance(event, StockAdjusted)
    return event.sku


async def test_an_event_reaches_the_listeners_of_both_processes_exactly_once(
    local: LocalProcess, peer: Peer
) -> None:
    def peer_received(sku: str) -> Callable[[dict[str, Any]], bool]:
        return lambda m: "received" in m and m["received"]["sku"] == sku

    async with local.bus.listen() as queue:
        sent = adjusted("FROM-LOCAL")
        await local.publisher.publish([sent])
        await peer.publish("FROM-PEER")
        first_two = {await next_sku(queue), await next_sku(queue)}
        for sku in ("FROM-LOCAL", "FROM-PEER"):
            if not peer.seen("received", sku):
                await peer.wait_for(peer_received(sku))
        # Each connection gets notifications in commit order: a duplicate of the first two
        # would arrive before this last one.
        await local.publisher.publish([adjusted("END")])
        assert await next_sku(queue) == "END"
        await peer.wait_for(peer_received("END"))

    assert first_two == {"FROM-LOCAL", "FROM-PEER"}
    assert queue.empty()
    for sku in ("FROM-LOCAL", "FROM-PEER", "END"):
        assert peer.seen("received", sku) == 1
    received_by_peer = next(
        m["received"] for m in peer.messages if m.get("received", {}).get("sku") == "FROM-LOCAL"
    )
    assert received_by_peer == sent.payload()


async def test_after_commit_handlers_run_once_in_the_committing_process(
    local: LocalProcess, peer: Peer
) -> None:
    async with local.bus.listen() as queue:
        await peer.publish("PEER-CHANGE")
        assert await next_sku(queue) == "PEER-CHANGE"
        await local.publisher.publish([adjusted("LOCAL-CHANGE")])
        assert await next_sku(queue) == "LOCAL-CHANGE"
    await peer.wait_for(lambda m: "received" in m and m["received"]["sku"] == "LOCAL-CHANGE")
    await local.bus.drain()

    assert [e.sku for e in local.handled if isinstance(e, StockAdjusted)] == ["LOCAL-CHANGE"]
    assert peer.seen("handled", "PEER-CHANGE") == 1
    assert peer.seen("handled", "LOCAL-CHANGE") == 0


async def test_the_listener_reconnects_after_losing_its_connection(
    local: LocalProcess, postgres_url: str
) -> None:
    admin = await asyncpg.connect(postgres_url)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = $1",
            f"inventory-listen {local.listener.origin}"[:63],
        )
    finally:
        await admin.close()
    assert killed == 1

    async with local.bus.listen() as queue:
        async with asyncio.timeout(BOUND):
            while queue.empty():  # events sent while it reconnects are lost: at-most-once
                await local.publisher.publish([adjusted("AFTER-RECONNECT")])
                await asyncio.sleep(0.05)
        assert await next_sku(queue) == "AFTER-RECONNECT"
    assert local.listener.listening


async def test_a_foreign_notification_on_the_channel_is_ignored(
    local: LocalProcess, postgres_url: str, channel: str
) -> None:
    admin = await asyncpg.connect(postgres_url)
    try:
        await admin.execute("SELECT pg_notify($1, 'not an event')", channel)
    finally:
        await admin.close()
    async with local.bus.listen() as queue:
        await local.publisher.publish([adjusted("STILL-WORKS")])
        assert await next_sku(queue) == "STILL-WORKS"
    assert queue.empty()


async def test_the_publisher_survives_a_dropped_connection(local: LocalProcess) -> None:
    async with local.bus.listen() as queue:
        await local.publisher.publish([adjusted("FIRST")])
        assert await next_sku(queue) == "FIRST"
        connection = local.publisher._connection
        assert connection is not None
        connection.terminate()

        await local.publisher.publish([adjusted("SECOND")])
        assert await next_sku(queue) == "SECOND"
