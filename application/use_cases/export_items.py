from application.ports import ItemQuery, ItemSort, UnitOfWork
from domain.items import Item
from domain.users import Permission, Principal

EXPORT_PAGE_SIZE = 1_000


class ExportItems:
    """Every item in SKU order, read in one transaction so an export is a consistent snapshot
    (paging through ``ListItems`` could skip or repeat items that change in between)."""

    def __init__(self, uow: UnitOfWork, page_size: int = EXPORT_PAGE_SIZE) -> None:
        self.uow = uow
        self.page_size = page_size

    async def execute(self, actor: Principal) -> list[Item]:
        actor.require(Permission.READ_ITEMS)
        items: list[Item] = []
        async with self.uow:
            while True:
                query = ItemQuery(offset=len(items), limit=self.page_size, sort=ItemSort.SKU)
                page = await self.uow.items.list(query)
                items.extend(page.items)
                if not page.items or len(items) >= page.total:
                    return items
