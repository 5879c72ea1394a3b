"""Stock and value at a past instant, on the memory store, against hand-computed answers."""

from datetime import timedelta
from decimal import Decimal

import pytest

from adapters.clock import FixedClock
from application.commands import (
    AdjustStockCommand,
    CreateLocationCommand,
    TransferStockCommand,
    UpdateItemCommand,
)
from domain.errors import InvalidValue, NotFound, PermissionDenied
from domain.users import Principal
from entrypoints.container import Container
from tests.unit.use_cases.conftest import create_item


async def adjust(container: Container, actor: Principal, sku: str, delta: int) -> None:
    reason = "received" if delta > 0 else "sold"
    await container.adjust_stock().execute(
        AdjustStockCommand(actor=actor, item=sku, delta=delta, reason=reason)
    )


async def reprice(container: Container, actor: Principal, sku: str, price: str) -> None:
    await container.update_item().execute(
        UpdateItemCommand(actor=actor, item=sku, unit_price=price)
    )


async def test_valuation_uses_the_price_in_force_then(
    container: Container, clock: FixedClock, admin: Principal, viewer: Principal
) -> None:
    start = clock.now()
    await create_item(container, admin, sku="A", unit_price="10.00", quantity=5)  # t0
    await create_item(container, admin, sku="B", unit_price="0.10", quantity=3)
    clock.advance(hours=1)
    await reprice(container, admin, "A", "12.50")  # t1
    await adjust(container, admin, "A", -2)
    clock.advance(hours=1)
    await adjust(container, admin, "B", 7)  # t2
    await reprice(container, admin, "B", "0.15")
    clock.advance(hours=1)
    await container.archive_item().execute(admin, "B")  # archived goods still count

    value = container.valuation()
    before_reprice = await value.execute(viewer, start + timedelta(minutes=30))
    # A: 5 x 10.00 = 50.00; B: 3 x 0.10 = 0.30
    assert [
        (line.sku, line.quantity, line.unit_price, line.value) for line in before_reprice.lines
    ] == [
        ("A", 5, Decimal("10.00"), Decimal("50.00")),
        ("B", 3, Decimal("0.10"), Decimal("0.30")),
    ]
    assert before_reprice.total == Decimal("50.30")
    later = await value.execute(viewer, start + timedelta(hours=2))
    # A: 3 x 12.50 = 37.50; B: 10 x 0.15 = 1.50 (both changes at t2 count at t2)
    assert [(line.sku, line.quantity, line.value) for line in later.lines] == [
        ("A", 3, Decimal("37.50")),
        ("B", 10, Decimal("1.50")),
    ]
    assert later.total == Decimal("39.00")
    assert (await value.execute(viewer, start - timedelta(seconds=1))).total == Decimal("0.00")

    report = await container.stock_report().execute(viewer, start + timedelta(hours=1))
    assert [(line.sku, line.quantity) for line in report.items] == [("A", 3), ("B", 3)]
    assert report.total == 2


async def test_an_item_as_of_per_location_and_after_a_purge(
    container: Container, clock: FixedClock, admin: Principal, viewer: Principal
) -> None:
    start = clock.now()
    item = await create_item(container, admin, sku="A", quantity=6)
    await container.create_location().execute(
        CreateLocationCommand(actor=admin, code="SHELF", name="Shelf")
    )
    clock.advance(minutes=10)
    await container.transfer_stock().execute(
        TransferStockCommand(
            actor=admin, item="A", quantity=4, from_location="MAIN", to_location="SHELF"
        )
    )
    as_of = container.item_stock_as_of()
    then = await as_of.execute(viewer, "A", start + timedelta(minutes=5))
    assert (then.quantity, [(p.location_code, p.quantity) for p in then.locations]) == (
        6,
        [("MAIN", 6)],
    )
    now = await as_of.execute(viewer, item.id, clock.now())
    assert [(p.location_code, p.quantity) for p in now.locations] == [("MAIN", 2), ("SHELF", 4)]

    clock.advance(minutes=10)
    await adjust(container, admin, "A", -2)
    await container.transfer_stock().execute(
        TransferStockCommand(
            actor=admin, item="A", quantity=4, from_location="SHELF", to_location="MAIN"
        )
    )
    await adjust(container, admin, "A", -4)
    await container.purge_item().execute(admin, "A")
    report = await container.stock_report().execute(viewer, start + timedelta(minutes=15))
    assert [(line.sku, line.name, line.quantity) for line in report.items] == [("A", "Widget", 6)]
    with pytest.raises(NotFound):
        await as_of.execute(viewer, item.id, start)


async def test_as_of_is_refused_in_the_future_or_without_a_zone(
    container: Container, clock: FixedClock, viewer: Principal, admin: Principal
) -> None:
    await create_item(container, admin, sku="A")
    with pytest.raises(InvalidValue, match="future"):
        await container.stock_report().execute(viewer, clock.now() + timedelta(seconds=1))
    with pytest.raises(InvalidValue, match="time zone"):
        await container.valuation().execute(viewer, clock.now().replace(tzinfo=None))
    with pytest.raises(PermissionDenied):
        await container.valuation().execute(
            Principal(
                user_id=viewer.user_id,
                username="x",
                role=viewer.role,
                scopes=frozenset({"stock:write"}),
            ),
            clock.now(),
        )
