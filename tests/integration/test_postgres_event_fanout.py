"""Outbox notices cross processes through PostgreSQL: a commit (or the relay positioning events)
in one process rings the doorbells of every process at once, the after-commit handlers run once
(where the change was committed), and a listener survives losing its connection. The events
themselves travel through the outbox (test_live_events_between_containers.py)."""

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import pytest

from adapters.postgres.notify_events import PostgresEventListener, PostgresNotifyPublisher
from domain.events import DomainEvent, StockAdjusted
from domain.locations import MAIN_LOCATION_ID
from tests.postgres_server import postgres_url_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]
BOUND = 15.0  # seconds: a bound against hangs, never a performance assertion


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
class FakeLocalBus:
    """What the fan-out uses of a process's bus: handlers run here, rings are counted."""

    handled: list[DomainEvent] = field(default_factory=list)
    rings: int = 0
    rung: asyncio.Event = field(default_factory=asyncio.Event)

    def handle(self, events: Sequence[DomainEvent]) -> None:
        self.handled.extend(events)

    def ring(self) -> None:
        self.rings += 1
        self.rung.set()

    async def wait_rung(self) -> None:
        async with asyncio.timeout(BOUND):
            await self.rung.wait()
        self.rung.clear()


@dataclass
class LocalProcess:
    bus: FakeLocalBus
    listener: PostgresEventListener
    publisher: PostgresNotifyPublisher


@pytest.fixture
def channel() -> str:
    return f"test_events_{uuid.uuid4().hex}"


async def process(url: str, channel: str) -> LocalProcess:
    bus = FakeLocalBus()
    listener = PostgresEventListener(
        url, channel, bus, probe_interval_seconds=0.5, min_backoff_seconds=0.05
    )
    publisher = PostgresNotifyPublisher(url, channel, bus, origin=listener.origin)
    await listener.start()
    await listener.wait_listening(BOUND)
    await bus.wait_rung()  # a listener that starts listening looks once
    return LocalProcess(bus, listener, publisher)


@pytest.fixture
async def pair(channel: str) -> AsyncIterator[tuple[LocalProcess, LocalProcess]]:
    url = await postgres_url_or_skip()
    one, two = await process(url, channel), await process(url, channel)
    yield one, two
    for each in (one, two):
        await each.listener.stop()
        await each.publisher.aclose()


async def test_a_commit_rings_every_process_and_handlers_run_where_it_committed(
    pair: tuple[LocalProcess, LocalProcess],
) -> None:
    here, there = pair
    event = adjusted("A")
    await here.publisher.publish([event])
    await there.bus.wait_rung()
    await here.bus.wait_rung()
    assert here.bus.handled == [event]
    assert there.bus.handled == []


async def test_the_relay_announcing_positions_rings_every_process(
    pair: tuple[LocalProcess, LocalProcess],
) -> None:
    here, there = pair
    await here.publisher.announce()
    await there.bus.wait_rung()
    assert here.bus.handled == there.bus.handled == []


async def test_the_listener_reconnects_after_losing_its_connection_and_looks_again(
    pair: tuple[LocalProcess, LocalProcess],
) -> None:
    here, there = pair
    url = await postgres_url_or_skip()
    admin = await asyncpg.connect(url)
    try:
        killed = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = $1",
            f"inventory-listen {there.listener.origin}"[:63],
        )
    finally:
        await admin.close()
    assert killed == 1
    await there.bus.wait_rung()  # listening again: it looks for what it may have missed
    assert there.listener.listening
    await here.publisher.announce()
    await there.bus.wait_rung()


async def test_the_publisher_survives_a_dropped_connection(
    pair: tuple[LocalProcess, LocalProcess],
) -> None:
    here, there = pair
    await here.publisher.announce()
    await there.bus.wait_rung()
    connection = here.publisher._connection
    assert connection is not None
    connection.terminate()
    await here.publisher.announce()
    await there.bus.wait_rung()
