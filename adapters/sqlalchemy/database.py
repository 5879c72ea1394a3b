"""The database the container holds: its engines, SQLite's write queue, and where reads go.

``create_engine`` returns one ``Database``. Units of work and query sessions (``sessions.py``)
take their connections from it; nothing about a database lives in module globals.

* PostgreSQL: one async engine (asyncpg) for the primary, and a second one for queries when a
  read URL (a streaming replica) is configured.
* SQLite: an async engine (aiosqlite) for migrations and start-up checks only, and the
  synchronous reader and writer engines of ``SqliteFile`` for everything the service does.
"""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import Dialect, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from adapters.sqlalchemy.disconnects import install_liveness_check
from adapters.sqlalchemy.sqlite import SqliteFile, SqliteSynchronous, install_pragmas
from adapters.sqlalchemy.tracing import StatementTrace, Traced
from application.errors import StoreBusy
from application.history import SettledHorizon

_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
_ALIASES = {"postgres": "postgresql"}


def normalise_url(url: str | URL) -> URL:
    """Accept what users type (``postgresql://``, ``postgres://``, ``sqlite:///x.db``) and pick
    the async driver we ship with."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    backend = _ALIASES.get(backend, backend)
    if backend not in _DRIVERS:
        raise ValueError(
            f"unsupported database URL scheme {parsed.drivername!r}: use sqlite:///path/to.db"
            " or postgresql://user@host/dbname"
        )
    return parsed.set(drivername=_DRIVERS[backend])


def display_url(url: str | URL) -> str:
    """The URL without its password, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


@dataclass(frozen=True)
class PoolOptions:
    size: int = 5
    max_overflow: int = 10
    timeout: float = 30.0
    connect_timeout: float = 10.0
    #: The URL is a pooler in transaction mode (PgBouncer ``pool_mode=transaction``): each
    #: transaction may run on another server connection, where a named prepared statement does
    #: not exist or has another meaning; asyncpg then sends every statement unnamed.
    transaction_pooling: bool = False


def async_engine(
    url: str | URL,
    *,
    pool: PoolOptions = PoolOptions(),
    null_pool: bool = False,
    sqlite_synchronous: SqliteSynchronous = "FULL",
    sqlite_busy_timeout: float = 5.0,
    sqlite_begin: str = "BEGIN",
) -> AsyncEngine:
    """An async engine for ``url`` (migrations, start-up checks, PostgreSQL's sessions).
    ``sqlite_begin`` is what starts its transactions on SQLite: ``BEGIN IMMEDIATE`` for one
    that will write (see ``migrate.py``)."""
    target = normalise_url(url)
    options: dict[str, Any] = {}
    if null_pool:
        options["poolclass"] = NullPool
    else:
        options.update(
            pool_size=pool.size, max_overflow=pool.max_overflow, pool_timeout=pool.timeout
        )
    if target.get_backend_name() != "sqlite":
        connect: dict[str, Any] = {"timeout": pool.connect_timeout}
        if pool.transaction_pooling:
            connect.update(statement_cache_size=0, prepared_statement_cache_size=0)
        postgres = create_async_engine(target, connect_args=connect, **options)
        install_liveness_check(postgres)
        return postgres
    path = _sqlite_path(target)
    engine = create_async_engine(
        target,
        async_creator=partial(_connect_aiosqlite, path, pool.connect_timeout),
        **options,
    )
    install_pragmas(engine.sync_engine, sqlite_synchronous, sqlite_busy_timeout, begin=sqlite_begin)
    return engine


def _sqlite_path(target: URL) -> str:
    if target.database in (None, "", ":memory:"):
        raise ValueError("the SQL store needs a SQLite file: use sqlite:///path/to.db")
    Path(target.database).parent.mkdir(parents=True, exist_ok=True)
    return target.database


def _connect_aiosqlite(path: str, timeout: float) -> aiosqlite.Connection:
    # Event listeners (pragmas, tests' authorizers) reach the connection from the loop's thread.
    return aiosqlite.connect(path, timeout=timeout, check_same_thread=False)


