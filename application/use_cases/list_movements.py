from application.actors import Actor, acting
from application.commands import ItemKey
from application.ports import Page, QuerySession
from application.use_cases._lookup import check_page, find_item
from domain.items import StockMovement
from domain.users import Permission


class ListMovements:
    """An item's ledger, newest first."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(
        self, actor: Actor, item: ItemKey, *, offset: int = 0, limit: int = 20
    ) -> Page[StockMovement]:
        check_page(offset, limit)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await find_item(session.items, item)
            return await session.movements.list_for_item(found.id, offset=offset, limit=limit)
