"""The outbox on SQLAlchemy: written by units of work, positioned and read by the relay.

A unit of work writes its events in one statement just before its ``COMMIT`` (``write_outbox``).

On PostgreSQL the relay's leader positions committed rows in a short transaction of its own: it
reads the highest position, then numbers the oldest unpositioned rows after it in ``seq`` order
(``row_number()``, so the numbering does not depend on the order an UPDATE visits rows). Rows of
transactions still open are invisible to it and are numbered by a later round, after everything
it numbered before: a reader that follows positions never has an event appear behind it. A
transaction-level advisory lock keeps two relays (a leader being replaced) from numbering at
once.

On SQLite writers never overlap (a writer holds the database write lock from its first
statement to its ``COMMIT``), so the order of commits is known while a transaction writes: its
rows take the positions after the highest one there and then. That is the order the relay
would have given them, without its transaction (a ``COMMIT`` and a flush of its own, up to
twenty a second) and without each row's second write. A row a store wrote unpositioned before
this (an older version) still gets its position from the relay, after everything positioned.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.bulk_insert import DriverInsert
from adapters.sqlalchemy.database import Database
from adapters.sqlalchemy.driver_statements import DriverStatement
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import event_cursors, events
from application.outbox import INTERNAL_TYPES, EventQuery, OutboxEntry, StoredEvent

#: The advisory lock (transaction-level) around numbering; any constant unique to this use.
SEQUENCE_LOCK = 0x1E7E_0016

_INSERT = insert(events)
_INSERT_MANY_PG = _INSERT.returning(events.c.seq)  # multi-row INSERTs ("insertmanyvalues")
_BULK = DriverInsert(events)
_COLUMNS = (
    events.c.position,
    events.c.event_id,
    events.c.type,
    events.c.aggregate_id,
    events.c.aggregate_version,
    events.c.occurred_at,
    events.c.actor_id,
    events.c.payload,
)
_TOP = select(func.coalesce(func.max(events.c.position), 0).label("top"))
_PENDING = (
    select(events.c.seq, func.row_number().over(order_by=events.c.seq).label("n"))
    .where(events.c.position.is_(None))
    .order_by(events.c.seq)
    .limit(bindparam("limit"))
    .subquery("pending")
)
_NUMBER = (
    update(events)
    .where(events.c.seq == _PENDING.c.seq)
    .values(position=bindparam("top", type_=events.c.position.type) + _PENDING.c.n)
)
#: The relay's two statements, on SQLite straight to the driver (``driver_statements.py``).
_DRIVER_TOP = DriverStatement(_TOP)
_DRIVER_NUMBER = DriverStatement(_NUMBER)
_ANY_PENDING = select(events.c.seq).where(events.c.position.is_(None)).limit(1)
_COUNT_PENDING = select(func.count()).select_from(events).where(events.c.position.is_(None))
_CURSOR = select(event_cursors.c.position).where(event_cursors.c.name == bindparam("name"))
_UPSERT_CURSOR = {
    name: dialect.insert(event_cursors)
    .values(name=bindparam("name"), position=bindparam("position"))
    .on_conflict_do_update(
        index_elements=[event_cursors.c.name],
        set_={"position": bindparam("position")},
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _row(entry: OutboxEntry) -> dict[str, Any]:
    return {
        "event_id": entry.event_id,
        "type": entry.type,
        "aggregate_id": entry.aggregate_id,
        "aggregate_version": entry.aggregate_version,
        "occurred_at": entry.occurred_at,
        "actor_id": entry.actor_id,
        "payload": entry.payload,
    }


OutboxWriter = Callable[[WriteSession, Sequence[OutboxEntry]], Awaitable[None]]


async def write_outbox(session: WriteSession, entries: Sequence[OutboxEntry]) -> None:
    """All of one transaction's events in one statement (a few for a big bulk import). On
    SQLite straight to the driver, with the statement compiled once (``bulk_insert.py``): it is
    on every write's path, and SQLAlchemy's per-call bookkeeping cost more than SQLite's work."""
    if not entries:
        return
    rows = [_row(entry) for entry in entries]
    if session.name == "sqlite":
        # This writer holds the write lock: the positions after the highest are its own.
        (highest,) = await session.rows(_DRIVER_TOP, {})
        for offset, row in enumerate(rows, start=highest["top"] + 1):
            row["position"] = offset
        for sql, values in _BULK.statements(session.dialect, rows):
            await session.execute_driver(sql, (values,))
    elif len(rows) == 1:
        await session.execute(_INSERT, rows[0])
    else:
        await session.execute(_INSERT_MANY_PG, rows)


