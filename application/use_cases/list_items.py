from application.ports import ItemQuery, ItemSort, Page, UnitOfWork
from application.use_cases._lookup import check_page
from domain.errors import InvalidValue
from domain.items import Item
from domain.users import Permission, Principal
from domain.values import optional_text


class ListItems:
    """A page of items with the total count, optionally searched, filtered and sorted."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, actor: Principal, query: ItemQuery) -> Page[Item]:
        actor.require(Permission.READ_ITEMS)
        check_page(query.offset, query.limit)
        try:
            sort = ItemSort(query.sort)
        except ValueError:
            choices = ", ".join(s.value for s in ItemSort)
            raise InvalidValue("sort", f"must be one of {choices}") from None
        search = optional_text("q", query.search, max_length=200)
        normalised = ItemQuery(
            offset=query.offset,
            limit=query.limit,
            search=search,
            low_stock=query.low_stock,
            sort=sort,
        )
        async with self.uow:
            return await self.uow.items.list(normalised)
