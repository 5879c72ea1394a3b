from application.commands import ItemKey
from application.ports import Page, UnitOfWork
from application.use_cases._lookup import check_page, load_item
from domain.items import StockMovement
from domain.users import Permission, Principal


class ListMovements:
    """An item's ledger, newest first."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(
        self, actor: Principal, item: ItemKey, *, offset: int = 0, limit: int = 20
    ) -> Page[StockMovement]:
        actor.require(Permission.READ_ITEMS)
        check_page(offset, limit)
        async with self.uow:
            found = await load_item(self.uow, item)
            return await self.uow.movements.list_for_item(found.id, offset=offset, limit=limit)
