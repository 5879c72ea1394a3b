"""Locations and stocktakes over ``InMemoryStore``, staged in the unit of work like items."""

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING
from uuid import UUID

from domain.errors import AlreadyExists, VersionMismatch
from domain.locations import Location
from domain.stocktakes import Stocktake

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork


def copy_location(location: Location) -> Location:
    return replace(location, events=[])


def copy_stocktake(stocktake: Stocktake) -> Stocktake:
    return replace(stocktake, lines=dict(stocktake.lines))


class InMemoryLocationRepository:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow
        self._read: dict[int, int] = {}

    def _current(self) -> dict[UUID, Location]:
        return self._uow.view_locations()

    def _handed(self, found: Location | None) -> Location | None:
        if found is None:
            return None
        location = copy_location(found)
        self._read[id(location)] = location.version
        return location

    async def add(self, location: Location) -> None:
        if any(other.code == location.code for other in self._current().values()):
            raise AlreadyExists("location", "code", location.code)
        if location.id in self._current():
            raise AlreadyExists("location", "id", location.id)
        self._uow.stage_location(location)

    async def get(
        self, location_id: UUID, *, for_update: bool = False, for_share: bool = False
    ) -> Location | None:
        return self._handed(self._current().get(location_id))

    async def get_by_code(
        self, code: str, *, for_update: bool = False, for_share: bool = False
    ) -> Location | None:
        found = next((loc for loc in self._current().values() if loc.code.value == code), None)
        return self._handed(found)

    async def get_many(
        self, location_ids: Sequence[UUID], *, for_share: bool = False
    ) -> dict[UUID, Location]:
        current = self._current()
        found = {}
        for location_id in sorted(set(location_ids)):
            location = self._handed(current.get(location_id))
            if location is not None:
                found[location_id] = location
        return found

    async def save(self, location: Location) -> None:
        current = self._current().get(location.id)
        read = self._read.get(id(location))
        if current is not None and read is not None and current.version != read:
            raise VersionMismatch("location", expected=read, actual=current.version)
        if any(
            other.code == location.code and other.id != location.id
            for other in self._current().values()
        ):
            raise AlreadyExists("location", "code", location.code)
        self._uow.stage_location(location)
        self._read[id(location)] = location.version

    async def delete(self, location: Location) -> None:
        """With the empty stock entries items keep for it."""
        for item in self._uow.view_items().values():
            if location.id in item.stock:
                emptied = replace(item, stock=dict(item.stock), events=[], new_movements=[])
                del emptied.stock[location.id]
                self._uow.stage_item(emptied)
        self._uow.stage_location_deletion(location)

    async def chain(self, location_id: UUID) -> list[UUID]:
        current = self._current()
        chain: list[UUID] = []
        step: UUID | None = location_id
        while step is not None and step in current and step not in chain:
            chain.append(step)
            step = current[step].parent_id
        return chain

    async def subtree_height(self, location_id: UUID) -> int:
        current = self._current()
        level, height = {location_id}, 0
        while level:
            height += 1
            level = {loc.id for loc in current.values() if loc.parent_id in level}
        return height

    async def has_children(self, location_id: UUID) -> bool:
        return any(loc.parent_id == location_id for loc in self._current().values())

    async def holds_stock(self, location_id: UUID) -> bool:
        return any(item.quantity_at(location_id) > 0 for item in self._uow.view_items().values())


class InMemoryStocktakeRepository:
    def __init__(self, uow: "InMemoryUnitOfWork") -> None:
        self._uow = uow

    async def add(self, stocktake: Stocktake) -> None:
        self._uow.stage_stocktake(stocktake)

    async def get(self, stocktake_id: UUID, *, for_update: bool = False) -> Stocktake | None:
        found = self._uow.view_stocktakes().get(stocktake_id)
        return None if found is None else copy_stocktake(found)

    async def save(self, stocktake: Stocktake) -> None:
        self._uow.stage_stocktake(stocktake)

    async def held_at(self, location_id: UUID) -> list[tuple[UUID, int, int]]:
        found = []
        for item in self._uow.view_items().values():
            held = item.stock.get(location_id)
            if held is not None and held.quantity > 0:
                found.append((item.id, held.quantity, held.version))
        return sorted(found, key=lambda row: str(row[0]))
