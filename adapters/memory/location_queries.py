"""The location and stock reads over ``InMemoryStore``'s committed state."""

from collections.abc import Sequence
from uuid import UUID

from adapters.memory.location_repositories import copy_stocktake
from adapters.memory.store import InMemoryStore
from application.ports import LocationQuery, Page
from application.views import LocationView, StockLevelView, TransferView
from domain.items import Item, MovementReason
from domain.stocktakes import Stocktake


class InMemoryLocationQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, location_id: UUID) -> LocationView | None:
        found = self._store.locations.get(location_id)
        return None if found is None else LocationView.of(found)

    async def get_by_code(self, code: str) -> LocationView | None:
        for location in self._store.locations.values():
            if location.code.value == code:
                return LocationView.of(location)
        return None

    async def list(self, query: LocationQuery) -> Page[LocationView]:
        found = list(self._store.locations.values())
        if query.roots:
            found = [loc for loc in found if loc.parent_id is None]
        elif query.parent is not None:
            found = [loc for loc in found if loc.parent_id == query.parent]
        if query.active is not None:
            found = [loc for loc in found if loc.active == query.active]
        if query.search:
            needle = query.search.casefold()
            found = [
                loc
                for loc in found
                if needle in loc.code.value.casefold() or needle in loc.name.casefold()
            ]
        found.sort(key=lambda loc: loc.code.value)
        window = found[query.offset : query.offset + query.limit]
        return Page(
            items=[LocationView.of(loc) for loc in window],
            total=len(found),
            offset=query.offset,
            limit=query.limit,
        )


class InMemoryStockQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def _level(self, item: Item, location_id: UUID) -> StockLevelView | None:
        location = self._store.locations.get(location_id)
        held = item.quantity_at(location_id)
        if location is None or held <= 0:
            return None
        return StockLevelView(
            item_id=item.id,
            sku=item.sku,
            name=item.name,
            location_id=location_id,
            location_code=location.code,
            quantity=held,
            reorder_level=item.reorder_level,
        )

    async def for_item(self, item_id: UUID) -> list[StockLevelView]:
        item = self._store.items.get(item_id)
        if item is None:
            return []
        levels = [self._level(item, location_id) for location_id in item.stock]
        return sorted(
            (level for level in levels if level is not None),
            key=lambda level: level.location_code.value,
        )

    async def for_items(self, item_ids: Sequence[UUID]) -> list[StockLevelView]:
        return [level for item_id in item_ids for level in await self.for_item(item_id)]

    async def at_location(
        self, location_id: UUID, *, offset: int, limit: int, low_stock: bool | None
    ) -> Page[StockLevelView]:
        levels = [
            level
            for item in self._store.items.values()
            if (level := self._level(item, location_id)) is not None
            and (low_stock is None or level.low_stock == low_stock)
        ]
        levels.sort(key=lambda level: level.sku.value)
        return Page(
            items=levels[offset : offset + limit], total=len(levels), offset=offset, limit=limit
        )

    async def transfers(
        self, *, item_id: UUID | None, location_id: UUID | None, offset: int, limit: int
    ) -> Page[TransferView]:
        found: list[TransferView] = []
        ledgers = (
            [self._store.movements.get(item_id, [])]
            if item_id is not None
            else list(self._store.movements.values())
        )
        for ledger in ledgers:
            outs = {m.transfer_id: m for m in ledger if m.reason is MovementReason.TRANSFER_OUT}
            for incoming in ledger:
                if incoming.reason is not MovementReason.TRANSFER_IN:
                    continue
                out = outs[incoming.transfer_id]
                if location_id is not None and location_id not in (
                    out.location_id,
                    incoming.location_id,
                ):
                    continue
                assert incoming.transfer_id is not None
                found.append(
                    TransferView(
                        transfer_id=incoming.transfer_id,
                        item_id=incoming.item_id,
                        from_location_id=out.location_id,
                        to_location_id=incoming.location_id,
                        quantity=incoming.delta,
                        actor_id=incoming.actor_id,
                        occurred_at=incoming.occurred_at,
                        note=incoming.note,
                        reference=incoming.reference,
                    )
                )
        found.sort(key=lambda t: (t.occurred_at, str(t.transfer_id)), reverse=True)
        return Page(
            items=found[offset : offset + limit], total=len(found), offset=offset, limit=limit
        )


class InMemoryStocktakeQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def get(self, stocktake_id: UUID) -> Stocktake | None:
        found = self._store.stocktakes.get(stocktake_id)
        return None if found is None else copy_stocktake(found)
