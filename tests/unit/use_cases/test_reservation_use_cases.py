"""Reservations on the memory adapters: availability, fulfilment, release, expiry, updates."""

import asyncio
from datetime import timedelta

import pytest

from adapters.clock import FixedClock
from application.commands import (
    AdjustStockCommand,
    CountStockCommand,
    CreateReservationCommand,
    FulfilReservationCommand,
    ReleaseReservationCommand,
    TransferStockCommand,
    UpdateReservationCommand,
)
from application.ports import ReservationQuery
from domain.errors import (
    InsufficientStock,
    InvalidValue,
    ItemArchived,
    ItemHasStock,
    NotFound,
    PermissionDenied,
    ReservationClosed,
    ReservationConflict,
    VersionMismatch,
)
from domain.events import (
    LowStockReached,
    ReservationCreated,
    ReservationExpired,
    ReservationFulfilled,
    ReservationReleased,
)
from domain.items import MovementReason
from domain.reservations import ReservationStatus
from domain.users import Principal
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, ledger_sum, recorded, store


def reserve(actor: Principal, item: object, quantity: int, reference: str = "SO-1", **kw: object):  # type: ignore[no-untyped-def]
    return CreateReservationCommand(
        actor=actor,
        item=item,  # type: ignore[arg-type]
        quantity=quantity,
        reference=reference,
        **kw,  # type: ignore[arg-type]
    )


def stored_item(container: Container, item_id: object):  # type: ignore[no-untyped-def]
    return store(container).items[item_id]  # type: ignore[index]


async def test_a_hold_makes_stock_unavailable_and_is_announced(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    item = await create_item(container, clerk, quantity=10, reorder_level=3)
    async with recorded(container) as events:
        made = await container.create_reservation().execute(reserve(clerk, item.id, 7))
    assert (made.item.held, made.item.available, made.item.quantity) == (7, 3, 10)
    assert made.reservation.expires_at == clock.now() + timedelta(hours=1)
    assert [type(e) for e in events] == [LowStockReached, ReservationCreated] or [
        type(e) for e in events
    ] == [ReservationCreated, LowStockReached]
    (row,) = [e for e in store(container).outbox if e.type == "reservation.created"]
    # The envelope names the reservation and its version (its ETag), not the item's.
    assert (row.aggregate_id, row.aggregate_version) == (made.reservation.id, 1)
    with pytest.raises(InsufficientStock) as refused:
        await container.create_reservation().execute(reserve(clerk, item.id, 4, "SO-2"))
    assert refused.value.available == 3
    assert stored_item(container, item.id).held == 7


async def test_movements_and_transfers_cannot_take_held_stock(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    await container.create_reservation().execute(reserve(clerk, item.id, 4))
    with pytest.raises(InsufficientStock) as refused:
        await container.adjust_stock().execute(
            AdjustStockCommand(actor=clerk, item=item.id, delta=-2, reason="sold")
        )
    assert refused.value.available == 1
    await container.adjust_stock().execute(
        AdjustStockCommand(actor=clerk, item=item.id, delta=-1, reason="sold")
    )
    with pytest.raises(InsufficientStock):
        await container.count_stock().execute(
            CountStockCommand(actor=clerk, item=item.id, quantity=3)
        )
    from application.commands import CreateLocationCommand

    await container.create_location().execute(
        CreateLocationCommand(actor=admin, code="VAN", name="Van")
    )
    with pytest.raises(InsufficientStock):
        await container.transfer_stock().execute(
            TransferStockCommand(
                actor=clerk, item=item.id, from_location="MAIN", to_location="VAN", quantity=1
            )
        )
    assert stored_item(container, item.id).quantity == 4


async def test_fulfil_sells_records_the_reservation_and_releases_the_rest(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=10)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 6))
    async with recorded(container) as events:
        done = await container.fulfil_reservation().execute(
            FulfilReservationCommand(
                actor=clerk, reservation_id=made.reservation.id, quantity=4, expected_version=1
            )
        )
    assert done.movement is not None
    assert (done.movement.delta, done.movement.reason) == (-4, MovementReason.SOLD)
    assert done.movement.reservation_id == made.reservation.id
    assert done.reservation.status is ReservationStatus.FULFILLED
    assert done.reservation.fulfilled_quantity == 4
    assert (done.item.quantity, done.item.held, done.item.available) == (6, 0, 6)
    assert ledger_sum(container, item.id) == 6
    assert any(isinstance(e, ReservationFulfilled) and e.fulfilled == 4 for e in events)
    with pytest.raises(ReservationClosed):
        await container.release_reservation().execute(
            ReleaseReservationCommand(actor=clerk, reservation_id=made.reservation.id)
        )


