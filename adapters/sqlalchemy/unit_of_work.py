"""The SQL unit of work: one connection and one transaction per ``async with`` block.

It behaves like ``InMemoryUnitOfWork``: repositories never commit; ``commit`` makes the item
rows and their ledger rows durable together and only then publishes the collected events;
leaving the block without commit, or with an exception, rolls everything back and publishes
nothing. How concurrent writers are serialised, and why units of work on a SQLite file run
their statements synchronously on the event loop, is described in ``engine.py``.
"""

import inspect
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Connection, CursorResult, Engine, Executable, NestedTransaction, exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from adapters.sqlalchemy.engine import (
    busy_as_store_busy,
    sqlite_engines,
    sqlite_write_connection,
    transaction_connection,
)
from adapters.sqlalchemy.point_reads import PointRead
from adapters.sqlalchemy.repositories import (
    SqlAlchemyItemRepository,
    SqlAlchemyLoginAttemptRepository,
    SqlAlchemyMovementRepository,
    SqlAlchemyUserRepository,
)
from adapters.sqlalchemy.search import INDEXED_SHARE
from adapters.unit_of_work import EventCollector
from application.ports import EventPublisher
from domain.errors import AlreadyExists, InsufficientStock
from domain.items import Item
from domain.users import User


def integrity_error_as_domain(
    error: exc.IntegrityError, *, item: Item | None = None, user: User | None = None
) -> Exception:
    """Map a constraint violation to the domain error it stands for (or return it unchanged).

    PostgreSQL names the constraint; SQLite names the table and column.
    """
    text = str(error.orig)
    if item is not None:
        if "uq_items_sku" in text or "items.sku" in text:
            return AlreadyExists("item", "sku", item.sku)
        if "pk_items" in text or "items.id" in text:
            return AlreadyExists("item", "id", item.id)
        if "quantity_nonnegative" in text:
            requested = -sum(m.delta for m in item.new_movements if m.delta < 0)
            return InsufficientStock(str(item.sku), available=0, requested=requested)
    if user is not None and ("uq_users_username_key" in text or "users.username_key" in text):
        return AlreadyExists("user", "username", user.username)
    return error


