"""The ledger at a past instant, and the barrier that makes such a read exact.

Why a barrier: a movement's ``occurred_at`` is read from the clock inside its write transaction,
before the transaction commits. A read "as of T" made while a transaction stamped at or before T
is still open would miss that movement, and the same read made after it committed would count
it: the past would change. So an as-of read first waits for every write transaction open at that
moment (``settle``), and only answers for instants up to the time it started waiting
(``application.use_cases.stock_as_of``). A transaction that opens later reads the clock later.
Once a wait has returned, every instant up to the time taken before it is settled for good; the
``Database`` remembers the latest, and reads of instants up to it skip the wait.

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
from sqlalchemy.dialects import sqlite

from adapters.sqlalchemy.database import Database
from adapters.sqlalchemy.mappers import movement_to_domain
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import items, movements
from application.history import ItemLabel, LocationQuantity, MovementQuery
from domain.items import StockMovement

#: Ids per ``IN (...)`` (SQLite allows 32,766 parameters, PostgreSQL 65,535).
_CHUNK = 1_000
_CENT = Decimal("0.01")
#: The advisory lock key of the ledger (any 64-bit number no one else uses).
LEDGER_LOCK = 2021095  # also in sessions._LEDGER_SHARED


async def settle(database: Database, as_of: datetime, now: datetime) -> None:
    """Returns once every movement stamped at or before ``as_of`` is committed: at once when
    an earlier wait already settled it, otherwise after every write transaction open at the
    call has ended (``QuerySession.settle``)."""
    if database.settled.covers(as_of):
        return
    if database.sqlite is not None:
        session = WriteSession(database)
        await session.open()
        await session.close()
    else:
        async with database.engine.connect() as connection, connection.begin():
            await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({LEDGER_LOCK})")
    database.settled.extend(now)


def _totals(rows: Any) -> dict[UUID, int]:
    return {key: int(total) for key, total in rows}


def _last(column: str, *, at_location: bool) -> str:
    """The item's last movement by the instant (at the joined location): one step backwards
    down ``ix_stock_movements_item_id_[location_id_]occurred_at_seq``."""
    place = " AND m.location_id = s.location_id" if at_location else ""
    return (
        f"(SELECT m.{column} FROM stock_movements m WHERE m.item_id = ?1{place}"  # noqa: S608
        " AND m.occurred_at <= ?2 ORDER BY m.occurred_at DESC, m.seq DESC LIMIT 1)"
    )


#: The item's total by the instant, and at each location it has a stock row for, with the
#: location's code: a row even when it has no stock row (a NULL location then).
_ITEM_AS_OF = (
    f"SELECT t.total, s.location_id, l.code, {_last('held_after', at_location=True)}"  # noqa: S608
    f" FROM (SELECT {_last('quantity_after', at_location=False)} AS total) AS t"
    " LEFT JOIN location_stock s ON s.item_id = ?1"
    " LEFT JOIN locations l ON l.id = s.location_id"
)
#: The slow way, for a ledger whose locations do not add up to its total.
_ITEM_SUMMED = (
    "SELECT m.location_id, l.code, SUM(m.delta) FROM stock_movements m"
    " LEFT JOIN locations l ON l.id = m.location_id"
    " WHERE m.item_id = ?1 AND m.occurred_at <= ?2 GROUP BY m.location_id, l.code"
)


def _dialects(sql: str) -> dict[str, str]:
    return {"sqlite": sql, "postgresql": sql.replace("?1", "$1").replace("?2", "$2")}


_ITEM_AS_OF_SQL, _ITEM_SUMMED_SQL = _dialects(_ITEM_AS_OF), _dialects(_ITEM_SUMMED)
_SQLITE = sqlite.dialect()
#: SQLite keeps times as naive UTC text: an instant is written as the column type writes it.
_SQLITE_INSTANT = movements.c.occurred_at.type.dialect_impl(_SQLITE).bind_processor(_SQLITE)


class SqlAlchemyLedgerQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def item_as_of(self, item_id: UUID, at: datetime) -> list[LocationQuantity]:
        """The item's last movement by ``at`` gives its total; at each location where it holds
        a row, the last movement there gives what it held: one statement of index lookups.
        When those add up to the total (a location deleted since, or rows from before migration
        0007, could make them not), that is the answer; otherwise the ledger is summed."""
        name = self._session.name
        key: Any = item_id
        when: Any = at
        if name == "sqlite":
            assert _SQLITE_INSTANT is not None
            key, when = item_id.hex, _SQLITE_INSTANT(at)
        rows = await self._session.fetch_all(_ITEM_AS_OF_SQL[name], key, when)
        total = rows[0][0] if rows else None
        if total is None:
            return []
        held = [self._place(place, code, n) for _, place, code, n in rows if n is not None]
        if sum(entry.quantity for entry in held) == total:
            return held
        summed = await self._session.fetch_all(_ITEM_SUMMED_SQL[name], key, when)
        return [self._place(place, code, n) for place, code, n in summed]

    @staticmethod
    def _place(place: Any, code: str | None, quantity: Any) -> LocationQuantity:
        location = UUID(place) if isinstance(place, str) else place
        return LocationQuantity(location, code, int(quantity))

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