async def test_release_frees_the_hold(container: Container, clerk: Principal) -> None:
    item = await create_item(container, clerk, quantity=3)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 3))
    async with recorded(container) as events:
        done = await container.release_reservation().execute(
            ReleaseReservationCommand(actor=clerk, reservation_id=made.reservation.id)
        )
    assert done.reservation.status is ReservationStatus.RELEASED
    assert done.item.available == 3
    assert [type(e) for e in events if isinstance(e, ReservationReleased)] == [ReservationReleased]


async def test_expired_holds_free_stock_at_once_and_the_sweeper_expires_them_once(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    item = await create_item(container, clerk, quantity=5)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 5, ttl_seconds=60))
    clock.advance(seconds=60)
    # Before any sweep: the overdue hold holds nothing, a movement may take the stock.
    async with recorded(container) as events:
        await container.adjust_stock().execute(
            AdjustStockCommand(actor=clerk, item=item.id, delta=-5, reason="sold")
        )
    assert [e.reservation_id for e in events if isinstance(e, ReservationExpired)] == [
        made.reservation.id
    ]
    assert stored_item(container, item.id).held == 0
    assert (await container.expire_reservations().execute()).expired == 0
    with pytest.raises(ReservationClosed):
        await container.fulfil_reservation().execute(
            FulfilReservationCommand(actor=clerk, reservation_id=made.reservation.id)
        )


async def test_sweeper_expires_a_batch_exactly_once(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    items = [await create_item(container, clerk, sku=f"S-{n}", quantity=3) for n in range(3)]
    for item in items:
        await container.create_reservation().execute(reserve(clerk, item.id, 2, ttl_seconds=60))
    clock.advance(minutes=2)
    async with recorded(container) as events:
        sweeps = await asyncio.gather(
            container.expire_reservations().execute(), container.expire_reservations().execute()
        )
    assert sum(s.expired for s in sweeps) == 3
    assert sum(isinstance(e, ReservationExpired) for e in events) == 3
    assert all(stored_item(container, item.id).held == 0 for item in items)


async def test_expired_hold_refuses_fulfilment_and_is_expired(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    item = await create_item(container, clerk, quantity=5)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 2))
    clock.advance(hours=2)
    with pytest.raises(ReservationClosed):
        await container.fulfil_reservation().execute(
            FulfilReservationCommand(actor=clerk, reservation_id=made.reservation.id)
        )
    assert store(container).reservations[made.reservation.id].status is ReservationStatus.EXPIRED
    assert stored_item(container, item.id).held == 0


