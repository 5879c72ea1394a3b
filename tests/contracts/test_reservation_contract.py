"""Reservations over memory, SQLite and PostgreSQL: one contract, through the use cases."""

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from adapters.clock import FixedClock
from application.commands import (
    AdjustStockCommand,
    CreateReservationCommand,
    FulfilReservationCommand,
    ReleaseReservationCommand,
    UpdateReservationCommand,
)
from application.ports import ItemQuery, ReservationQuery
from application.use_cases import (
    AdjustStock,
    CreateReservation,
    ExpireReservations,
    FulfilReservation,
    GetItem,
    GetItemBySku,
    GetReservation,
    ListItems,
    ListReservations,
    ReleaseReservation,
    UpdateReservation,
)
from domain.errors import InsufficientStock, ReservationClosed, ReservationConflict
from domain.events import ReservationCreated, ReservationExpired
from domain.items import MovementReason
from domain.locations import MAIN_LOCATION_ID
from domain.reservations import ReservationStatus
from domain.users import Principal, Role
from tests.contracts.conftest import Backend, RecordingPublisher
from tests.contracts.test_repository_contract import T0, add_items, make_item

CLERK = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)
TTL = timedelta(minutes=5)


def hold(item_id: object, quantity: int, reference: str = "SO-1", **kw: object):  # type: ignore[no-untyped-def]
    return CreateReservationCommand(
        actor=CLERK,
        item=item_id,  # type: ignore[arg-type]
        quantity=quantity,
        reference=reference,
        **kw,  # type: ignore[arg-type]
    )


async def test_holds_are_stored_with_the_stock_and_read_back(backend: Backend) -> None:
    clock = FixedClock(T0)
    item = make_item(quantity=10)
    await add_items(backend, item)
    published = RecordingPublisher()
    made = await CreateReservation(backend.uow(publisher=published), clock, TTL).execute(
        hold(item.id, 4, note="for Ann")
    )
    assert [type(e) for e in published.published] == [ReservationCreated]
    async with backend.uow() as uow:
        stored = await uow.items.get(item.id)
        found = await uow.reservations.by_reference(item.id, "SO-1")
    assert stored is not None
    assert (stored.held, stored.available, stored.reserved_at(MAIN_LOCATION_ID)) == (4, 6, 4)
    assert found is not None
    assert (found.id, found.quantity, found.note, found.expires_at) == (
        made.reservation.id,
        4,
        "for Ann",
        T0 + TTL,
    )
    read = await GetReservation(backend.queries()).execute(CLERK, made.reservation.id)
    assert (read.status, read.location_id, read.created_by) == (
        ReservationStatus.ACTIVE,
        MAIN_LOCATION_ID,
        CLERK.user_id,
    )
    again = await CreateReservation(backend.uow(), clock, TTL).execute(hold(item.id, 4))
    assert again.existing
    with pytest.raises(ReservationConflict):
        await CreateReservation(backend.uow(), clock, TTL).execute(hold(item.id, 5))
    with pytest.raises(InsufficientStock) as refused:
        await CreateReservation(backend.uow(), clock, TTL).execute(hold(item.id, 7, "SO-2"))
    assert refused.value.available == 6
    with pytest.raises(InsufficientStock):
        await AdjustStock(backend.uow(), clock).execute(
            AdjustStockCommand(actor=CLERK, item=item.id, delta=-7, reason="sold")
        )


async def test_fulfil_update_release_and_list(backend: Backend) -> None:
    clock = FixedClock(T0)
    item = make_item(quantity=10)
    await add_items(backend, item)
    first = await CreateReservation(backend.uow(), clock, TTL).execute(hold(item.id, 3))
    second = await CreateReservation(backend.uow(), clock, TTL).execute(hold(item.id, 2, "SO-2"))
    grown = await UpdateReservation(backend.uow(), clock).execute(
        UpdateReservationCommand(
            actor=CLERK, reservation_id=first.reservation.id, quantity=5, expected_version=1
        )
    )
    assert grown.item.held == 7
    done = await FulfilReservation(backend.uow(), clock).execute(
        FulfilReservationCommand(actor=CLERK, reservation_id=first.reservation.id, quantity=4)
    )
    await ReleaseReservation(backend.uow(), clock).execute(
        ReleaseReservationCommand(actor=CLERK, reservation_id=second.reservation.id)
    )
    async with backend.uow() as uow:
        stored = await uow.items.get(item.id)
        sold = await uow.movements.sum_for_item(item.id)
    assert stored is not None
    assert (stored.quantity, stored.held, sold) == (6, 0, 6)
    assert done.movement is not None
    async with backend.queries() as session:
        ledger = await session.movements.list_for_item(item.id, offset=0, limit=10)
    newest = ledger.items[0]
    assert (newest.reason, newest.delta, newest.reservation_id) == (
        MovementReason.SOLD,
        -4,
        first.reservation.id,
    )
    page = await ListReservations(backend.queries()).execute(
        CLERK, ReservationQuery(item_id=item.id, status=ReservationStatus.FULFILLED)
    )
    assert [(r.id, r.fulfilled_quantity) for r in page.items] == [(first.reservation.id, 4)]
    assert page.total == 1
    with pytest.raises(ReservationClosed):
        await ReleaseReservation(backend.uow(), clock).execute(
            ReleaseReservationCommand(actor=CLERK, reservation_id=second.reservation.id)
        )


