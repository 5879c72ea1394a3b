from application.commands import ItemKey
from application.ports import UnitOfWork
from application.use_cases._lookup import load_item
from domain.items import Item
from domain.users import Permission, Principal


class GetItem:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, actor: Principal, item: ItemKey) -> Item:
        actor.require(Permission.READ_ITEMS)
        async with self.uow:
            return await load_item(self.uow, item)
