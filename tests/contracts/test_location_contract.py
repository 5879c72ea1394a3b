"""Locations, per-location stock and transfers: one contract over memory, SQLite, PostgreSQL."""

from uuid import uuid4

import pytest

from application.ports import LocationQuery
from domain.errors import AlreadyExists
from domain.events import LocationChanged, StockTransferred
from domain.items import Held, MovementReason
from domain.locations import MAIN_LOCATION_ID, Location
from domain.stocktakes import LineStatus, Stocktake, StocktakeLine
from tests.contracts.conftest import Backend, RecordingPublisher
from tests.contracts.test_repository_contract import T0, add_items, make_item


def place(code: str, parent: Location | None = None) -> Location:
    chain = [] if parent is None else [parent.id]
    return Location.create(code=code, name=f"Place {code}", parent_chain=chain, at=T0, by=None)


async def add_locations(backend: Backend, *locations: Location) -> None:
    async with backend.uow() as uow:
        for location in locations:
            await uow.locations.add(location)
        await uow.commit()


async def test_the_default_location_exists(backend: Backend) -> None:
    async with backend.uow() as uow:
        main = await uow.locations.get(MAIN_LOCATION_ID)
    assert main is not None
    assert (main.code.value, main.active) == ("MAIN", True)


async def test_several_locations_are_read_at_once_and_saved_as_read(backend: Backend) -> None:
    shelf, van = place("SHELF"), place("VAN")
    await add_locations(backend, shelf, van)
    absent = uuid4()
    for for_share in (False, True):
        async with backend.uow() as uow:
            found = await uow.locations.get_many(
                [van.id, absent, shelf.id, van.id], for_share=for_share
            )
            assert sorted(found) == sorted([shelf.id, van.id])
            assert (found[van.id].code.value, found[shelf.id].name) == ("VAN", "Place SHELF")
            assert await uow.locations.get_many([]) == {}
            moved = found[van.id]
            moved.changed(moved.rename(code=None, name=f"Van {for_share}"), at=T0, by=None)
            await uow.locations.save(moved)
            await uow.commit()
    async with backend.uow() as uow:
        again = await uow.locations.get(van.id)
    assert again is not None
    assert (again.name, again.version) == ("Van True", van.version + 2)


async def test_locations_read_back_and_codes_are_unique(backend: Backend) -> None:
    warehouse = place("WH")
    aisle = place("WH-1", warehouse)
    published = RecordingPublisher()
    async with backend.uow(publisher=published) as uow:
        await uow.locations.add(warehouse)
        await uow.locations.add(aisle)
        await uow.commit()
    assert [type(event) for event in published.published] == [LocationChanged] * 2
    async with backend.uow() as uow:
        with pytest.raises(AlreadyExists):
            await uow.locations.add(place("WH"))
        found = await uow.locations.get_by_code("WH-1", for_share=True)
        assert found is not None
        assert (found.id, found.parent_id, found.name) == (aisle.id, warehouse.id, "Place WH-1")
        assert await uow.locations.chain(aisle.id) == [aisle.id, warehouse.id]
        assert await uow.locations.subtree_height(warehouse.id) == 2
        assert await uow.locations.has_children(warehouse.id)
        assert not await uow.locations.has_children(aisle.id)
    async with backend.queries() as session:
        page = await session.locations.list(LocationQuery(parent=warehouse.id))
        searched = await session.locations.list(LocationQuery(search="place wh-"))
        roots = await session.locations.list(LocationQuery(roots=True, active=True))
    assert [view.id for view in page.items] == [aisle.id]
    assert [view.code.value for view in searched.items] == ["WH-1"]
    assert [view.code.value for view in roots.items] == ["MAIN", "WH"]


