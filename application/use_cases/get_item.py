from application.actors import Actor, acting
from application.commands import ItemKey
from application.ports import QuerySession
from application.use_cases._lookup import find_item
from application.views import ItemView
from domain.users import Permission


class GetItem:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, item: ItemKey) -> ItemView:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            return await find_item(session.items, item)
