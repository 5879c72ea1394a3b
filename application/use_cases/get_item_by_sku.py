from application.actors import Actor, acting
from application.ports import QuerySession
from application.views import ItemView
from domain.errors import NotFound
from domain.users import Permission
from domain.values import Sku


class GetItemBySku:
    """Exact lookup by SKU, for scanners and integrations: the code is read as the domain stores
    it (trimmed, upper-cased), and only as a SKU, never as an id (``GetItem`` tries both)."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, sku: str) -> ItemView:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            code = Sku.parse(sku)
            found = await session.items.get_by_sku(code.value)
        if found is None:
            raise NotFound("item", code.value)
        return found
