"""SQLite's side of the store: how its connections are set up, and why writers take the lock first.

Concurrency
-----------
Every stock change is read-modify-write on the item row, so writers must run one after the
other. SQLite has no row locks (``FOR UPDATE`` compiles to a plain ``SELECT``) and pysqlite's
own transaction handling starts transactions late, which silently loses updates. We take it
over: the driver runs in autocommit mode and a writer emits ``BEGIN IMMEDIATE`` (the database
write lock is taken before the first read). Within a process writers also queue on an
``asyncio.Lock`` before they take a connection, so they wait their turn instead of spinning on
the busy timeout (and the writers that queued meanwhile share one transaction and one ``fsync``:
``group_commit.py``); across processes the busy timeout makes them wait. When even that runs
out, ``StoreBusy`` is raised (HTTP 503 with ``Retry-After``), never a generic error.

Readers never take locks: WAL lets them read the last committed state while a writer works.

On the event loop
-----------------
A statement on SQLite takes microseconds; through an async driver it took about ten times that
in Python (a thread hand-over per call). So sessions on a SQLite file use two plain synchronous
engines on the same file and run their statements directly on the event loop:

* the **reader**, for queries: WAL readers never wait for a writer. Its connections are
  ``query_only``, so nothing can write through them.
* the **writer**: once a writer holds the database write lock, its statements never wait either.
  Only the two that can are kept off the loop when they would: ``BEGIN IMMEDIATE`` is first
  tried without waiting and, when another process holds the lock, retried on a thread with the
  busy timeout; ``COMMIT`` (the ``fsync``) runs on the loop while commits are fast and on that
  thread once they are slow (``CommitPlacement``).

Neither pool ever blocks (overflow is unbounded): a session waiting for a connection would wait
for one that only the blocked loop could give back.
"""

import asyncio
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.pool import NullPool, QueuePool

from adapters.sqlalchemy.checkpoints import SAFETY_NET_PAGES, Checkpointer
from adapters.sqlalchemy.group_commit import Writers
from application.errors import StoreBusy

SqliteSynchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
_T = TypeVar("_T")


def install_pragmas(
    engine: Engine, synchronous: SqliteSynchronous, busy_timeout: float, *, begin: str = "BEGIN"
) -> None:
    """WAL, the durability level, foreign keys and the busy timeout on every new connection;
    autocommit at the driver, with ``begin`` sent where SQLAlchemy begins a transaction that
    is not already open (the writer opens its own with ``begin_immediate``).

    Temporary storage is in memory: every member of a write group after the first works in a
    savepoint (``group_commit.py``), and SQLite keeps the original of each page a savepoint
    changes in a sub-journal, a temporary file by default: a system call for every page a
    statement touches first, about a tenth of a transfer's CPU (measured with 32 concurrent
    transfers in process). The sub-journal holds only the pages of one unit of work; a sort
    without an index that would spill to a file (a large export) uses memory instead."""
    if synchronous not in SYNCHRONOUS_MODES:
        raise ValueError(f"sqlite synchronous must be OFF, NORMAL, FULL or EXTRA: {synchronous}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA temp_store = MEMORY")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if not connection.connection.driver_connection.in_transaction:  # type: ignore[union-attr]
            connection.exec_driver_sql(begin)


def _sync_engine(path: str, pool_size: int | None, connect_timeout: float) -> Engine:
    def connect() -> sqlite3.Connection:
        return sqlite3.connect(path, timeout=connect_timeout, check_same_thread=False)

    pool: dict[str, Any] = (
        {"poolclass": NullPool}
        if pool_size is None
        else {"poolclass": QueuePool, "pool_size": pool_size, "max_overflow": -1}
    )
    return create_sync_engine("sqlite+pysqlite://", creator=connect, **pool)


@dataclass
class CommitPlacement:
    """Where a writer's ``COMMIT`` runs: on the loop while commits are fast, on the waiting
    thread once they are slow.

    Handing a commit to a thread and back costs the loop about 0.2 ms of CPU (measured on the
    movement path: 1.5 ms → 1.26 ms per request on the loop), more than a local disk's ``fsync``
    (≈0.1 ms) blocks it. On a slow disk (network storage, a busy device) or at a WAL checkpoint
    the ``fsync`` takes milliseconds, and then the loop must serve others meanwhile. So the time
    of every commit, wherever it ran, feeds a moving average, and the average decides: one slow
    commit moves the next ones to the thread at once, and they come back once commits are fast
    again."""

    #: Above this average (seconds) commits run on the thread.
    threshold: float = 0.0005
    #: The weight of the newest commit in the average.
    weight: float = 0.2
    average: float = 0.0

    @property
    def on_loop(self) -> bool:
        return self.average < self.threshold

    def took(self, seconds: float) -> None:
        self.average += self.weight * (seconds - self.average)


