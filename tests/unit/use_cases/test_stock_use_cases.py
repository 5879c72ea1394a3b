"""Adjusting and counting stock, and reading the ledger."""

import asyncio
from uuid import uuid4

import pytest
from dependency_injector import providers

from adapters.clock import FixedClock
from application.commands import AdjustStockCommand, CountStockCommand
from domain.errors import (
    InsufficientStock,
    InvalidValue,
    NotFound,
    PermissionDenied,
    VersionMismatch,
)
from domain.events import LowStockReached, StockAdjusted
from domain.items import MovementReason
from domain.users import Principal
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item, ledger_sum, recorded, store


def adjust(
    actor: Principal, item: object, delta: int, reason: str = "sold", **kw: object
) -> AdjustStockCommand:
    return AdjustStockCommand(actor=actor, item=item, delta=delta, reason=reason, **kw)  # type: ignore[arg-type]


async def test_adjust_records_a_movement_and_publishes_after_commit(
    container: Container, clerk: Principal, clock: FixedClock
) -> None:
    item = await create_item(container, clerk, quantity=10, reorder_level=5)
    clock.advance(minutes=1)
    async with recorded(container) as events:
        change = await container.adjust_stock().execute(
            adjust(clerk, item.id, -6, note="order 7", reference="SO-7", expected_version=1)
        )
    assert change.item.quantity == 4
    assert change.item.version == 2
    assert change.item.updated_at == clock.now()
    assert change.movement is not None
    assert (change.movement.delta, change.movement.reason) == (-6, MovementReason.SOLD)
    assert (change.movement.note, change.movement.reference) == ("order 7", "SO-7")
    stored = store(container).items[item.id]
    assert (stored.quantity, stored.version) == (4, 2)
    assert ledger_sum(container, item.id) == 4
    assert [type(e) for e in events] == [StockAdjusted, LowStockReached]
    assert events[1].version == 2  # type: ignore[attr-defined]


async def test_adjust_by_sku(container: Container, clerk: Principal) -> None:
    await create_item(container, clerk, sku="abc", quantity=1)
    change = await container.adjust_stock().execute(adjust(clerk, "ABC", 4, "received"))
    assert change.item.quantity == 5


