"""Reads of stock by location: an item's stock per location, a location's items, transfers."""

from uuid import UUID

from application.actors import Actor, acting
from application.commands import ItemKey, LocationKey
from application.ports import Page, QuerySession
from application.use_cases._locations import find_location
from application.use_cases._lookup import check_page, find_item
from application.views import StockLevelView, TransferView
from domain.users import Permission


class GetItemStock:
    """What an item holds at each location (locations where it holds nothing are left out)."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, item: ItemKey) -> list[StockLevelView]:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await find_item(session.items, item)
            return await session.stock.for_item(found.id)


class ListLocationStock:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(
        self,
        actor: Actor,
        location: LocationKey,
        *,
        offset: int = 0,
        limit: int = 20,
        low_stock: bool | None = None,
    ) -> Page[StockLevelView]:
        check_page(offset, limit)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await find_location(session.locations, location)
            return await session.stock.at_location(
                found.id, offset=offset, limit=limit, low_stock=low_stock
            )


class ListTransfers:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(
        self,
        actor: Actor,
        *,
        item: ItemKey | None = None,
        location: LocationKey | None = None,
        offset: int = 0,
        limit: int = 20,
    ) -> Page[TransferView]:
        check_page(offset, limit)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            item_id: UUID | None = None
            location_id: UUID | None = None
            if item is not None:
                item_id = (await find_item(session.items, item)).id
            if location is not None:
                location_id = (await find_location(session.locations, location)).id
            return await session.stock.transfers(
                item_id=item_id, location_id=location_id, offset=offset, limit=limit
            )
