"""The async engine, and how writers are kept from stepping on each other.

Concurrency mechanism
---------------------
Every stock change is read-modify-write on the item row (the aggregate checks the rule, the
ledger row is written with the item in the same transaction), so writers to one item must run
one after the other:

* **PostgreSQL**: ``ItemRepository.get(..., for_update=True)`` is ``SELECT ... FOR UPDATE``.
  A second writer of the same item waits for the first one's commit and then reads the new
  quantity and version, in any number of processes or machines. Saves also carry the version
  they read (``UPDATE ... WHERE version = :read``) as a backstop against a caller that forgot
  ``for_update``.
* **SQLite** has no row locks (``FOR UPDATE`` compiles to a plain ``SELECT``) and pysqlite's own
  transaction handling starts transactions late, which silently loses updates. We take it over:
  the driver runs in autocommit mode and the ``begin`` event emits ``BEGIN IMMEDIATE`` for a
  writing unit of work (the database write lock is taken before the first read) and a plain
  deferred ``BEGIN`` for a read-only one. Within a process writers also queue on an
  ``asyncio.Lock`` before they take a connection, so they wait their turn instead of spinning
  on the busy timeout; across processes the busy timeout makes them wait. When even that runs
  out, ``StoreBusy`` is raised (HTTP 503 with ``Retry-After``), never a generic error.

Readers never take locks: WAL lets them read the last committed state while a writer works.

SQLite on the event loop
------------------------
A statement on SQLite takes microseconds; through the async engine it took about ten times that
in Python (a greenlet hand-over per call, aiosqlite's wrappers, a thread hop for each statement
that may wait). So the units of work on a SQLite file use two plain synchronous engines on the
same file (``sqlite_engines``) and run their statements directly on the event loop:

* the **reader**, for read-only units of work: WAL readers never wait for a writer. Its
  connections are ``query_only``, so nothing can write through them.
* the **writer**: once a writer holds the database write lock, its statements never wait either.
  Only the two that can are kept off the loop: ``BEGIN IMMEDIATE`` is first tried without
  waiting and, when another process holds the lock, retried on a thread with the busy timeout;
  ``COMMIT`` (the ``fsync``) always runs on that thread, so the loop serves others meanwhile.

Neither pool ever blocks (overflow is unbounded): a unit of work waiting for a connection would
wait for one that only the blocked loop could give back.
"""

import asyncio
import sqlite3
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection, Engine, event, exc
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool, QueuePool

from adapters.sqlalchemy.sqlite_inline import connect_inline
from application.errors import StoreBusy

SqliteSynchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
_WRITE = "inventory_write"
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


def is_sqlite(engine: AsyncEngine | Engine | Connection) -> bool:
    return engine.dialect.name == "sqlite"


def create_engine(
    url: str | URL,
    *,
    pool_size: int = 5,
    max_overflow: int = 10,
    pool_timeout: float = 30.0,
    connect_timeout: float = 10.0,
    sqlite_synchronous: SqliteSynchronous = "FULL",
    sqlite_busy_timeout: float = 5.0,
    null_pool: bool = False,
) -> AsyncEngine:
    """An async engine for ``url`` with our transaction handling installed.

    ``null_pool`` opens a connection per use (tools and tests that hop between event loops).
    """
    target = normalise_url(url)
    options: dict[str, Any] = {}
    memory = target.database in (None, "", ":memory:")
    if null_pool:
        options["poolclass"] = NullPool
    elif not (target.get_backend_name() == "sqlite" and memory):
        options.update(pool_size=pool_size, max_overflow=max_overflow, pool_timeout=pool_timeout)
    if target.get_backend_name() == "sqlite":
        if not memory and target.database:
            Path(target.database).parent.mkdir(parents=True, exist_ok=True)
        path = target.database or ":memory:"
        engine = create_async_engine(
            target,
            async_creator=partial(connect_inline, path, timeout=connect_timeout),
            **options,
        )
        _install_sqlite_handling(engine.sync_engine, sqlite_synchronous, sqlite_busy_timeout)
        if not memory:  # a second engine on ":memory:" would open another, empty database
            engines = SqliteEngines(
                reader=_sqlite_sync_engine(
                    path, None if null_pool else pool_size, connect_timeout, sqlite_busy_timeout
                ),
                writer=_sqlite_sync_engine(
                    path, None if null_pool else pool_size, connect_timeout, sqlite_busy_timeout
                ),
                busy_timeout=sqlite_busy_timeout,
            )
            _install_sqlite_reader(engines.reader)
            _install_sqlite_handling(engines.writer, sqlite_synchronous, sqlite_busy_timeout)
            _sqlite_engines[engine.sync_engine] = engines
            event.listen(engine.sync_engine, "engine_disposed", lambda _engine: engines.dispose())
        return engine
    return create_async_engine(
        target, connect_args={"timeout": connect_timeout}, pool_pre_ping=False, **options
    )


_T = TypeVar("_T")