async def test_same_reference_returns_the_hold_or_conflicts(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    first = await container.create_reservation().execute(reserve(clerk, item.id, 2))
    again = await container.create_reservation().execute(reserve(clerk, item.id, 2))
    assert again.existing
    assert again.reservation.id == first.reservation.id
    assert stored_item(container, item.id).held == 2
    with pytest.raises(ReservationConflict):
        await container.create_reservation().execute(reserve(clerk, item.id, 3))


async def test_update_grows_under_availability_shrinks_and_checks_the_version(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    item = await create_item(container, clerk, quantity=5)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 2))
    rid = made.reservation.id
    with pytest.raises(InsufficientStock):
        await container.update_reservation().execute(
            UpdateReservationCommand(actor=clerk, reservation_id=rid, quantity=6)
        )
    grown = await container.update_reservation().execute(
        UpdateReservationCommand(actor=clerk, reservation_id=rid, quantity=5, expected_version=1)
    )
    assert (grown.reservation.quantity, grown.reservation.version, grown.item.held) == (5, 2, 5)
    with pytest.raises(VersionMismatch):
        await container.update_reservation().execute(
            UpdateReservationCommand(
                actor=clerk, reservation_id=rid, quantity=1, expected_version=1
            )
        )
    later = clock.now() + timedelta(days=2)
    shrunk = await container.update_reservation().execute(
        UpdateReservationCommand(actor=clerk, reservation_id=rid, quantity=1, expires_at=later)
    )
    assert (shrunk.item.held, shrunk.reservation.expires_at) == (1, later)
    with pytest.raises(InvalidValue):
        await container.update_reservation().execute(
            UpdateReservationCommand(
                actor=clerk, reservation_id=rid, expires_at=clock.now() + timedelta(days=31)
            )
        )


@pytest.mark.parametrize(
    ("quantity", "reference", "ttl"),
    [
        (0, "SO", None),
        (1, "", None),
        (1, "x" * 101, None),
        (1, "SO", 59),
        (1, "SO", 30 * 86400 + 1),
    ],
)
async def test_bad_values_change_nothing(
    container: Container, clerk: Principal, quantity: int, reference: str, ttl: int | None
) -> None:
    item = await create_item(container, clerk, quantity=5)
    with pytest.raises(InvalidValue):
        await container.create_reservation().execute(
            reserve(clerk, item.id, quantity, reference, ttl_seconds=ttl)
        )
    assert stored_item(container, item.id).held == 0
    assert not store(container).reservations


async def test_viewers_read_but_do_not_reserve(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 1))
    with pytest.raises(PermissionDenied):
        await container.create_reservation().execute(reserve(viewer, item.id, 1, "SO-9"))
    found = await container.get_reservation().execute(viewer, made.reservation.id)
    assert found.reference == "SO-1"
    page = await container.list_reservations().execute(
        viewer, ReservationQuery(item_id=item.id, status=ReservationStatus.ACTIVE)
    )
    assert [r.id for r in page.items] == [made.reservation.id]
    with pytest.raises(NotFound):
        await container.get_reservation().execute(viewer, item.id)


async def test_concurrent_one_unit_holds_never_oversell(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=10)
    outcomes = await asyncio.gather(
        *(
            container.create_reservation().execute(reserve(clerk, item.id, 1, f"SO-{n}"))
            for n in range(25)
        ),
        return_exceptions=True,
    )
    assert sum(not isinstance(o, BaseException) for o in outcomes) == 10
    assert all(isinstance(o, InsufficientStock) for o in outcomes if isinstance(o, BaseException))
    assert stored_item(container, item.id).held == 10


async def test_an_idempotency_key_replays_the_first_hold(
    container: Container, clerk: Principal
) -> None:
    from application.errors import IdempotencyKeyReused

    item = await create_item(container, clerk, quantity=5)
    first = await container.create_reservation().execute(
        reserve(clerk, item.id, 2, idempotency_key="k-1")
    )
    again = await container.create_reservation().execute(
        reserve(clerk, item.id, 2, idempotency_key="k-1")
    )
    assert again.replayed
    assert again.reservation.id == first.reservation.id
    assert (again.item.held, again.item.reserved_at(first.reservation.location_id)) == (2, 2)
    with pytest.raises(IdempotencyKeyReused):
        await container.create_reservation().execute(
            reserve(clerk, item.id, 3, idempotency_key="k-1")
        )
    assert stored_item(container, item.id).held == 2


