"""The location and stock reads of the SQL store (Core statements on a ``ReadSession``)."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import aliased

from adapters.sqlalchemy.location_repository import stocktake_to_domain
from adapters.sqlalchemy.mappers import location_to_domain
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.tables import (
    items,
    location_stock,
    locations,
    movements,
    stocktake_lines,
    stocktakes,
)
from application.ports import LocationQuery, Page
from application.views import LocationView, StockLevelView, TransferView
from domain.items import MovementReason
from domain.locations import LocationCode
from domain.stocktakes import Stocktake
from domain.values import Sku


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlAlchemyLocationQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def _one(self, where: ColumnElement[bool]) -> LocationView | None:
        row = (await self._session.execute(select(locations).where(where))).first()
        return None if row is None else LocationView.of(location_to_domain(row._mapping))

    async def get(self, location_id: UUID) -> LocationView | None:
        return await self._one(locations.c.id == location_id)

    async def get_by_code(self, code: str) -> LocationView | None:
        return await self._one(locations.c.code == code)

    async def list(self, query: LocationQuery) -> Page[LocationView]:
        where: list[ColumnElement[bool]] = []
        if query.roots:
            where.append(locations.c.parent_id.is_(None))
        elif query.parent is not None:
            where.append(locations.c.parent_id == query.parent)
        if query.active is not None:
            where.append(locations.c.active.is_(query.active))
        if query.search:
            needle = f"%{_escaped(query.search.casefold())}%"
            where.append(
                or_(
                    func.lower(locations.c.code).like(needle, escape="\\"),
                    locations.c.name_key.like(needle, escape="\\"),
                )
            )
        rows = await self._session.execute(
            select(locations)
            .where(*where)
            .order_by(locations.c.code)
            .offset(query.offset)
            .limit(query.limit)
        )
        page = [LocationView.of(location_to_domain(row._mapping)) for row in rows]
        total = await self._session.execute(
            select(func.count()).select_from(locations).where(*where)
        )
        return Page(items=page, total=total.scalar_one(), offset=query.offset, limit=query.limit)


_LEVELS = (
    select(
        items.c.id,
        items.c.sku,
        items.c.name,
        location_stock.c.location_id,
        locations.c.code,
        location_stock.c.quantity,
        items.c.reorder_level,
    )
    .select_from(location_stock)
    .join(items, items.c.id == location_stock.c.item_id)
    .join(locations, locations.c.id == location_stock.c.location_id)
    .where(location_stock.c.quantity > 0)
)


def _level(row: Any) -> StockLevelView:
    return StockLevelView(
        item_id=row[0],
        sku=Sku(row[1]),
        name=row[2],
        location_id=row[3],
        location_code=LocationCode(row[4]),
        quantity=row[5],
        reorder_level=row[6],
    )


class SqlAlchemyStockQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def for_item(self, item_id: UUID) -> list[StockLevelView]:
        rows = await self._session.execute(
            _LEVELS.where(location_stock.c.item_id == item_id).order_by(locations.c.code)
        )
        return [_level(row) for row in rows]

    async def for_items(self, item_ids: Sequence[UUID]) -> list[StockLevelView]:
        if not item_ids:
            return []
        rows = await self._session.execute(
            _LEVELS.where(location_stock.c.item_id.in_(list(item_ids))).order_by(
                items.c.sku, locations.c.code
            )
        )
        by_item: dict[UUID, list[StockLevelView]] = {}
        for row in rows:
            level = _level(row)
            by_item.setdefault(level.item_id, []).append(level)
        return [level for item_id in item_ids for level in by_item.get(item_id, [])]

    async def at_location(
        self, location_id: UUID, *, offset: int, limit: int, low_stock: bool | None
    ) -> Page[StockLevelView]:
        query: Select[Any] = _LEVELS.where(location_stock.c.location_id == location_id)
        if low_stock is not None:
            low = location_stock.c.quantity <= items.c.reorder_level
            query = query.where(low if low_stock else ~low)
        rows = await self._session.execute(query.order_by(items.c.sku).offset(offset).limit(limit))
        page = [_level(row) for row in rows]
        total = await self._session.execute(select(func.count()).select_from(query.subquery()))
        return Page(items=page, total=total.scalar_one(), offset=offset, limit=limit)

    async def transfers(
        self, *, item_id: UUID | None, location_id: UUID | None, offset: int, limit: int
    ) -> Page[TransferView]:
        out = aliased(movements, name="outgoing")
        query = (
            select(
                movements.c.transfer_id,
                movements.c.item_id,
                out.c.location_id.label("from_location_id"),
                movements.c.location_id.label("to_location_id"),
                movements.c.delta.label("quantity"),
                movements.c.actor_id,
                movements.c.occurred_at,
                movements.c.note,
                movements.c.reference,
            )
            .select_from(movements)
            .join(
                out,
                and_(
                    out.c.transfer_id == movements.c.transfer_id,
                    out.c.reason == MovementReason.TRANSFER_OUT.value,
                ),
            )
            .where(movements.c.reason == MovementReason.TRANSFER_IN.value)
        )
        if item_id is not None:
            query = query.where(movements.c.item_id == item_id)
        if location_id is not None:
            query = query.where(
                or_(movements.c.location_id == location_id, out.c.location_id == location_id)
            )
        rows = await self._session.execute(
            query.order_by(movements.c.seq.desc()).offset(offset).limit(limit)
        )
        page = [TransferView(**row._mapping) for row in rows]
        total = await self._session.execute(select(func.count()).select_from(query.subquery()))
        return Page(items=page, total=total.scalar_one(), offset=offset, limit=limit)


class SqlAlchemyStocktakeQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def get(self, stocktake_id: UUID) -> Stocktake | None:
        found = await self._session.execute(
            select(stocktakes).where(stocktakes.c.id == stocktake_id)
        )
        row = found.first()
        if row is None:
            return None
        lines = await self._session.execute(
            select(stocktake_lines).where(stocktake_lines.c.stocktake_id == stocktake_id)
        )
        return stocktake_to_domain(row._mapping, [line._mapping for line in lines])