async def test_stock_per_location_and_transfers_read_back(backend: Backend) -> None:
    source, target = place("A"), place("B")
    await add_locations(backend, source, target)
    item = make_item("T-1", quantity=5)
    await add_items(backend, item)
    published = RecordingPublisher()
    async with backend.uow(publisher=published) as uow:
        loaded = await uow.items.get(item.id, for_update=True)
        assert loaded is not None
        assert loaded.stock == {MAIN_LOCATION_ID: Held(5, 1)}
        loaded.adjust(4, "received", at=T0, by=None, location=source)
        loaded.transfer(3, source=source, target=target, transfer_id=uuid4(), at=T0, by=None)
        await uow.items.save(loaded)
        await uow.commit()
    assert isinstance(published.published[-1], StockTransferred)
    async with backend.uow() as uow:
        again = await uow.items.get(item.id)
        assert again is not None
        quantities = {key: held.quantity for key, held in again.stock.items()}
        assert quantities == {MAIN_LOCATION_ID: 5, source.id: 1, target.id: 3}
        assert again.quantity == 9
        for location_id, quantity in quantities.items():
            assert await uow.movements.sum_for_location(item.id, location_id) == quantity
        assert await uow.locations.holds_stock(target.id)
    async with backend.queries() as session:
        levels = await session.stock.for_item(item.id)
        at_target = await session.stock.at_location(target.id, offset=0, limit=10, low_stock=None)
        transfers = await session.stock.transfers(
            item_id=None, location_id=source.id, offset=0, limit=10
        )
        ledger = await session.movements.list_for_item(item.id, offset=0, limit=10)
    assert [(lv.location_code.value, lv.quantity) for lv in levels] == [
        ("A", 1),
        ("B", 3),
        ("MAIN", 5),
    ]
    assert [lv.item_id for lv in at_target.items] == [item.id]
    async with backend.queries() as session:
        many = await session.stock.for_items([uuid4(), item.id])
    assert [(lv.location_code.value, lv.quantity) for lv in many] == [
        ("A", 1),
        ("B", 3),
        ("MAIN", 5),
    ]
    (transfer,) = transfers.items
    assert (transfer.from_location_id, transfer.to_location_id, transfer.quantity) == (
        source.id,
        target.id,
        3,
    )
    reasons = [movement.reason for movement in ledger.items[:2]]
    assert reasons == [MovementReason.TRANSFER_IN, MovementReason.TRANSFER_OUT]


async def test_low_stock_at_a_location_compares_with_the_reorder_level(backend: Backend) -> None:
    low, plenty = make_item("LOW", quantity=2, reorder_level=3), make_item("OK", quantity=9)
    await add_items(backend, low, plenty)
    async with backend.queries() as session:
        lows = await session.stock.at_location(MAIN_LOCATION_ID, offset=0, limit=5, low_stock=True)
        others = await session.stock.at_location(
            MAIN_LOCATION_ID, offset=0, limit=5, low_stock=False
        )
    assert [lv.sku.value for lv in lows.items] == ["LOW"]
    assert ([lv.sku.value for lv in others.items], others.total) == (["OK"], 1)


async def test_an_empty_location_is_deleted_with_its_empty_rows(backend: Backend) -> None:
    bin_ = place("BIN")
    await add_locations(backend, bin_)
    item = make_item("E-1", quantity=1)
    await add_items(backend, item)
    main = Location(id=MAIN_LOCATION_ID, code=bin_.code, name="Main", created_at=T0, updated_at=T0)
    async with backend.uow() as uow:
        loaded = await uow.items.get(item.id, for_update=True)
        assert loaded is not None
        loaded.transfer(1, source=main, target=bin_, transfer_id=uuid4(), at=T0, by=None)
        loaded.transfer(1, source=bin_, target=main, transfer_id=uuid4(), at=T0, by=None)
        await uow.items.save(loaded)
        await uow.commit()
    async with backend.uow() as uow:
        assert not await uow.locations.holds_stock(bin_.id)
        await uow.locations.delete(bin_)
        await uow.commit()
    async with backend.uow() as uow:
        assert await uow.locations.get(bin_.id) is None
        loaded = await uow.items.get(item.id)
        assert loaded is not None
        assert set(loaded.stock) == {MAIN_LOCATION_ID}


async def test_stocktakes_read_back_with_their_lines(backend: Backend) -> None:
    item = make_item("S-1", quantity=4)
    await add_items(backend, item)
    async with backend.uow() as uow:
        held = await uow.stocktakes.held_at(MAIN_LOCATION_ID)
        assert held == [(item.id, 4, 1)]
        take = Stocktake.open(
            [StocktakeLine(item.id, MAIN_LOCATION_ID, expected=4, version=1)],
            location_id=MAIN_LOCATION_ID,
            at=T0,
            by=None,
        )
        await uow.stocktakes.add(take)
        await uow.commit()
    async with backend.uow() as uow:
        found = await uow.stocktakes.get(take.id, for_update=True)
        assert found is not None
        found.count((item.id, MAIN_LOCATION_ID), 6, at=T0)
        found.commit(set(), skip_conflicts=False, at=T0)
        await uow.stocktakes.save(found)
        await uow.commit()
    async with backend.uow() as uow:
        done = await uow.stocktakes.get(take.id)
    assert done is not None
    (line,) = done.lines.values()
    assert (line.counted, line.difference, line.status) == (6, 2, LineStatus.APPLIED)
    assert done.committed_at == T0