@dataclass
class SqliteFile:
    """The synchronous engines of one SQLite file, the in-process queue of its writers and the
    thread their waits run on."""

    reader: Engine
    writer: Engine
    busy_timeout: float
    #: Copies the write-ahead log into the database file, off the writers' path.
    checkpoints: Checkpointer
    commits: CommitPlacement = field(default_factory=CommitPlacement)
    #: The most units of work one transaction takes (``group_commit.py``): a bound on how long
    #: the first of them waits for its ``COMMIT``.
    max_group: int = 32
    _writers: dict[asyncio.AbstractEventLoop, Writers] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # One thread: writers of a process are serialised anyway, and a connection's waits run
        # in the order they were asked for.
        self._waiting = ThreadPoolExecutor(1, thread_name_prefix="sqlite-wait")

    @classmethod
    def open(
        cls,
        path: str,
        *,
        pool_size: int | None,
        connect_timeout: float,
        busy_timeout: float,
        synchronous: SqliteSynchronous,
    ) -> "SqliteFile":
        reader = _sync_engine(path, pool_size, connect_timeout)
        writer = _sync_engine(path, pool_size, connect_timeout)

        @event.listens_for(reader, "connect")
        def _reader_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # autocommit: each query its own snapshot
            dbapi_connection.execute("PRAGMA query_only = ON")

        # A writer never waits on the loop: ``begin_immediate`` waits on the thread instead.
        install_pragmas(writer, synchronous, 0, begin="BEGIN IMMEDIATE")

        @event.listens_for(writer, "connect")
        def _writer_connect(dbapi_connection: Any, _record: Any) -> None:
            # The checkpointer copies the log; a writer's COMMIT only when it falls behind.
            dbapi_connection.execute(f"PRAGMA wal_autocheckpoint = {SAFETY_NET_PAGES}")

        def checkpoint_connection() -> sqlite3.Connection:
            return sqlite3.connect(
                path, timeout=connect_timeout, check_same_thread=False, isolation_level=None
            )

        return cls(
            reader=reader,
            writer=writer,
            busy_timeout=busy_timeout,
            checkpoints=Checkpointer(checkpoint_connection),
        )

    def writers(self) -> Writers:
        """The in-process queue of writers and their group (one per event loop: tests run
        several loops)."""
        loop = asyncio.get_running_loop()
        writers = self._writers.get(loop)
        if writers is None:
            for stale in [other for other in self._writers if other.is_closed()]:
                del self._writers[stale]
            writers = self._writers[loop] = Writers()
        return writers

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

    async def commit(self, connection: Connection) -> None:
        """``COMMIT`` where ``commits`` says, timing it for the next decision."""
        if self.commits.on_loop:
            self._timed_commit(connection)
        else:
            await self.off_loop(self._timed_commit, connection)
        self.checkpoints.committed()

    def _timed_commit(self, connection: Connection) -> None:
        started = time.perf_counter()
        try:
            connection.commit()
        finally:
            self.commits.took(time.perf_counter() - started)

    async def begin_immediate(self, driver: Any) -> None:
        """Take the database write lock without blocking the loop. Writer connections do not
        wait (``busy_timeout = 0``), so the lock is tried at once; only when another process
        holds it is it waited for, on the thread, up to the configured busy timeout."""
        try:
            driver.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if not is_locked(error):
                raise
        try:
            await self.off_loop(self._wait_and_begin, driver)
        except sqlite3.OperationalError as error:
            if is_locked(error):
                raise StoreBusy() from error
            raise

    def _wait_and_begin(self, driver: Any) -> None:
        driver.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        try:
            driver.execute("BEGIN IMMEDIATE")
        finally:
            driver.execute("PRAGMA busy_timeout = 0")

    def dispose(self) -> None:
        self.checkpoints.close()
        self.reader.dispose()
        self.writer.dispose()
        self._waiting.shutdown(wait=True)


def is_locked(error: BaseException) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text
