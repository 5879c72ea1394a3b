"""The in-memory adapters as adapters: transactions, isolation, misuse, the event bus."""

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from adapters.clock import FixedClock, SystemClock
from adapters.memory import (
    InMemoryQuerySession,
    InMemoryStore,
    InMemoryUnitOfWork,
    InProcessEventBus,
)
from application.outbox import StoredEvent
from application.ports import ItemQuery, LoginFailures
from domain.errors import AlreadyExists
from domain.events import DomainEvent, ItemCreated, StockAdjusted
from domain.items import Item, ItemDetails
from domain.locations import MAIN_LOCATION_ID
from domain.users import Role, User, Username
from tests.unit.use_cases.conftest import positioned

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def new_item(sku: str = "A", quantity: int = 0) -> Item:
    details = ItemDetails.parse(sku=sku, name="Thing", unit_price="1")
    return Item.create(details, quantity=quantity, at=T0, by=None)


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def bus() -> InProcessEventBus:
    return InProcessEventBus()


def uow(store: InMemoryStore, bus: InProcessEventBus | None = None) -> InMemoryUnitOfWork:
    return InMemoryUnitOfWork(store, bus)


def drain(queue: "asyncio.Queue[StoredEvent]") -> list[StoredEvent]:
    events = []
    while not queue.empty():
        events.append(queue.get_nowait())
    return events


async def test_commit_stores_and_writes_the_outbox(
    store: InMemoryStore, bus: InProcessEventBus
) -> None:
    item = new_item(quantity=3)
    async with uow(store, bus) as tx:
        await tx.items.add(item)
        assert store.outbox == []  # nothing before the commit
        await tx.commit()
    assert [entry.type for entry in store.outbox] == [ItemCreated.name]
    assert store.items[item.id].quantity == 3
    assert store.items[item.id] is not item
    assert [m.delta for m in store.movements[item.id]] == [3]
    assert item.events == []
    assert item.new_movements == []


async def add_then_fail(store: InMemoryStore, bus: InProcessEventBus) -> None:
    async with uow(store, bus) as tx:
        await tx.items.add(new_item("B", 1))
        raise RuntimeError("boom")


async def test_leaving_without_commit_or_by_an_exception_rolls_back(
    store: InMemoryStore, bus: InProcessEventBus
) -> None:
    async with uow(store, bus) as tx:
        await tx.items.add(new_item("A", 1))
    with pytest.raises(RuntimeError, match="boom"):
        await add_then_fail(store, bus)
    assert store.outbox == []
    assert store.items == {}
    assert store.movements == {}
    assert not store.write_lock.locked()


async def test_several_changes_to_one_item_in_one_transaction_keep_every_movement(
    store: InMemoryStore,
) -> None:
    item = new_item(quantity=5)
    async with uow(store) as tx:
        await tx.items.add(item)
        await tx.commit()
    async with uow(store) as tx:
        first = await tx.items.get(item.id, for_update=True)
        assert first is not None
        first.adjust(-2, "sold", at=T0, by=None)
        await tx.items.save(first)
        again = await tx.items.get(item.id, for_update=True)  # a fresh copy of the staged item
        assert again is not None
        assert again.quantity == 3
        again.adjust(-1, "sold", at=T0, by=None)
        await tx.items.save(again)
        again.adjust(4, "received", at=T0, by=None)
        await tx.items.save(again)  # saving the same object twice records each movement once
        assert await tx.movements.sum_for_item(item.id) == 6
        await tx.commit()
    assert store.items[item.id].quantity == 6
    assert [m.delta for m in store.movements[item.id]] == [5, -2, -1, 4]


async def test_readers_never_see_uncommitted_changes(store: InMemoryStore) -> None:
    item = new_item(quantity=1)
    async with uow(store) as tx:
        await tx.items.add(item)
        await tx.commit()
    async with uow(store) as writer:
        staged = await writer.items.get(item.id)
        assert staged is not None
        staged.adjust(5, "received", at=T0, by=None)
        await writer.items.save(staged)
        async with InMemoryQuerySession(store) as reader:
            seen = await reader.items.get(item.id)
            assert seen is not None
            assert seen.quantity == 1
            ledger = await reader.movements.list_for_item(item.id, offset=0, limit=10)
            assert [m.delta for m in ledger.items] == [1]
        assert await writer.movements.sum_for_item(item.id) == 6


