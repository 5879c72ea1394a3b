from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from application.actors import Actor, acting
from application.ports import ItemQuery, ItemSort, QuerySession
from application.views import ItemView, StockLevelView
from domain.users import Permission

EXPORT_PAGE_SIZE = 1_000


class ExportItems:
    """Every item in SKU order, read in one snapshot session so an export is consistent
    (paging through ``ListItems`` could skip or repeat items that change in between)."""

    def __init__(
        self, snapshot: Callable[[], QuerySession], page_size: int = EXPORT_PAGE_SIZE
    ) -> None:
        self.snapshot = snapshot
        self.page_size = page_size

    async def execute(
        self, actor: Actor, *, progress: Callable[[int, int], None] | None = None
    ) -> list[ItemView]:
        """``progress(read, total)`` is called after each page, for a progress bar."""
        items: list[ItemView] = []
        async with self.snapshot() as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            while True:
                query = ItemQuery(offset=len(items), limit=self.page_size, sort=ItemSort.SKU)
                page = await session.items.list(query)
                items.extend(page.items)
                if progress is not None:
                    progress(len(items), page.total)
                if not page.items or len(items) >= page.total:
                    return items


@dataclass(frozen=True, slots=True)
class ExportedStock:
    """An item with what it holds at each location (none: it holds nothing anywhere)."""

    item: ItemView
    levels: tuple[StockLevelView, ...]


class ExportStockByLocation:
    """``ExportItems`` with each item's stock per location, from the same snapshot."""

    def __init__(
        self, snapshot: Callable[[], QuerySession], page_size: int = EXPORT_PAGE_SIZE
    ) -> None:
        self.snapshot = snapshot
        self.page_size = page_size

    async def execute(
        self, actor: Actor, *, progress: Callable[[int, int], None] | None = None
    ) -> list[ExportedStock]:
        """``progress(read, total)`` as in ``ExportItems``."""
        found: list[ExportedStock] = []
        async with self.snapshot() as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.READ_ITEMS)
            while True:
                query = ItemQuery(offset=len(found), limit=self.page_size, sort=ItemSort.SKU)
                page = await session.items.list(query)
                held: dict[UUID, list[StockLevelView]] = {}
                for level in await session.stock.for_items([item.id for item in page.items]):
                    held.setdefault(level.item_id, []).append(level)
                found.extend(
                    ExportedStock(item, tuple(held.get(item.id, ()))) for item in page.items
                )
                if progress is not None:
                    progress(len(found), page.total)
                if not page.items or len(found) >= page.total:
                    return found