async def test_overdue_holds_free_stock_at_once_and_sweep_once(backend: Backend) -> None:
    clock = FixedClock(T0)
    items = [make_item(f"SKU-{n}", quantity=2) for n in range(3)]
    await add_items(backend, *items)
    for item in items:
        await CreateReservation(backend.uow(), clock, TTL).execute(hold(item.id, 2))
    clock.advance(minutes=5)
    # Before any sweep, the first item's stock is free again.
    await AdjustStock(backend.uow(), clock).execute(
        AdjustStockCommand(actor=CLERK, item=items[0].id, delta=-2, reason="sold")
    )
    published = RecordingPublisher()
    sweeps = await asyncio.gather(
        ExpireReservations(backend.uow(publisher=published), clock, batch=1).execute(),
        ExpireReservations(backend.uow(publisher=published), clock, batch=1).execute(),
    )
    assert sum(sweep.expired for sweep in sweeps) == 2
    assert sum(isinstance(e, ReservationExpired) for e in published.published) == 2
    async with backend.uow() as uow:
        for item in items:
            stored = await uow.items.get(item.id)
            assert stored is not None
            assert stored.held == 0
        assert await uow.reservations.due_items(now=clock.now(), limit=10) == []


async def test_reads_ignore_an_expired_hold_before_any_writer_or_sweeper(backend: Backend) -> None:
    """Availability never waits for the sweeper: from the instant a hold expires, item reads
    (by id, by SKU, the list and its ``available_below_reorder`` filter) leave it out, while
    the stored counter still counts it."""
    clock = FixedClock(T0)
    early = make_item("SKU-E", quantity=10, reorder_level=5)
    late = make_item("SKU-L", quantity=10, reorder_level=5)
    await add_items(backend, early, late)
    await CreateReservation(backend.uow(), clock, TTL).execute(hold(early.id, 3))
    longer = {"ttl_seconds": 2 * int(TTL.total_seconds())}
    await CreateReservation(backend.uow(), clock, TTL).execute(hold(early.id, 4, "SO-2", **longer))
    await CreateReservation(backend.uow(), clock, TTL).execute(hold(late.id, 6, **longer))

    async def held() -> dict[str, int]:
        page = await ListItems(backend.queries(), clock).execute(CLERK, ItemQuery())
        return {view.sku.value: view.held for view in page.items}

    async def low(wanted: bool) -> list[str]:
        query = ItemQuery(available_below_reorder=wanted)
        page = await ListItems(backend.queries(), clock).execute(CLERK, query)
        return sorted(view.sku.value for view in page.items)

    async with backend.uow() as uow:
        assert await uow.reservations.first_expiry(early.id) == T0 + TTL
    assert await held() == {"SKU-E": 7, "SKU-L": 6}
    assert await low(True) == ["SKU-E", "SKU-L"]

    clock.advance(minutes=5)  # the first hold of SKU-E expires; nothing has touched it since
    read = await GetItem(backend.queries(), clock).execute(CLERK, early.id)
    assert (read.held, read.available) == (4, 6)
    assert (await GetItemBySku(backend.queries(), clock).execute(CLERK, "SKU-E")).held == 4
    assert await held() == {"SKU-E": 4, "SKU-L": 6}
    assert (await low(True), await low(False)) == (["SKU-L"], ["SKU-E"])
    async with backend.uow() as uow:
        stored = await uow.items.get(early.id)
    assert stored is not None
    assert (stored.held, stored.hold_expires_at) == (7, T0 + TTL)  # not settled yet

    assert (await ExpireReservations(backend.uow(), clock).execute()).expired == 1
    async with backend.uow() as uow:
        stored = await uow.items.get(early.id)
    assert stored is not None
    # Settled, with the first expiry recounted: reads need no recount until then.
    assert (stored.held, stored.hold_expires_at) == (4, T0 + 2 * TTL)

    clock.advance(minutes=5)
    assert await held() == {"SKU-E": 0, "SKU-L": 0}
    assert (await low(True), await low(False)) == ([], ["SKU-E", "SKU-L"])
