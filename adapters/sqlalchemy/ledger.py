"""The ledger at a past instant, and the barrier that makes such a read exact.

Why a barrier: a movement's ``occurred_at`` is read from the clock inside its write transaction,
before the transaction commits. A read "as of T" made while a transaction stamped at or before T
is still open would miss that movement, and the same read made after it committed would count
it: the past would change. So an as-of read first waits for every write transaction open at that
moment (``settle``), and only answers for instants up to the time it started waiting
(``application.use_cases.stock_as_of``). A transaction that opens later reads the clock later.

* SQLite: writers hold the database's write lock (``BEGIN IMMEDIATE``) from the start of their
  transaction; waiting for it and letting go is the barrier.
* PostgreSQL: every write transaction takes a shared transaction-level advisory lock when it
  opens (``sessions.WriteSession``); the barrier takes the same lock exclusively for a moment.
"""

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import func, select

from adapters.sqlalchemy.database import Database
from adapters.sqlalchemy.mappers import movement_to_domain
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import items, location_stock, movements
from application.history import ItemLabel, MovementQuery
from domain.items import StockMovement

#: Ids per ``IN (...)`` (SQLite allows 32,766 parameters, PostgreSQL 65,535).
_CHUNK = 1_000
_CENT = Decimal("0.01")
#: The advisory lock key of the ledger (any 64-bit number no one else uses).
LEDGER_LOCK = 2021095  # also in sessions._LEDGER_SHARED


async def settle(database: Database) -> None:
    """Returns once every write transaction open at the call has ended."""
    if database.sqlite is not None:
        session = WriteSession(database)
        await session.open()
        await session.close()
        return
    async with database.engine.connect() as connection, connection.begin():
        await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LEDGER_LOCK})")


def _totals(rows: Any) -> dict[UUID, int]:
    return {key: int(total) for key, total in rows}


class SqlAlchemyLedgerQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def item_as_of(self, item_id: UUID, at: datetime) -> dict[UUID, int]:
        """The item's last movement by ``at`` gives its total; at each location where it holds
        a row, the last movement there gives what it held. When those add up to the total (a
        location deleted since, or rows from before migration 0007, could make them not), that
        is the answer, in a few index lookups; otherwise the ledger is summed."""
        c = movements.c
        total = (
            await self._session.execute(
                select(c.quantity_after)
                .where(c.item_id == item_id, c.occurred_at <= at)
                .order_by(c.occurred_at.desc(), c.seq.desc())
                .limit(1)
            )
        ).scalar()
        if total is None:
            return {}
        places = await self._session.execute(
            select(location_stock.c.location_id).where(location_stock.c.item_id == item_id)
        )
        held: dict[UUID, int] = {}
        for location_id in places.scalars():
            found = (
                await self._session.execute(
                    select(c.held_after)
                    .where(c.item_id == item_id, c.location_id == location_id, c.occurred_at <= at)
                    .order_by(c.occurred_at.desc(), c.seq.desc())
                    .limit(1)
                )
            ).scalar()
            if found is not None:
                held[location_id] = int(found)
        if sum(held.values()) == total:
            return held
        rows = await self._session.execute(
            select(c.location_id, func.sum(c.delta))
            .where(c.item_id == item_id, c.occurred_at <= at)
            .group_by(c.location_id)
        )
        return _totals(rows)

    async def totals_as_of(self, at: datetime) -> dict[UUID, int]:
        rows = await self._session.execute(
            select(movements.c.item_id, func.sum(movements.c.delta))
            .where(movements.c.occurred_at <= at)
            .group_by(movements.c.item_id)
        )
        return _totals(rows)

    async def describe(self, item_ids: Sequence[UUID]) -> dict[UUID, ItemLabel]:
        found: dict[UUID, ItemLabel] = {}
        ids = list(item_ids)
        for start in range(0, len(ids), _CHUNK):
            rows = await self._session.execute(
                select(items.c.id, items.c.sku, items.c.name, items.c.unit_price).where(
                    items.c.id.in_(ids[start : start + _CHUNK])
                )
            )
            for row in rows:
                price = Decimal(str(row.unit_price)).quantize(_CENT)
                found[row.id] = ItemLabel(row.sku, row.name, price)
        return found

    async def movements(self, query: MovementQuery) -> list[tuple[int, StockMovement]]:
        c = movements.c
        where: list[Any] = [c.seq > query.after]
        if query.item_id is not None:
            where.append(c.item_id == query.item_id)
        if query.reason is not None:
            where.append(c.reason == query.reason)
        if query.since is not None:
            where.append(c.occurred_at >= query.since)
        if query.until is not None:
            where.append(c.occurred_at < query.until)
        rows = await self._session.execute(
            select(movements).where(*where).order_by(c.seq).limit(query.limit)
        )
        return [(row.seq, movement_to_domain(row._mapping)) for row in rows]
