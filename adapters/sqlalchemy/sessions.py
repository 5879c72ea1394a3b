"""Sessions: how a unit of work and a query session hold their one connection.

``WriteSession`` is a unit of work's transaction: on PostgreSQL a pooled asyncpg connection with
``BEGIN`` … ``COMMIT``; on a SQLite file a writer connection that took the database write lock
(``BEGIN IMMEDIATE``, see ``sqlite.py``) after queueing behind this process's other writers.

``ReadSession`` (``read_session.py``) is a query session.

A PostgreSQL connection lost under a session (``disconnects.py``) is dropped from the pool and
never used again. A ``ReadSession`` then runs the read once more on a fresh connection (unless
it already read part of a snapshot); anything else is ``StoreUnavailable`` (503): before the
``COMMIT`` nothing was changed, since the server rolls back a transaction whose connection is
gone; during it, the outcome is unknown and the error says so. Writes are never retried here:
only the client knows whether to repeat a change, with its Idempotency-Key.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, CursorResult, Executable, NestedTransaction
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncTransaction

from adapters.sqlalchemy import driver_statements, group_commit
from adapters.sqlalchemy.database import Database, busy_as_store_busy, is_busy_error
from adapters.sqlalchemy.disconnects import (
    close_lost,
    closed_already,
    is_lost,
    log_lost,
    unavailable_when_unreachable,
)
from application.errors import StoreBusy, StoreUnavailable

T = TypeVar("T")


@contextmanager
def store_errors(*, committing: bool = False) -> Iterator[None]:
    """A full pool or a locked SQLite file is ``StoreBusy``; a lost connection is
    ``StoreUnavailable`` (its outcome unknown when it was lost while ``committing``)."""
    try:
        yield
    except Exception as error:
        if is_busy_error(error):
            raise StoreBusy() from error
        if is_lost(error):
            log_lost(error, "during COMMIT, answered 503" if committing else "answered 503")
            raise StoreUnavailable(outcome_unknown=committing) from error
        raise


#: ``ledger.settle`` takes this lock exclusively (the key is ``ledger.LEDGER_LOCK``).
_LEDGER_SHARED = "SELECT pg_advisory_xact_lock_shared(2021095)"


class WriteSession:
    """One connection in one write transaction; ``open`` takes it, ``close`` gives it back.

    ``barrier=False`` is for a transaction that stamps nothing with the clock and may stay open
    across a slow call (a webhook claim, ``webhook_claims.py``): on PostgreSQL it leaves out
    the ledger's shared lock, so an as-of read (``ledger.settle``), and the writers queued
    behind that read's exclusive request, do not wait for it."""

    def __init__(self, database: Database, *, barrier: bool = True) -> None:
        self.database = database
        self._barrier = barrier
        self.dialect = database.dialect
        self.name = database.name
        #: Only PostgreSQL has row locks; a SQLite writer already holds the database write lock.
        self.locks_rows = database.name == "postgresql"
        self.sane_multi_rowcount = database.sane_multi_rowcount
        self._async: AsyncConnection | None = None
        self._sync: Connection | None = None
        self._driver: Any = None
        self._member: group_commit.Membership | None = None

    async def open(self) -> None:
        sqlite = self.database.sqlite
        if sqlite is None:
            with unavailable_when_unreachable(), busy_as_store_busy():
                connection = await self.database.engine.connect()
            try:
                with store_errors():
                    await connection.begin()
                    if self._barrier:
                        # Shared with every other writer; an as-of read waits for it (ledger.py).
                        await connection.exec_driver_sql(_LEDGER_SHARED)
            except BaseException:
                await close_lost(connection)
                raise
            self._async = connection
            return

        async def start() -> Connection:
            with busy_as_store_busy():
                sync = sqlite.writer.connect()
            try:
                await sqlite.begin_immediate(sync.connection.driver_connection)
                sync.begin()  # the driver is in the transaction already: no SQL
            except BaseException:
                sync.close()
                raise
            return sync

        async def commit(connection: Connection) -> None:
            with busy_as_store_busy():  # the fsync: on the loop only while it is fast
                await sqlite.commit(connection)

        loop = asyncio.get_running_loop()
        member = await group_commit.join(sqlite.writers(), start, commit, loop)
        self._member, self._sync = member, member.group.connection
        self._driver = member.driver

    async def close(self) -> None:
        """Roll back whatever was not committed and give the connection back."""
        connection, self._async = self._async, None
        member, self._member, self._sync, self._driver = self._member, None, None, None
        if connection is not None:
            await close_lost(connection)
        if member is not None:
            await self._finish(member)

    async def commit(self) -> None:
        """Returns once the changes are durable (on SQLite, with those of the writers that
        queued behind this one: ``group_commit.py``)."""
        member = self._member
        if member is not None:
            with busy_as_store_busy():
                member.keep()
            self._member = self._sync = self._driver = None
            await self._finish(member)
            return
        connection = self._connection()
        if closed_already(connection):  # no COMMIT can have reached the server
            log_lost(None, "before COMMIT, answered 503")
            raise StoreUnavailable()
        with store_errors(committing=True):
            await connection.commit()

    async def rollback(self) -> None:
        if self._async is not None:
            with store_errors():
                await self._async.rollback()
        elif self._member is not None:
            self._member.undo()

    async def _finish(self, member: group_commit.Membership) -> None:
        sqlite = self.database.sqlite
        assert sqlite is not None
        await group_commit.finish(member, max_members=sqlite.max_group)

    def _connection(self) -> AsyncConnection:
        if self._async is None:
            raise RuntimeError("repositories are used inside 'async with uow:' only")
        return self._async

    def check_open(self) -> None:
        if self._sync is None:
            self._connection()

    async def execute(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> CursorResult[Any]:
        if self._sync is not None:
            with busy_as_store_busy():
                return self._sync.execute(statement, parameters)
        connection = self._connection()
        with store_errors():
            return await connection.execute(statement, parameters)

    async def run(
        self,
        statement: driver_statements.DriverStatement,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    ) -> int:
        """A statement without results (one parameter set or several): the rows it changed. On
        SQLite straight to the driver (``driver_statements.py``)."""
        if self._sync is not None:
            changed, _ = driver_statements.run(self._driver, self.dialect, statement, parameters)
            return changed
        connection = self._connection()
        with store_errors():
            return int((await connection.execute(statement.statement, parameters)).rowcount)

    async def rows(
        self, statement: driver_statements.DriverStatement, parameters: Mapping[str, Any]
    ) -> Sequence[Mapping[Any, Any]]:
        """A query's rows, by column key. On SQLite straight to the driver."""
        if self._sync is not None:
            _, found = driver_statements.run(self._driver, self.dialect, statement, parameters)
            return found
        connection = self._connection()
        with store_errors():
            result = await connection.execute(statement.statement, parameters)
        return [row._mapping for row in result]

    async def execute_driver(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """The driver's executemany for SQL already compiled for this dialect."""
        if self._sync is not None:
            driver_statements.run_sql(self._driver, self.dialect, sql, rows)
            return
        with store_errors():
            await self._connection().exec_driver_sql(sql, list(rows))

    async def savepoint(self) -> "Savepoint":
        if self._sync is not None:
            return Savepoint(self._sync.begin_nested())
        with store_errors():
            return Savepoint(await self._connection().begin_nested())


class Savepoint:
    """A savepoint of either connection kind, used the same way."""

    def __init__(self, nested: NestedTransaction | AsyncTransaction) -> None:
        self._nested = nested

    @property
    def is_active(self) -> bool:
        return self._nested.is_active

    async def rollback(self) -> None:
        if isinstance(self._nested, AsyncTransaction):
            with store_errors():
                await self._nested.rollback()
        else:
            self._nested.rollback()

    async def commit(self) -> None:
        if isinstance(self._nested, AsyncTransaction):
            with store_errors():
                await self._nested.commit()
        else:
            self._nested.commit()


@asynccontextmanager
async def guarded_savepoint(session: WriteSession, savepoint: bool) -> AsyncIterator[None]:
    """Writes that may break a constraint run in a savepoint, so after a refusal the transaction
    stays usable (as with the in-memory store)."""
    nested = await session.savepoint() if savepoint else None
    try:
        yield
    except BaseException:
        if nested is not None and nested.is_active:
            await nested.rollback()
        raise
    if nested is not None:
        await nested.commit()


__all__ = ["Savepoint", "WriteSession", "guarded_savepoint", "store_errors"]