class Database:
    """Everything one process holds open for its database."""

    def __init__(
        self, engine: AsyncEngine, *, sqlite: SqliteFile | None, reads: AsyncEngine | None
    ) -> None:
        self.engine = engine
        self.sqlite = sqlite
        #: The engine queries read from: the replica's when a read URL is set.
        self.reads = reads or engine
        self.dialect: Dialect = engine.dialect
        #: How far every movement is committed (``ledger.settle``).
        self.settled = SettledHorizon()
        self.name: str = engine.dialect.name
        #: Whether an executemany UPDATE reports the total of rows it changed.
        self.sane_multi_rowcount = bool(engine.dialect.supports_sane_multi_rowcount)
        sync_engines = [] if sqlite is not None else [e.sync_engine for e in {engine, self.reads}]
        self._trace = StatementTrace(
            [] if sqlite is None else [sqlite.reader, sqlite.writer], sync_engines
        )

    @property
    def has_read_replica(self) -> bool:
        return self.reads is not self.engine

    async def dispose(self) -> None:
        if self.sqlite is not None:
            self.sqlite.dispose()
        if self.reads is not self.engine:
            await self.reads.dispose()
        await self.engine.dispose()

    def trace(self) -> AbstractContextManager[list[Traced]]:
        """Every statement sent while the block runs (see ``tracing.StatementTrace``)."""
        return self._trace.collect()

    def traced(self, statement: str, parameters: Any = None) -> None:
        """Report a statement sent to a driver directly (the query side's point reads)."""
        self._trace.report(statement, parameters)


def create_engine(
    url: str | URL,
    *,
    read_url: str | URL | None = None,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
    connect_timeout: float = 10.0,
    sqlite_synchronous: SqliteSynchronous = "FULL",
    sqlite_busy_timeout: float = 5.0,
    null_pool: bool = False,
    transaction_pooling: bool = False,
) -> Database:
    """The ``Database`` for ``url``; ``read_url`` (PostgreSQL) sends queries to a replica.

    ``null_pool`` opens a connection per use (tools and tests that hop between event loops);
    ``transaction_pooling``: the URLs lead to PgBouncer in transaction mode (``PoolOptions``).
    """
    pool = PoolOptions(pool_size, max_overflow, pool_timeout, connect_timeout, transaction_pooling)
    engine = async_engine(
        url,
        pool=pool,
        null_pool=null_pool,
        sqlite_synchronous=sqlite_synchronous,
        sqlite_busy_timeout=sqlite_busy_timeout,
    )
    if engine.dialect.name == "sqlite":
        if read_url is not None:
            raise ValueError("a read URL needs PostgreSQL: SQLite readers already never wait")
        sqlite = SqliteFile.open(
            _sqlite_path(normalise_url(url)),
            pool_size=None if null_pool else pool_size,
            connect_timeout=connect_timeout,
            busy_timeout=sqlite_busy_timeout,
            synchronous=sqlite_synchronous,
        )
        return Database(engine, sqlite=sqlite, reads=None)
    reads = None
    if read_url is not None:
        reads = async_engine(read_url, pool=pool, null_pool=null_pool)
        if reads.dialect.name != "postgresql":
            raise ValueError("the read URL must be a PostgreSQL database, like the primary")
    return Database(engine, sqlite=None, reads=reads)


def is_busy_error(error: BaseException) -> bool:
    """SQLite's "database is locked" or an exhausted connection pool."""
    if isinstance(error, exc.TimeoutError):
        return True
    return isinstance(error, exc.OperationalError) and "locked" in str(error.orig).lower()


@contextmanager
def busy_as_store_busy() -> Iterator[None]:
    try:
        yield
    except (exc.OperationalError, exc.TimeoutError) as error:
        if is_busy_error(error):
            raise StoreBusy() from error
        raise
