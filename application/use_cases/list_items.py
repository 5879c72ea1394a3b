from dataclasses import replace

from application.actors import Actor, acting
from application.ports import Clock, ItemQuery, ItemSort, Page, QuerySession
from application.use_cases._holds import live_holds
from application.use_cases._lookup import check_page
from application.views import ItemView
from domain.errors import InvalidValue
from domain.users import Permission
from domain.values import optional_text


class ListItems:
    """A page of items with the total count, optionally searched, filtered and sorted; what
    is held and available counts the live holds only (as ``available_below_reorder`` does)."""

    def __init__(self, queries: QuerySession, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    async def execute(self, actor: Actor, query: ItemQuery) -> Page[ItemView]:
        check_page(query.offset, query.limit)
        try:
            sort = ItemSort(query.sort)
        except ValueError:
            choices = ", ".join(s.value for s in ItemSort)
            raise InvalidValue("sort", f"must be one of {choices}") from None
        search = optional_text("q", query.search, max_length=200)
        now = self.clock.now()
        normalised = ItemQuery(
            offset=query.offset,
            limit=query.limit,
            search=search,
            low_stock=query.low_stock,
            sort=sort,
            available_below_reorder=query.available_below_reorder,
            now=now,
            archived=query.archived is True,
        )
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            page = await session.items.list(normalised)
            views = await live_holds(session, page.items, now=now)
        return replace(page, items=views)