def _stored(row: Mapping[Any, Any]) -> StoredEvent:
    return StoredEvent(
        position=row["position"],
        event_id=row["event_id"],
        type=row["type"],
        aggregate_id=row["aggregate_id"],
        aggregate_version=row["aggregate_version"],
        occurred_at=row["occurred_at"],
        actor_id=row["actor_id"],
        payload=row["payload"],
    )


class SqlAlchemyEventLog:
    """``EventLog`` on the primary database, even with a read replica (the relay must see every
    commit at once): each call is its own short transaction or read."""

    def __init__(self, database: Database) -> None:
        self._database = database
        #: On SQLite, the highest position ``sequence`` has reported (see ``sequence``).
        self._announced = 0

    async def _write(self, statements: Sequence[tuple[Any, dict[str, Any] | None]]) -> list[Any]:
        session = WriteSession(self._database)
        await session.open()
        try:
            results = []
            for statement, parameters in statements:
                result = await session.execute(statement, parameters)
                results.append(result.all() if result.returns_rows else result.rowcount)
            await session.commit()
            return results
        finally:
            await session.close()

    async def sequence(self, limit: int) -> int:
        numbered = await self._number(limit) if await self._scalar(_ANY_PENDING) else 0
        if self._database.name != "sqlite":
            return numbered
        # Rows positioned as they were written: those committed since the last call.
        top = await self.last_position()
        fresh, self._announced = top - self._announced, top
        return fresh

    async def _number(self, limit: int) -> int:
        """Positions up to ``limit`` committed, unpositioned rows; returns how many."""
        session = WriteSession(self._database)
        await session.open()
        try:
            if session.name == "postgresql":
                await session.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": SEQUENCE_LOCK}
                )
            (highest,) = await session.rows(_DRIVER_TOP, {})
            numbered = await session.run(_DRIVER_NUMBER, {"top": highest["top"], "limit": limit})
            await session.commit()
        finally:
            await session.close()
        return numbered

    async def read(self, query: EventQuery) -> list[StoredEvent]:
        statement = (
            select(*_COLUMNS)
            .where(events.c.position > query.after)
            .order_by(events.c.position)
            .limit(query.limit)
        )
        if not query.include_internal:
            statement = statement.where(events.c.type.not_in(sorted(INTERNAL_TYPES)))
        if query.types:
            statement = statement.where(events.c.type.in_(sorted(query.types)))
        if query.item_id is not None:
            statement = statement.where(events.c.aggregate_id == query.item_id)
        session = ReadSession(self._database, primary=True)
        try:
            rows = (await session.execute(statement)).all()
        finally:
            await session.close()
        return [_stored(row._mapping) for row in rows]

    async def last_position(self) -> int:
        return int(await self._scalar(_TOP))

    async def pending(self) -> int:
        return int(await self._scalar(_COUNT_PENDING))

    async def _scalar(self, statement: Any, parameters: dict[str, Any] | None = None) -> Any:
        session = ReadSession(self._database, primary=True)
        try:
            return (await session.execute(statement, parameters)).scalar()
        finally:
            await session.close()

    async def prune(self, before: datetime, *, up_to: int) -> int:
        top = await self.last_position()
        statement = delete(events).where(
            events.c.position.is_not(None),
            events.c.position < top,
            events.c.position <= up_to,
            events.c.occurred_at < before,
        )
        (removed,) = await self._write([(statement, None)])
        return int(removed)

    async def cursor(self, name: str) -> int:
        found = await self._scalar(_CURSOR, {"name": name})
        return int(found) if found is not None else 0

    async def save_cursor(self, name: str, position: int) -> None:
        upsert = _UPSERT_CURSOR[self._database.name]
        await self._write([(upsert, {"name": name, "position": position})])