async def test_writers_take_turns(store: InMemoryStore) -> None:
    order: list[str] = []

    async def write(name: str) -> None:
        async with uow(store):
            order.append(f"{name} in")
            await asyncio.sleep(0)
            order.append(f"{name} out")

    await asyncio.gather(write("a"), write("b"))
    assert order == ["a in", "a out", "b in", "b out"]


async def test_misuse_is_refused(store: InMemoryStore) -> None:
    tx = uow(store)
    with pytest.raises(RuntimeError, match="outside"):
        await tx.commit()
    with pytest.raises(RuntimeError, match="inside"):
        await tx.items.get(uuid4())
    async with tx:
        with pytest.raises(RuntimeError, match="already open"):
            await tx.__aenter__()
    assert store.items == {}


async def test_unique_skus_ids_and_usernames(store: InMemoryStore) -> None:
    item = new_item("A")
    async with uow(store) as tx:
        await tx.items.add(item)
        with pytest.raises(AlreadyExists):
            await tx.items.add(new_item("A"))
        clone = new_item("B")
        clone.id = item.id
        with pytest.raises(AlreadyExists):
            await tx.items.add(clone)
        user = User.register(
            username=Username.parse("Ann"), password_hash="h", role=Role.ADMIN, at=T0
        )
        await tx.users.add(user)
        other = User.register(
            username=Username.parse("ANN"), password_hash="h", role=Role.VIEWER, at=T0
        )
        with pytest.raises(AlreadyExists):
            await tx.users.add(other)
        assert await tx.users.count_admins() == 1
        await tx.commit()
    async with uow(store) as tx:
        found = await tx.items.get_many_by_sku(["A", "Z"])
        assert list(found) == ["A"]
        assert await tx.items.get_by_sku("Z") is None
        assert await tx.users.get(uuid4()) is None
    async with InMemoryQuerySession(store) as session:
        assert (await session.items.list(ItemQuery())).total == 1


async def test_login_counters_are_held_saved_and_cleared(store: InMemoryStore) -> None:
    async with uow(store) as tx:
        assert await tx.login_attempts.hold("user:ann") is None
        await tx.login_attempts.save("user:ann", LoginFailures(count=1, first_at=T0, last_at=T0))
        assert store.login_failures == {}  # not before commit
        await tx.commit()
    async with uow(store) as tx:
        assert await tx.login_attempts.hold("user:ann") == LoginFailures(1, T0, T0)
        await tx.login_attempts.clear("user:ann")
        assert await tx.login_attempts.hold("user:ann") is None
        await tx.commit()
    assert store.login_failures == {}


async def test_a_slow_listener_loses_the_oldest_events() -> None:
    bus = InProcessEventBus(max_backlog=2)
    events = [
        StockAdjusted(
            occurred_at=T0,
            item_id=uuid4(),
            sku="A",
            version=n,
            delta=1,
            reason="x",
            quantity=n,
            location_id=MAIN_LOCATION_ID,
            location_quantity=n,
        )
        for n in range(3)
    ]
    async with bus.listen() as queue:
        bus.deliver([positioned(event, n) for n, event in enumerate(events, start=1)])
        assert [e.position for e in drain(queue)] == [2, 3]


async def test_a_failing_handler_is_logged_and_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[DomainEvent] = []

    async def broken(event: DomainEvent) -> None:
        raise ValueError("handler bug")

    async def working(event: DomainEvent) -> None:
        seen.append(event)

    bus = InProcessEventBus(handlers=[broken, working])
    event = ItemCreated(occurred_at=T0, item_id=uuid4(), sku="A", version=1, quantity=0)
    with caplog.at_level(logging.ERROR):
        await bus.publish([event])
        await bus.drain()
    assert seen == [event]
    assert "event handler failed" in caplog.text


def test_clocks() -> None:
    assert SystemClock().now().tzinfo is not None
    with pytest.raises(ValueError, match="timezone"):
        FixedClock(datetime(2026, 1, 1))
    clock = FixedClock(T0)
    clock.advance(minutes=2)
    assert clock.now() == T0 + timedelta(minutes=2)


class BrokenPublisher:
    async def publish(self, events: object) -> None:
        raise ConnectionError("the event stream is down")


async def test_a_failing_publisher_does_not_undo_or_fail_a_commit(
    store: InMemoryStore, caplog: pytest.LogCaptureFixture
) -> None:
    item = new_item(quantity=2)
    with caplog.at_level(logging.ERROR):
        async with InMemoryUnitOfWork(store, BrokenPublisher()) as tx:
            await tx.items.add(item)
            await tx.commit()
    assert store.items[item.id].quantity == 2
    assert "after commit failed" in caplog.text
