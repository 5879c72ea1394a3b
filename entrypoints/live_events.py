"""Wiring of the PostgreSQL event fan-out: building it from settings and running it.

``adapters.postgres`` is imported only when the fan-out is used: asyncpg is the ``postgres``
extra, and a SQLite or in-memory installation must start without it.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Protocol, cast

from adapters.memory import InProcessEventBus
from entrypoints.settings import Settings

if TYPE_CHECKING:
    from adapters.postgres.notify_events import PostgresEventListener, PostgresNotifyPublisher

logger = logging.getLogger(__name__)

#: How long start-up waits for the LISTEN before serving anyway (events may be missed meanwhile).
LISTEN_GRACE_SECONDS = 5.0


def _dsn(settings: Settings) -> str:
    from adapters.postgres.notify_events import asyncpg_dsn

    return asyncpg_dsn(settings.database_url or "")


def postgres_publisher(
    settings: Settings, bus: InProcessEventBus, origin: str
) -> "PostgresNotifyPublisher":
    from adapters.postgres.notify_events import PostgresNotifyPublisher

    return PostgresNotifyPublisher(_dsn(settings), settings.event_channel, bus, origin=origin)


def postgres_listener(
    settings: Settings, bus: InProcessEventBus, origin: str
) -> "PostgresEventListener":
    from adapters.postgres.notify_events import PostgresEventListener

    return PostgresEventListener(_dsn(settings), settings.event_channel, bus, origin=origin)


class _FanOutProviders(Protocol):
    """The container's providers this module uses (kept narrow to avoid an import cycle)."""

    def settings(self) -> Settings: ...
    def event_listener(self) -> "PostgresEventListener": ...
    def event_publisher(self) -> object: ...


@asynccontextmanager
async def live_event_fanout(
    container: _FanOutProviders, *, listen: bool = True
) -> AsyncIterator[None]:
    """Run the fan-out for a process's lifetime: the REST lifespan (``listen=True``) or a CLI
    command that changes data (``listen=False``: it only publishes). A no-op with local fan-out.

    Start-up does not fail when PostgreSQL is slow: the listener keeps retrying in the background.
    """
    if container.settings().live_event_fanout != "postgres":
        yield
        return
    listener = container.event_listener() if listen else None
    if listener is not None:
        await listener.start()
        try:
            await listener.wait_listening(LISTEN_GRACE_SECONDS)
        except TimeoutError:
            logger.warning("serving without live events from other processes yet; still trying")
    try:
        yield
    finally:
        if listener is not None:
            await listener.stop()
        publisher = cast("PostgresNotifyPublisher", container.event_publisher())
        await publisher.aclose()
