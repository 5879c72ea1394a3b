"""The ledger's history queries on memory, SQLite and PostgreSQL: quantities at an instant,
per location and per item, a purged item's ledger, and the ledger in the order written."""

from datetime import timedelta

from application.history import LocationQuantity, MovementQuery
from domain.locations import MAIN_LOCATION_ID
from tests.contracts.conftest import Backend
from tests.contracts.test_repository_contract import ACTOR, T0, add_items, make_item


async def test_quantities_at_an_instant(backend: Backend) -> None:
    item, other = make_item("A", quantity=5), make_item("B", quantity=1)
    item.adjust(-2, "sold", at=T0 + timedelta(hours=1), by=ACTOR)
    item.adjust(4, "received", at=T0 + timedelta(hours=2), by=ACTOR)
    await add_items(backend, item, other)
    async with backend.queries() as session:
        await session.settle(T0 + timedelta(hours=3), T0 + timedelta(hours=3))
        ledger = session.ledger
        assert await ledger.item_as_of(item.id, T0 - timedelta(seconds=1)) == []
        main = LocationQuantity(MAIN_LOCATION_ID, "MAIN", 5)
        assert await ledger.item_as_of(item.id, T0) == [main]
        later = LocationQuantity(MAIN_LOCATION_ID, "MAIN", 3)
        assert await ledger.item_as_of(item.id, T0 + timedelta(minutes=90)) == [later]
        assert await ledger.totals_as_of(T0 + timedelta(hours=3)) == {item.id: 7, other.id: 1}
        labels = await ledger.describe([item.id, other.id])
    assert (labels[item.id].sku, str(labels[item.id].unit_price)) == ("A", "12.50")


async def test_the_ledger_in_the_order_written_with_cursors_and_filters(backend: Backend) -> None:
    item, other = make_item("A", quantity=5), make_item("B", quantity=1)
    for step in range(1, 4):
        item.adjust(-1, "sold", at=T0 + timedelta(minutes=step), by=ACTOR)
    await add_items(backend, item)
    await add_items(backend, other)
    async with backend.queries() as session:
        first = await session.ledger.movements(MovementQuery(limit=3))
        rest = await session.ledger.movements(MovementQuery(after=first[-1][0], limit=10))
        sold = await session.ledger.movements(MovementQuery(reason="sold", item_id=item.id))
        window = await session.ledger.movements(
            MovementQuery(since=T0 + timedelta(minutes=2), until=T0 + timedelta(minutes=3))
        )
    seen = [movement.id for _, movement in first + rest]
    assert len(seen) == len(set(seen)) == 5
    assert [position for position, _ in first + rest] == sorted(p for p, _ in first + rest)
    assert [m.delta for _, m in first] == [5, -1, -1]
    assert rest[-1][1].item_id == other.id
    assert [m.occurred_at for _, m in sold] == [T0 + timedelta(minutes=s) for s in (1, 2, 3)]
    assert [m.occurred_at for _, m in window] == [T0 + timedelta(minutes=2)]