class SqlAlchemyUnitOfWork:
    def __init__(
        self,
        engine: AsyncEngine,
        publisher: EventPublisher | None = None,
        *,
        read_only: bool = False,
        search_indexed_share: float = INDEXED_SHARE,
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._events = EventCollector(publisher)
        self._scope: AbstractAsyncContextManager[Any] | None = None
        #: The async connection (PostgreSQL) or, on a SQLite file, the synchronous one.
        self._connection: AsyncConnection | None = None
        self._sync: Connection | None = None
        #: The driver connection while point reads may skip SQLAlchemy's pipeline.
        self._driver: Any = None
        self._sqlite = sqlite_engines(engine)
        #: See ``search.search_filter``.
        self.search_indexed_share = search_indexed_share
        self.dialect = engine.dialect.name
        self.sql_dialect = engine.dialect
        #: Only PostgreSQL has row locks; SQLite writers already hold the database write lock.
        self.locks_rows = not read_only and self.dialect == "postgresql"
        #: Whether an executemany UPDATE reports the total of rows it changed.
        self.sane_multi_rowcount = bool(engine.dialect.supports_sane_multi_rowcount)
        self.items = SqlAlchemyItemRepository(self)
        self.movements = SqlAlchemyMovementRepository(self)
        self.users = SqlAlchemyUserRepository(self)
        self.login_attempts = SqlAlchemyLoginAttemptRepository(self)

    # -- transaction ------------------------------------------------------------------------
    async def __aenter__(self) -> Self:
        if self._scope is not None:
            raise RuntimeError("this unit of work is already open; use a new one")
        if self._sqlite is None:
            scope: AbstractAsyncContextManager[Any] = transaction_connection(
                self._engine, write=not self._read_only
            )
            self._connection = await scope.__aenter__()
        elif self._read_only:
            scope = self._read_transaction(self._sqlite.reader)
            self._sync = await scope.__aenter__()
        else:
            scope = sqlite_write_connection(self._engine, self._sqlite)
            self._sync = await scope.__aenter__()
        self._scope = scope
        if self._sync is not None:
            dispatch = self._sync.engine.dispatch
            watched = dispatch.before_cursor_execute or dispatch.after_cursor_execute
            # Statement listeners (tracing, tests counting statements) see every statement.
            self._driver = None if watched else self._sync.connection.driver_connection
        self.items.reset()
        return self

    @staticmethod
    @asynccontextmanager
    async def _read_transaction(reader: Engine) -> AsyncIterator[Connection]:
        with busy_as_store_busy():
            connection = reader.connect()
        try:
            with busy_as_store_busy():
                connection.begin()
            yield connection
        finally:
            connection.close()  # ends the read transaction

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        scope, self._scope = self._scope, None
        self._connection, self._sync, self._driver = None, None, None
        self._events.discard()
        if scope is not None:
            await scope.__aexit__(exc_type, exc_value, tb)

    async def commit(self) -> None:
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot commit")
        if self._sync is not None and self._sqlite is not None:
            with busy_as_store_busy():  # the fsync: off the loop
                await self._sqlite.off_loop(self._sync.commit)
        else:
            connection = self._open_connection()
            with busy_as_store_busy():
                await connection.commit()
        self.items.reset()
        await self._events.publish(self._events.committed())

    async def rollback(self) -> None:
        self._events.discard()
        self.items.reset()
        if self._connection is not None:
            await self._connection.rollback()
        elif self._sync is not None:
            self._sync.rollback()

    # -- what the repositories use -----------------------------------------------------------
    def _open_connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("repositories are used inside 'async with uow:' only")
        return self._connection

    def check_writable(self) -> None:
        if self._sync is None:
            self._open_connection()
        if self._read_only:
            raise RuntimeError("a read-only unit of work cannot write")

    def track(self, aggregate: Item | User) -> None:
        self._events.track(aggregate)

    async def execute(
        self,
        statement: Executable,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> CursorResult[Any]:
        if self._sync is not None:
            with busy_as_store_busy():
                return self._sync.execute(statement, parameters)
        connection = self._open_connection()
        with busy_as_store_busy():
            return await connection.execute(statement, parameters)

    async def first(self, read: PointRead, key: object) -> Mapping[Any, Any] | None:
        """The row of a point read (see ``point_reads``), or None."""
        if self._driver is not None:
            with busy_as_store_busy():
                return read.compiled(self.sql_dialect).first(self._driver, key)
        row = (await self.execute(read.statement, {"key": key})).first()
        return None if row is None else row._mapping

    async def execute_driver(self, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """The driver's executemany for SQL already compiled for this dialect."""
        if self._sync is not None:
            with busy_as_store_busy():
                self._sync.exec_driver_sql(sql, list(rows))
            return
        connection = self._open_connection()
        with busy_as_store_busy():
            await connection.exec_driver_sql(sql, list(rows))

    @asynccontextmanager
    async def guarded(
        self, *, item: Item | None = None, user: User | None = None, savepoint: bool = True
    ) -> AsyncIterator[None]:
        """Turn a constraint violation into the domain error it stands for.

        With ``savepoint`` the writes run in a savepoint, so after a refusal the transaction
        stays usable (as with the in-memory store); writes that only a bug could make fail
        skip it and save two round trips.
        """
        nested = await self._savepoint() if savepoint else None
        try:
            yield
        except exc.IntegrityError as error:
            if nested is not None:
                await nested.rollback()
            mapped = integrity_error_as_domain(error, item=item, user=user)
            if mapped is error:
                raise
            raise mapped from error
        except BaseException:
            if nested is not None and nested.is_active:
                await nested.rollback()
            raise
        if nested is not None:
            await nested.commit()

    async def _savepoint(self) -> "_Savepoint":
        if self._sync is not None:
            return _Savepoint(self._sync.begin_nested())
        return _Savepoint(await self._open_connection().begin_nested())


class _Savepoint:
    """A savepoint of either connection kind, used the same way."""

    def __init__(self, nested: NestedTransaction | AsyncTransaction) -> None:
        self._nested = nested

    @property
    def is_active(self) -> bool:
        return self._nested.is_active

    async def rollback(self) -> None:
        done = self._nested.rollback()
        if inspect.isawaitable(done):
            await done

    async def commit(self) -> None:
        done = self._nested.commit()
        if inspect.isawaitable(done):
            await done
