"""The steps of a stocktake, shared by the REST session use cases and the CLI's one-shot run."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from application.commands import ItemKey, LineCount, LocationKey
from application.ports import UnitOfWork
from application.use_cases._holds import expire_overdue
from application.use_cases._locations import load_location
from application.use_cases._lookup import load_item
from domain.errors import InvalidValue
from domain.items import Held, Item, StockMovement
from domain.stocktakes import LineKey, Stocktake, StocktakeLine


@dataclass(frozen=True, slots=True)
class StocktakeReport:
    """A stocktake with its lines (expected, counted, difference, status) and the ``count``
    movements its commit recorded (none before the commit, or on a dry run)."""

    stocktake: Stocktake
    movements: tuple[StockMovement, ...] = ()
    #: Lines whose stock changed since they joined the stocktake (on a refused commit, too).
    conflicts: frozenset[LineKey] = frozenset()
    committed: bool = False


async def held_lines(uow: UnitOfWork, location_id: UUID) -> list[StocktakeLine]:
    """A line for every item with stock at the location, expecting what it holds now."""
    return [
        StocktakeLine(item_id, location_id, expected=quantity, version=version)
        for item_id, quantity, version in await uow.stocktakes.held_at(location_id)
    ]


async def line_for(uow: UnitOfWork, item_key: ItemKey, location_key: LocationKey) -> StocktakeLine:
    location = await load_location(uow, location_key)
    item = await load_item(uow, item_key)
    held = item.stock.get(location.id, Held(0))
    return StocktakeLine(item.id, location.id, expected=held.quantity, version=held.version)


async def count_lines(
    uow: UnitOfWork, stocktake: Stocktake, counts: Sequence[LineCount], at: datetime
) -> None:
    """Record counts; an (item, location) not in the stocktake yet joins it first. A count
    that names no location is at the stocktake's, or at the item's only line."""
    for count in counts:
        where = count.location if count.location is not None else stocktake.location_id
        if where is None:
            item_id = (await load_item(uow, count.item)).id
            places = [
                line.location_id for line in stocktake.lines.values() if line.item_id == item_id
            ]
            if len(places) != 1:
                raise InvalidValue("location_id", "name the location of this item's count")
            where = places[0]
        line = await line_for(uow, count.item, where)
        stocktake.add_line(line)
        stocktake.count(line.key, count.counted, at=at)


async def settle(
    uow: UnitOfWork, stocktake: Stocktake, *, skip_conflicts: bool, at: datetime, by: UUID | None
) -> StocktakeReport:
    """Commit the stocktake in this unit of work: counted items are loaded for update in id
    order (no deadlock between two stocktakes), conflicts found by stock version, and each
    applied line's difference recorded as a ``count`` movement. Nothing is saved here when the
    conflicts are refused (the caller's unit of work rolls back)."""
    counted = stocktake.counted_lines()
    items: dict[UUID, Item] = {}
    for item_id in sorted({line.item_id for line in counted}):
        items[item_id] = await load_item(uow, item_id, for_update=True)
    versions = {
        line.key: items[line.item_id].stock.get(line.location_id, Held(0)).version
        for line in counted
    }
    conflicts = frozenset(stocktake.conflicts(versions))
    applied = stocktake.commit(conflicts, skip_conflicts=skip_conflicts, at=at)
    movements: list[StockMovement] = []
    expired: set[UUID] = set()
    for location_id in sorted({line.location_id for line in applied}):
        location = await load_location(uow, location_id, for_share=True)
        for line in (line for line in applied if line.location_id == location_id):
            assert line.counted is not None
            note = f"stocktake {stocktake.id}"
            held = await expire_overdue(uow, items[line.item_id], now=at)
            expired.update(line.item_id for _ in held)
            moved = items[line.item_id].count(
                line.counted, at=at, by=by, note=note, location=location
            )
            if moved is not None:
                movements.append(moved)
    for item in items.values():
        if item.new_movements or item.id in expired:
            await uow.items.save(item)
    return StocktakeReport(stocktake, tuple(movements), conflicts, committed=True)