@dataclass
class SqliteEngines:
    """The synchronous engines of a SQLite file (see "SQLite on the event loop" above)."""

    reader: Engine
    writer: Engine
    busy_timeout: float

    def __post_init__(self) -> None:
        # One thread: writers of a process are serialised anyway, and a connection's waits run
        # in the order they were asked for.
        self._waiting = ThreadPoolExecutor(1, thread_name_prefix="sqlite-wait")

    async def off_loop(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` on the waiting thread. When the caller is cancelled meanwhile, the call
        is still waited for: its connection must not be closed under it."""
        future = asyncio.get_running_loop().run_in_executor(self._waiting, fn, *args)
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait([future])
            if not future.cancelled():
                future.exception()  # seen: nobody is left to receive it
            raise

    def dispose(self) -> None:
        self.reader.dispose()
        self.writer.dispose()
        self._waiting.shutdown(wait=True)


_sqlite_engines: "weakref.WeakKeyDictionary[Engine, SqliteEngines]" = weakref.WeakKeyDictionary()


def sqlite_engines(engine: AsyncEngine) -> SqliteEngines | None:
    """The synchronous engines units of work use on the event loop (a SQLite file only;
    ``None`` otherwise)."""
    return _sqlite_engines.get(engine.sync_engine)


def _sqlite_sync_engine(
    path: str, pool_size: int | None, connect_timeout: float, busy_timeout: float
) -> Engine:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=connect_timeout, check_same_thread=False)

    pool: dict[str, Any] = (
        {"poolclass": NullPool}
        if pool_size is None
        else {"poolclass": QueuePool, "pool_size": pool_size, "max_overflow": -1}
    )
    return create_sync_engine("sqlite+pysqlite://", creator=connect, **pool)


def _install_sqlite_reader(reader: Engine) -> None:
    @event.listens_for(reader, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        dbapi_connection.execute("PRAGMA query_only = ON")

    @event.listens_for(reader, "begin")
    def _on_begin(connection: Connection) -> None:
        # Straight to the driver: through ``exec_driver_sql`` a BEGIN cost as much as the read.
        connection.connection.driver_connection.execute("BEGIN")  # type: ignore[union-attr]


@asynccontextmanager
async def sqlite_write_connection(
    engine: AsyncEngine, engines: SqliteEngines
) -> AsyncIterator[Connection]:
    """A writer's connection holding the database write lock (``BEGIN IMMEDIATE``), queued
    behind the other writers of this process like ``transaction_connection``'s."""
    async with _write_lock(engine):
        # (the option makes any later autobegin, after a commit, take the write lock too)
        connection = engines.writer.connect().execution_options(**{_WRITE: True})
        try:
            driver = connection.connection.driver_connection
            await _begin_immediate(driver, engines)
            connection.begin()  # the driver is in the transaction already: no SQL
            yield connection
        finally:
            connection.close()


async def _begin_immediate(driver: Any, engines: SqliteEngines) -> None:
    waits = f"PRAGMA busy_timeout = {int(engines.busy_timeout * 1000)}"
    driver.execute("PRAGMA busy_timeout = 0")
    try:
        driver.execute("BEGIN IMMEDIATE")
        return
    except sqlite3.OperationalError as error:
        if not _locked(error):
            raise
    finally:
        driver.execute(waits)
    try:  # another process writes: wait for it on the thread, up to the busy timeout
        await engines.off_loop(driver.execute, "BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if _locked(error):
            raise StoreBusy() from error
        raise


def _locked(error: sqlite3.OperationalError) -> bool:
    return "locked" in str(error).lower() or "busy" in str(error).lower()


def _install_sqlite_handling(
    engine: Engine, synchronous: SqliteSynchronous, busy_timeout: float
) -> None:
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"sqlite synchronous must be OFF, NORMAL, FULL or EXTRA: {synchronous}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Autocommit at the driver: we emit BEGIN ourselves (see the module docstring).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            return  # begun by ``sqlite_write_connection``
        writing = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


_locks: "weakref.WeakKeyDictionary[Engine, tuple[asyncio.AbstractEventLoop, asyncio.Lock]]" = (
    weakref.WeakKeyDictionary()
)


def _write_lock(engine: AsyncEngine) -> asyncio.Lock:
    """The in-process queue of SQLite writers (one per engine and event loop)."""
    loop = asyncio.get_running_loop()
    found = _locks.get(engine.sync_engine)
    if found is None or found[0] is not loop:
        found = (loop, asyncio.Lock())
        _locks[engine.sync_engine] = found
    return found[1]


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


@asynccontextmanager
async def transaction_connection(
    engine: AsyncEngine, *, write: bool
) -> AsyncIterator[AsyncConnection]:
    """A connection with an open transaction; writers are serialised as described above.

    The caller commits; leaving the block rolls back whatever was not committed.
    """
    lock = _write_lock(engine) if write and is_sqlite(engine) else None
    if lock is not None:
        await lock.acquire()
    try:
        with busy_as_store_busy():
            connection = await engine.connect()
        try:
            if write:
                await connection.execution_options(**{_WRITE: True})
            with busy_as_store_busy():
                await connection.begin()
            yield connection
        finally:
            await connection.close()
    finally:
        if lock is not None:
            lock.release()