async def test_adjust_below_zero_is_refused_and_changes_nothing(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    async with recorded(container) as events:
        with pytest.raises(InsufficientStock) as caught:
            await container.adjust_stock().execute(adjust(clerk, item.id, -4))
    assert (caught.value.available, caught.value.requested) == (3, 4)
    assert events == []
    stored = store(container).items[item.id]
    assert (stored.quantity, stored.version) == (3, 1)
    assert len(store(container).movements[item.id]) == 1


@pytest.mark.parametrize(
    ("delta", "reason", "field"),
    [(0, "sold", "delta"), (1, "count", "reason"), (1, "gift", "reason")],
)
async def test_adjust_refuses_bad_input(
    container: Container, clerk: Principal, delta: int, reason: str, field: str
) -> None:
    item = await create_item(container, clerk, quantity=3)
    with pytest.raises(InvalidValue) as caught:
        await container.adjust_stock().execute(adjust(clerk, item.id, delta, reason))
    assert caught.value.field == field
    assert store(container).items[item.id].version == 1


async def test_adjust_checks_permission_existence_and_version(
    container: Container, clerk: Principal, viewer: Principal, admin: Principal
) -> None:
    item = await create_item(container, clerk, quantity=3)
    with pytest.raises(PermissionDenied):
        await container.adjust_stock().execute(adjust(viewer, item.id, 1, "received"))
    with pytest.raises(NotFound):
        await container.adjust_stock().execute(adjust(clerk, uuid4(), 1, "received"))
    with pytest.raises(VersionMismatch):
        await container.adjust_stock().execute(
            adjust(clerk, item.id, 1, "received", expected_version=2)
        )
    assert store(container).items[item.id].version == 1
    change = await container.adjust_stock().execute(adjust(admin, item.id, 1, "returned"))
    assert change.item.quantity == 4


async def test_concurrent_adjustments_apply_exactly_those_that_fit(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=10)

    async def take_one() -> bool:
        try:
            await container.adjust_stock().execute(adjust(clerk, item.id, -1))
        except InsufficientStock:
            return False
        return True

    results = await asyncio.gather(*(take_one() for _ in range(25)))
    assert results.count(True) == 10
    stored = store(container).items[item.id]
    assert (stored.quantity, stored.version) == (0, 11)
    assert ledger_sum(container, item.id) == 0


async def test_count_records_the_difference(container: Container, clerk: Principal) -> None:
    item = await create_item(container, clerk, quantity=10)
    async with recorded(container) as events:
        change = await container.count_stock().execute(
            CountStockCommand(
                actor=clerk,
                item=item.id,
                quantity=13,
                note="shelf",
                reference=" INV-7 ",
                expected_version=1,
            )
        )
    assert change.movement is not None
    assert (change.movement.reason, change.movement.delta) == (MovementReason.COUNT, 3)
    assert change.movement.reference == "INV-7"
    assert change.item.quantity == 13
    assert ledger_sum(container, item.id) == 13
    assert [type(e) for e in events] == [StockAdjusted]


async def test_count_of_the_quantity_on_hand_records_nothing(
    container: Container, clerk: Principal
) -> None:
    item = await create_item(container, clerk, quantity=2)
    async with recorded(container) as events:
        change = await container.count_stock().execute(
            CountStockCommand(actor=clerk, item=item.id, quantity=2)
        )
    assert change.movement is None
    assert events == []
    assert store(container).items[item.id].version == 1
    assert len(store(container).movements[item.id]) == 1


async def test_count_refusals_change_nothing(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk, quantity=2)
    count = container.count_stock()
    with pytest.raises(PermissionDenied):
        await count.execute(CountStockCommand(actor=viewer, item=item.id, quantity=1))
    with pytest.raises(InvalidValue):
        await count.execute(CountStockCommand(actor=clerk, item=item.id, quantity=-1))
    with pytest.raises(InvalidValue):
        await count.execute(
            CountStockCommand(actor=clerk, item=item.id, quantity=1, reference="R" * 101)
        )
    with pytest.raises(VersionMismatch):
        await count.execute(
            CountStockCommand(actor=clerk, item=item.id, quantity=1, expected_version=5)
        )
    with pytest.raises(NotFound):
        await count.execute(CountStockCommand(actor=clerk, item=uuid4(), quantity=1))
    stored = store(container).items[item.id]
    assert (stored.quantity, stored.version) == (2, 1)


async def test_list_movements_newest_first_with_paging(
    container: Container, clerk: Principal, viewer: Principal
) -> None:
    item = await create_item(container, clerk, quantity=5)
    for delta in (1, 2, 3):
        await container.adjust_stock().execute(adjust(clerk, item.id, delta, "received"))
    listing = container.list_movements()
    page = await listing.execute(viewer, item.id, limit=2)
    assert [m.delta for m in page.items] == [3, 2]
    assert page.total == 4
    page = await listing.execute(viewer, item.id, offset=2, limit=2)
    assert [m.delta for m in page.items] == [1, 5]
    assert [m.quantity_after for m in page.items] == [6, 5]
    with pytest.raises(NotFound):
        await listing.execute(viewer, uuid4())
    with pytest.raises(InvalidValue):
        await listing.execute(viewer, item.id, limit=1000)


class RecordingNotifier:
    def __init__(self) -> None:
        self.events: list[object] = []

    async def notify(self, event: object) -> None:
        self.events.append(event)


async def test_low_stock_notifies_someone_after_commit(
    container: Container, clerk: Principal
) -> None:
    notifier = RecordingNotifier()
    with container.notifier.override(providers.Object(notifier)):
        item = await create_item(container, clerk, quantity=5, reorder_level=2)
        await container.adjust_stock().execute(adjust(clerk, item.id, -1))
        await container.event_bus().drain()
        assert notifier.events == []
        await container.adjust_stock().execute(adjust(clerk, item.id, -2))
        await container.event_bus().drain()
    [event] = notifier.events
    assert isinstance(event, LowStockReached)
    assert event.quantity == 2