async def test_a_replayed_movement_keeps_what_is_held(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    await container.create_reservation().execute(reserve(clerk, item.id, 2))
    command = AdjustStockCommand(
        actor=clerk, item=item.id, delta=-1, reason="sold", idempotency_key="m-1"
    )
    await container.adjust_stock().execute(command)
    replayed = await container.adjust_stock().execute(command)
    assert replayed.replayed
    assert (replayed.item.held, replayed.item.available) == (2, 2)


async def test_a_stocktake_counts_past_overdue_holds_but_not_below_live_ones(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    from application.commands import (
        CommitStocktakeCommand,
        CountLinesCommand,
        LineCount,
        OpenStocktakeCommand,
    )

    item = await create_item(container, clerk, sku="C-1", quantity=5)
    await container.create_reservation().execute(reserve(clerk, item.id, 4, ttl_seconds=60))

    async def count_to(counted: int) -> object:
        take = await container.open_stocktake().execute(
            OpenStocktakeCommand(actor=clerk, location="MAIN")
        )
        await container.count_stocktake().execute(
            CountLinesCommand(
                actor=clerk, stocktake_id=take.id, counts=(LineCount("C-1", counted),)
            )
        )
        return await container.commit_stocktake().execute(
            CommitStocktakeCommand(actor=clerk, stocktake_id=take.id)
        )

    with pytest.raises(InsufficientStock):
        await count_to(1)
    clock.advance(seconds=60)
    await count_to(1)
    stored = stored_item(container, item.id)
    assert (stored.quantity, stored.held) == (1, 0)
    assert next(iter(store(container).reservations.values())).status is ReservationStatus.EXPIRED


async def test_an_import_counts_past_overdue_holds_but_not_below_live_ones(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    from application.use_cases import ImportRow, RowStatus

    item = await create_item(container, clerk, sku="C-1", quantity=5)
    await container.create_reservation().execute(reserve(clerk, item.id, 4, ttl_seconds=60))
    row = ImportRow(2, {"sku": "C-1", "name": "Widget", "price": "9.99", "quantity": "1"})
    refused = await container.import_items().execute(clerk, [row])
    assert [o.status for o in refused.rows] == [RowStatus.REJECTED]
    clock.advance(seconds=60)
    done = await container.import_items().execute(clerk, [row])
    assert [o.status for o in done.rows] == [RowStatus.UPDATED]
    assert (stored_item(container, item.id).quantity, stored_item(container, item.id).held) == (
        1,
        0,
    )


async def test_changing_an_overdue_hold_expires_it_and_is_refused(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    item = await create_item(container, clerk, quantity=5)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 2))
    clock.advance(hours=1)
    with pytest.raises(ReservationClosed, match="expired"):
        await container.update_reservation().execute(
            UpdateReservationCommand(actor=clerk, reservation_id=made.reservation.id, quantity=1)
        )
    assert store(container).reservations[made.reservation.id].status is ReservationStatus.EXPIRED
    assert stored_item(container, item.id).held == 0


async def test_an_archived_item_is_not_reserved_nor_sold_but_its_holds_can_be_released(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    made = await container.create_reservation().execute(reserve(clerk, item.id, 2))
    await container.archive_item().execute(admin, item.id)
    with pytest.raises(ItemArchived):
        await container.create_reservation().execute(reserve(clerk, item.id, 1, "SO-2"))
    with pytest.raises(ItemArchived):
        await container.fulfil_reservation().execute(
            FulfilReservationCommand(actor=clerk, reservation_id=made.reservation.id)
        )
    assert (stored_item(container, item.id).held, ledger_sum(container, item.id)) == (2, 5)
    done = await container.release_reservation().execute(
        ReleaseReservationCommand(actor=clerk, reservation_id=made.reservation.id)
    )
    assert (done.reservation.status, done.item.held) == (ReservationStatus.RELEASED, 0)


async def test_a_purge_is_refused_while_the_item_holds_stock(
    container: Container, clerk: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=2)
    await container.create_reservation().execute(reserve(clerk, item.id, 2))
    await container.archive_item().execute(admin, item.id)
    with pytest.raises(ItemHasStock):
        await container.purge_item().execute(admin, item.id)
    assert stored_item(container, item.id).held == 2
