from application.actors import Actor, acting
from application.ports import Clock, QuerySession
from application.use_cases._holds import live_holds
from application.views import ItemView
from domain.errors import NotFound
from domain.users import Permission
from domain.values import Sku


class GetItemBySku:
    """Exact lookup by SKU, for scanners and integrations: the code is read as the domain stores
    it (trimmed, upper-cased), and only as a SKU, never as an id (``GetItem`` tries both)."""

    def __init__(self, queries: QuerySession, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    async def execute(self, actor: Actor, sku: str) -> ItemView:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            code = Sku.parse(sku)
            found = await session.items.get_by_sku(code.value)
            if found is None:
                raise NotFound("item", code.value)
            (live,) = await live_holds(session, [found], now=self.clock.now())
        return live
