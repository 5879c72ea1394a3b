"""The connection of a query session.

``ReadSession`` is a query session: one connection, taken at the first query and given back at
the end, with no transaction around the reads (each statement reads committed data; nothing is
written, so there is nothing to roll back). On PostgreSQL it reads from the replica when one is
configured. Point reads (one row by key: the caller's user, an item) go to the driver itself,
with SQL written out for each dialect; everything else goes through SQLAlchemy Core.
A read whose PostgreSQL connection is lost runs once more on a fresh one (see ``sessions.py``).
"""

import sqlite3
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, CursorResult, Executable
from sqlalchemy.ext.asyncio import AsyncConnection

from adapters.sqlalchemy.database import Database, busy_as_store_busy
from adapters.sqlalchemy.disconnects import (
    close_lost,
    is_lost,
    log_lost,
    unavailable_when_unreachable,
)
from adapters.sqlalchemy.sessions import T
from adapters.sqlalchemy.sqlite import is_locked
from application.errors import StoreBusy, StoreUnavailable


class ReadSession:
    """The connection of one query session (see the module docstring)."""

    def __init__(
        self, database: Database, *, snapshot: bool = False, primary: bool = False
    ) -> None:
        self.database = database
        #: Read the primary even when a replica is configured (the outbox's relay: it must see
        #: what was just committed).
        self.primary = primary
        self.dialect = database.dialect
        self.name = database.name
        #: All reads in one transaction (one consistent state) instead of one each.
        self.snapshot = snapshot
        self._sync: Connection | None = None
        self._async: AsyncConnection | None = None
        self._driver: Any = None
        #: Whether a read whose connection is lost may run again on a fresh one (once).
        self._may_retry = True

    async def close(self) -> None:
        sync, self._sync = self._sync, None
        connection, self._async = self._async, None
        driver, self._driver = self._driver, None
        if sync is not None:
            try:
                if self.snapshot and driver.in_transaction:
                    driver.execute("ROLLBACK")
            finally:
                sync.close()
        if connection is not None:
            await close_lost(connection)  # ends a snapshot's transaction too

    async def _open(self) -> None:
        sqlite = self.database.sqlite
        if sqlite is not None:
            with busy_as_store_busy():
                self._sync = sqlite.reader.connect()
            self._driver = self._sync.connection.driver_connection
            if self.snapshot:
                self._driver.execute("BEGIN")
            return
        with unavailable_when_unreachable(), busy_as_store_busy():
            engine = self.database.engine if self.primary else self.database.reads
            connection = await engine.connect()
        try:
            if self.snapshot:
                await connection.execution_options(isolation_level="REPEATABLE READ")
                await connection.begin()
                # asyncpg's adapter sends BEGIN with the first statement through SQLAlchemy; a
                # point read sent to the driver first would run outside the snapshot.
                await connection.exec_driver_sql("SELECT 1")
            else:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
            raw = await connection.get_raw_connection()
        except BaseException:
            await close_lost(connection)
            raise
        self._async, self._driver = connection, raw.driver_connection

    async def fetch_one(self, sql: str, *parameters: Any) -> Sequence[Any] | None:
        """One row of hand-written SQL (``?`` on SQLite, ``$1`` on PostgreSQL), as the driver
        returns it."""
        if self._driver is None:
            await self._open()
        if self._sync is not None:
            try:
                return self._driver.execute(sql, parameters).fetchone()  # type: ignore[no-any-return]
            except sqlite3.OperationalError as error:
                if is_locked(error):
                    raise StoreBusy() from error
                raise
        return await self._on_postgres(self._fetch_row, sql, parameters)

    async def fetch_all(self, sql: str, *parameters: Any) -> Sequence[Sequence[Any]]:
        """Every row of hand-written SQL, as ``fetch_one`` reads one."""
        if self._driver is None:
            await self._open()
        if self._sync is not None:
            try:
                return self._driver.execute(sql, parameters).fetchall()  # type: ignore[no-any-return]
            except sqlite3.OperationalError as error:
                if is_locked(error):
                    raise StoreBusy() from error
                raise
        return await self._on_postgres(self._fetch_rows, sql, parameters)

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> CursorResult[Any]:
        if self._driver is None:
            await self._open()
        if self._sync is not None:
            with busy_as_store_busy():
                return self._sync.execute(statement, parameters)
        return await self._on_postgres(self._execute_core, statement, parameters)

    async def _fetch_row(self, sql: str, parameters: Sequence[Any]) -> Sequence[Any] | None:
        self.database.traced(sql, parameters)
        return await self._driver.fetchrow(sql, *parameters)  # type: ignore[no-any-return]

    async def _fetch_rows(self, sql: str, parameters: Sequence[Any]) -> Sequence[Sequence[Any]]:
        self.database.traced(sql, parameters)
        return await self._driver.fetch(sql, *parameters)  # type: ignore[no-any-return]

    async def _execute_core(
        self, statement: Executable, parameters: Mapping[str, Any] | None
    ) -> CursorResult[Any]:
        assert self._async is not None
        return await self._async.execute(statement, parameters)

    async def _on_postgres(self, read: Callable[..., Awaitable[T]], *arguments: Any) -> T:
        """``read`` on this session's connection; if that connection is lost, once more on a
        fresh one. Not after part of a snapshot was read: its rows would mix two states."""
        while True:
            if self._driver is None:
                await self._open()
            driver = self._driver
            try:
                with busy_as_store_busy():
                    result = await read(*arguments)
            except Exception as error:
                if not is_lost(error, driver):
                    raise
                await self._drop()
                if not self._may_retry:
                    log_lost(error, "a read, answered 503")
                    raise StoreUnavailable() from error
                log_lost(error, "a read, run again on a fresh connection")
                self._may_retry = False
                continue
            if self.snapshot:
                self._may_retry = False
            return result

    async def _drop(self) -> None:
        """Forget a lost connection, and make sure the pool never hands it out again: a read
        sent to the driver itself failed where SQLAlchemy could not see it."""
        connection, self._async, self._driver = self._async, None, None
        if connection is not None:
            await connection.invalidate()
            await close_lost(connection)
