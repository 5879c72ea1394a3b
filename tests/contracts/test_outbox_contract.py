"""The outbox contract, on memory, SQLite and PostgreSQL: an event exists exactly when its change
committed, and readers follow positions that never go back."""

import asyncio
import json
from datetime import timedelta
from uuid import UUID

import pytest

from application.outbox import EventQuery
from domain.items import MovementReason
from tests.contracts.conftest import Backend
from tests.contracts.test_repository_contract import ACTOR, T0, make_item, make_user


class Boom(Exception):
    pass


async def add_item(backend: Backend, sku: str, quantity: int = 5) -> UUID:
    item = make_item(sku, quantity=quantity)
    async with backend.uow() as uow:
        await uow.items.add(item)
        await uow.commit()
    return item.id


async def adjust(backend: Backend, item_id: UUID, delta: int) -> None:
    async with backend.uow() as uow:
        item = await uow.items.get(item_id, for_update=True)
        assert item is not None
        item.adjust(
            delta, MovementReason.SOLD if delta < 0 else MovementReason.RECEIVED, at=T0, by=ACTOR
        )
        await uow.items.save(item)
        await uow.commit()


async def test_a_committed_change_writes_its_events_with_their_metadata(backend: Backend) -> None:
    item_id = await add_item(backend, "A", quantity=5)
    await adjust(backend, item_id, -2)
    if backend.positions_at_write:
        assert await backend.events.pending() == 0
        assert [e.position for e in await backend.events.read(EventQuery())] == [1, 2]
    else:
        assert await backend.events.pending() == 2
        assert await backend.events.read(EventQuery()) == []  # nothing readable unpositioned
    assert await backend.events.sequence(100) == 2  # became readable since the last call
    assert await backend.events.sequence(100) == 0
    created, adjusted = await backend.events.read(EventQuery())
    assert (created.position, adjusted.position) == (1, 2)
    assert (created.type, adjusted.type) == ("item.created", "stock.adjusted")
    assert created.aggregate_id == adjusted.aggregate_id == item_id
    assert (created.aggregate_version, adjusted.aggregate_version) == (1, 2)
    assert created.actor_id == ACTOR
    assert created.occurred_at == T0
    assert created.event_id != adjusted.event_id
    assert json.loads(adjusted.payload)["delta"] == -2
    assert adjusted.data()["quantity"] == 3
    assert await backend.events.pending() == 0
    assert await backend.events.last_position() == 2


async def test_a_unit_of_work_left_without_commit_writes_no_event(backend: Backend) -> None:
    item_id = await add_item(backend, "A")

    async def fail_after_the_change() -> None:
        async with backend.uow() as uow:
            item = await uow.items.get(item_id, for_update=True)
            assert item is not None
            item.adjust(-1, MovementReason.SOLD, at=T0, by=ACTOR)
            await uow.items.save(item)
            raise Boom

    with pytest.raises(Boom):
        await fail_after_the_change()
    async with backend.uow() as uow:  # rolled back explicitly, then committed nothing
        await uow.users.add(make_user("bob"))
        await uow.rollback()
    assert await backend.events.sequence(100) == 1
    assert [e.type for e in await backend.events.read(EventQuery())] == ["item.created"]


async def test_positions_follow_commits_and_readers_filter(backend: Backend) -> None:
    first = await add_item(backend, "A")
    await backend.events.sequence(100)
    second = await add_item(backend, "B")
    await adjust(backend, first, -1)
    if not backend.positions_at_write:
        assert await backend.events.sequence(1) == 1  # a small batch: the rest waits
        assert await backend.events.pending() == 1
    await backend.events.sequence(100)
    assert await backend.events.pending() == 0
    every = await backend.events.read(EventQuery())
    assert [e.position for e in every] == [1, 2, 3]
    assert [e.aggregate_id for e in every] == [first, second, first]
    assert await backend.events.read(EventQuery(after=1, limit=1)) == every[1:2]
    only_stock = await backend.events.read(EventQuery(types=frozenset({"stock.adjusted"})))
    assert only_stock == every[2:]
    assert await backend.events.read(EventQuery(item_id=second)) == every[1:2]


async def test_internal_events_are_kept_but_hidden_from_readers_unless_asked(
    backend: Backend,
) -> None:
    user = make_user("carol")
    async with backend.uow() as uow:
        await uow.users.add(user)
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.users.get(user.id)
        assert found is not None
        found.change_password_hash("new-hash", at=T0)
        await uow.users.save(found)
        await uow.commit()
    await backend.events.sequence(100)
    assert await backend.events.read(EventQuery()) == []
    (revoked,) = await backend.events.read(EventQuery(include_internal=True))
    assert revoked.type == "user.access_revoked"
    assert revoked.aggregate_id == user.id


async def test_a_bulk_write_puts_all_its_events_in_the_outbox(backend: Backend) -> None:
    items = [make_item(f"BULK-{n}", quantity=n) for n in range(40)]
    async with backend.uow() as uow:
        await uow.items.add_many(items)
        await uow.commit()
    assert await backend.events.sequence(1000) == 40
    numbered = await backend.events.read(EventQuery(limit=100))
    assert [e.aggregate_id for e in numbered] == [item.id for item in items]
    assert [e.position for e in numbered] == list(range(1, 41))


async def test_concurrent_writers_get_every_position_once_in_the_order_they_commit(
    backend: Backend,
) -> None:
    async def add(n: int) -> None:
        async with backend.uow() as uow:
            await uow.items.add(make_item(f"C-{n}", quantity=n))
            if n % 4 == 3:
                await uow.rollback()  # nothing of this one is written
                return
            await uow.commit()

    await asyncio.gather(*(add(n) for n in range(32)))
    await backend.events.sequence(100)
    found = await backend.events.read(EventQuery(limit=100))
    assert [e.position for e in found] == list(range(1, 25))  # no gaps, none twice
    assert len({e.aggregate_id for e in found}) == 24


async def test_pruning_removes_old_events_but_never_the_newest(backend: Backend) -> None:
    await add_item(backend, "A")
    await add_item(backend, "B")
    await backend.events.sequence(100)
    later = T0 + timedelta(days=1)
    assert await backend.events.prune(later, up_to=0) == 0  # a sink has not passed them yet
    assert await backend.events.prune(later, up_to=2) == 1
    (kept,) = await backend.events.read(EventQuery())
    assert kept.position == 2
    await add_item(backend, "C")
    assert await backend.events.sequence(100) == 1
    assert await backend.events.last_position() == 3  # positions never start over
    (_, third) = await backend.events.read(EventQuery())
    assert third.position == 3
    assert await backend.events.prune(T0, up_to=3) == 0


async def test_sink_cursors_are_kept_by_name(backend: Backend) -> None:
    assert await backend.events.cursor("webhooks") == 0
    await backend.events.save_cursor("webhooks", 7)
    await backend.events.save_cursor("webhooks", 9)
    await backend.events.save_cursor("broker", 3)
    assert (await backend.events.cursor("webhooks"), await backend.events.cursor("broker")) == (
        9,
        3,
    )
