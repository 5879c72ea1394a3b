"""Wake-ups across processes through PostgreSQL ``LISTEN/NOTIFY``: no broker besides the store.

Events travel through the outbox (issue 16): NOTIFY only tells the other processes that the
outbox changed, so that the relay's leader positions new rows at once and every process's live
tail reads them without waiting for its next poll. A lost notice delays events by one poll
interval; it loses nothing.

Every service process runs one ``PostgresEventListener`` (one dedicated connection that LISTENs
on a channel) that rings its ``InProcessEventBus``. A committed change goes out through
``PostgresNotifyPublisher``: the after-commit handlers (notifications, metrics) run right here,
once, and a notice goes to ``pg_notify``; the leader sends one after positioning events too.
"""

import asyncio
import logging
import random
from collections.abc import Sequence
from typing import Protocol

import asyncpg

from adapters.postgres.event_codec import process_origin
from domain.events import DomainEvent

logger = logging.getLogger(__name__)

#: What a lost or refused connection raises: socket errors (timeouts included), server errors,
#: and asyncpg's "connection is closed" errors.
#: (asyncpg raises InternalClientError on a connection whose backend was just terminated.)
CONNECTION_ERRORS = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

_NOTIFY = "SELECT pg_notify($1, $2)"


class LocalEventBus(Protocol):
    """The part of ``InProcessEventBus`` the fan-out uses."""

    def handle(self, events: Sequence[DomainEvent]) -> None: ...

    def ring(self) -> None: ...


def asyncpg_dsn(database_url: str) -> str:
    """asyncpg wants ``postgresql://``; SQLAlchemy URLs name a driver (``postgresql+asyncpg://``)."""
    scheme, separator, rest = database_url.partition("://")
    if not separator or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError("the event fan-out needs a postgresql:// database URL")
    return f"postgresql://{rest}"


class PostgresNotifyPublisher:
    """The ``EventPublisher`` for PostgreSQL deployments (called after commit only)."""

    def __init__(
        self,
        dsn: str,
        channel: str,
        local: LocalEventBus,
        *,
        origin: str | None = None,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._local = local
        self.origin = origin or process_origin()
        self._timeout = timeout_seconds
        self._connection: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """After a commit. Never raises: the change and its events are committed; a lost notice
        only delays them until the next poll."""
        self._local.handle(events)
        self._local.ring()  # this process's relay (if it leads) at once, without the round trip
        await self.announce()

    async def announce(self) -> None:
        """Tell every process (this one included, through its listener) the outbox changed."""
        async with self._lock:
            for attempt in (1, 2):  # a pooled connection may have died since the last use
                try:
                    connection = await self._connect()
                    await connection.execute(
                        _NOTIFY, self._channel, self.origin, timeout=self._timeout
                    )
                    return
                except CONNECTION_ERRORS as error:
                    await self._drop_connection()
                    if attempt == 2:
                        logger.warning("outbox notice not sent: %r", error)

    async def _connect(self) -> asyncpg.Connection:
        if self._connection is None or self._connection.is_closed():
            self._connection = await asyncpg.connect(
                self._dsn,
                timeout=self._timeout,
                server_settings={"application_name": f"inventory-publish {self.origin}"[:63]},
            )
        return self._connection

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.terminate()

    async def aclose(self) -> None:
        async with self._lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                await connection.close(timeout=self._timeout)


class PostgresEventListener:
    """Keeps one connection LISTENing and rings the local bus at every notice.

    When the connection drops it reconnects with exponential backoff and jitter; notices sent
    meanwhile are lost, which only delays events until the next poll. A periodic ``SELECT 1``
    notices a silently dead peer.
    """

    def __init__(
        self,
        dsn: str,
        channel: str,
        local: LocalEventBus,
        *,
        origin: str | None = None,
        min_backoff_seconds: float = 0.1,
        max_backoff_seconds: float = 10.0,
        probe_interval_seconds: float = 15.0,
        timeout_seconds: float = 5.0,
    ) -> None:
        self._dsn = dsn
        self._channel = channel
        self._local = local
        self.origin = origin or process_origin()
        self._min_backoff = min_backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._probe_interval = probe_interval_seconds
        self._timeout = timeout_seconds
        self._listening = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="postgres-event-listener")

    async def wait_listening(self, timeout_seconds: float) -> None:
        """Wait until the LISTEN is in place (start-up, tests); ``TimeoutError`` otherwise."""
        await asyncio.wait_for(self._listening.wait(), timeout_seconds)

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _run(self) -> None:
        delay = self._min_backoff
        while True:
            try:
                await self._listen_until_lost()
                logger.warning("live event listener lost its connection; reconnecting")
            except CONNECTION_ERRORS as error:
                logger.warning("live event listener disconnected: %r; reconnecting", error)
            if self._listening.is_set():
                delay = self._min_backoff  # it had worked: start the backoff over
            self._listening.clear()
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - jitter only
            delay = min(delay * 2, self._max_backoff)

    async def _listen_until_lost(self) -> None:
        connection = await asyncpg.connect(
            self._dsn,
            timeout=self._timeout,
            server_settings={"application_name": f"inventory-listen {self.origin}"[:63]},
        )
        lost = asyncio.Event()
        connection.add_termination_listener(lambda _connection: lost.set())
        try:
            await connection.add_listener(self._channel, self._on_notification)
            self._listening.set()
            self._local.ring()  # notices sent while it was not listening are lost: look now
            logger.info("listening for outbox notices on %r", self._channel)
            while not lost.is_set():
                try:
                    await asyncio.wait_for(lost.wait(), self._probe_interval)
                except TimeoutError:
                    await connection.execute("SELECT 1", timeout=self._timeout)
        finally:
            connection.terminate()

    def _on_notification(
        self, _connection: object, _pid: int, _channel: str, _payload: object
    ) -> None:
        self._local.ring()
