"""The relay and the live tail on the in-memory outbox, with a fixed clock and fake sinks."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest

from adapters.clock import FixedClock
from adapters.memory import InMemoryStore, InMemoryUnitOfWork
from adapters.memory.event_log import InMemoryEventLog
from adapters.memory.events import InProcessEventBus
from adapters.relay import AsyncDoorbell, SoleLeadership
from application.live_tail import LiveTail
from application.outbox import EventQuery, StoredEvent
from application.relay import EventRelay, RelaySettings
from domain.items import Item, ItemDetails

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass
class RecordingSink:
    name: str = "recording"
    received: list[StoredEvent] = field(default_factory=list)
    failures_left: int = 0

    async def aclose(self) -> None:
        return None

    async def deliver(self, events: Sequence[StoredEvent]) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("the sink is down")
        self.received.extend(events)


@dataclass
class Follower:
    """A process that is not the leader."""

    async def acquire(self) -> bool:
        return False

    async def release(self) -> None:
        return None


@dataclass
class Listeners:
    got: list[StoredEvent] = field(default_factory=list)

    def deliver(self, events: Sequence[StoredEvent]) -> None:
        self.got.extend(events)

    def listening(self) -> bool:
        return True


async def add(store: InMemoryStore, sku: str, at: datetime = T0) -> None:
    details = ItemDetails.parse(sku=sku, name=sku, unit_price="1")
    async with InMemoryUnitOfWork(store) as uow:
        await uow.items.add(Item.create(details, quantity=1, at=at, by=None))
        await uow.commit()


def relay(
    store: InMemoryStore, clock: FixedClock, *sinks: RecordingSink, **settings: object
) -> EventRelay:
    return EventRelay(
        log=InMemoryEventLog(store),
        leadership=SoleLeadership(),
        doorbell=AsyncDoorbell(),
        clock=clock,
        sinks=sinks,
        settings=RelaySettings(batch=2, **settings),  # type: ignore[arg-type]
    )


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


async def test_a_round_positions_everything_and_feeds_each_sink_in_order(clock: FixedClock) -> None:
    store = InMemoryStore()
    for n in range(5):
        await add(store, f"S-{n}")
    one, two = RecordingSink("one"), RecordingSink("two")
    worker = relay(store, clock, one, two)
    assert await worker.round(0.0) == 5  # in batches of two
    for sink in (one, two):
        assert [e.position for e in sink.received] == [1, 2, 3, 4, 5]
        assert [e.data()["sku"] for e in sink.received] == [f"S-{n}" for n in range(5)]
    log = InMemoryEventLog(store)
    assert (await log.cursor("one"), await log.cursor("two")) == (5, 5)


async def test_a_failing_sink_gets_the_same_events_again_and_holds_back_no_other(
    clock: FixedClock,
) -> None:
    store = InMemoryStore()
    await add(store, "A")
    down, up = RecordingSink("down", failures_left=1), RecordingSink("up")
    worker = relay(store, clock, down, up, sink_retry_seconds=10.0)
    await worker.round(0.0)
    assert down.received == []
    assert [e.position for e in up.received] == [1]
    await add(store, "B")
    await worker.round(5.0)  # still backing off
    assert down.received == []
    await worker.round(10.0)
    assert [e.position for e in down.received] == [1, 2]
    assert [e.position for e in up.received] == [1, 2]


async def test_a_relay_that_does_not_lead_does_nothing(clock: FixedClock) -> None:
    store = InMemoryStore()
    await add(store, "A")
    sink = RecordingSink()
    worker = relay(store, clock, sink, interval_seconds=0.01, leader_retry_seconds=0.01)
    worker.leadership = Follower()
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert sink.received == []
    assert len(store.outbox) == 1


async def test_pruning_keeps_the_retention_and_what_a_sink_has_not_taken(
    clock: FixedClock,
) -> None:
    store = InMemoryStore()
    await add(store, "OLD-1")
    await add(store, "OLD-2")
    sink = RecordingSink(failures_left=1)
    worker = relay(store, clock, sink, sink_retry_seconds=0.0, prune_every_seconds=0.0)
    clock.advance(days=31)
    await add(store, "NEW", at=clock.now())
    await worker.round(0.0)  # the sink failed: nothing may go
    assert len(store.events) == 3
    await worker.round(1.0)
    assert [e.data()["sku"] for e in store.events] == ["NEW"]


async def test_the_live_tail_starts_at_the_newest_position_and_follows(clock: FixedClock) -> None:
    store = InMemoryStore()
    log = InMemoryEventLog(store)
    await add(store, "BEFORE")
    await log.sequence(10)
    listeners = Listeners()
    tail = LiveTail(log=log, listeners=listeners, doorbell=AsyncDoorbell(), batch=2)
    await tail.start()
    for sku in ("A", "B", "C"):
        await add(store, sku)
    assert await tail.catch_up() == 0  # nothing positioned yet
    await log.sequence(10)
    assert await tail.catch_up() == 3
    assert [e.data()["sku"] for e in listeners.got] == ["A", "B", "C"]
    assert await log.read(EventQuery(after=tail.position or 0)) == []


async def test_the_live_tail_reads_no_event_while_nobody_listens() -> None:
    """It moves to the newest position instead; a listener that joins then gets every event
    positioned after it joined, and none from before."""
    store = InMemoryStore()
    log = InMemoryEventLog(store)
    bus = InProcessEventBus()
    reads: list[EventQuery] = []

    class CountingLog(InMemoryEventLog):
        async def read(self, query: EventQuery) -> list[StoredEvent]:
            reads.append(query)
            return await super().read(query)

    tail = LiveTail(log=CountingLog(store), listeners=bus, doorbell=AsyncDoorbell())
    await tail.start()
    await add(store, "UNHEARD")
    await log.sequence(10)
    assert (await tail.catch_up(), reads) == (0, [])
    assert tail.position == await log.last_position()
    async with bus.listen() as queue:
        await add(store, "HEARD")
        await log.sequence(10)
        assert await tail.catch_up() == 1
        assert queue.get_nowait().data()["sku"] == "HEARD"
        assert queue.empty()
