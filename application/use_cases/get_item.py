from application.actors import Actor, acting
from application.commands import ItemKey
from application.ports import Clock, QuerySession
from application.use_cases._holds import live_holds
from application.use_cases._lookup import find_item
from application.views import ItemView
from domain.users import Permission


class GetItem:
    """An item by id or SKU, with what its live holds hold (an expired one counts no more,
    even before the sweeper ran)."""

    def __init__(self, queries: QuerySession, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    async def execute(self, actor: Actor, item: ItemKey) -> ItemView:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            found = await find_item(session.items, item)
            (live,) = await live_holds(session, [found], now=self.clock.now())
            return live
