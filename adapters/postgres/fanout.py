"""The PostgreSQL fan-out built from a database URL, for the container's providers.

Importable without asyncpg (the optional ``postgres`` extra): ``notify_events`` is imported only
when a publisher or a listener is actually built, so a SQLite or in-memory installation starts
without it.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from adapters.postgres.notify_events import (
        LocalEventBus,
        PostgresEventListener,
        PostgresNotifyPublisher,
    )

logger = logging.getLogger(__name__)

#: How long start-up waits for the LISTEN before serving anyway (events may be missed meanwhile).
LISTEN_GRACE_SECONDS = 5.0


def notify_publisher(
    database_url: str | None, channel: str, local: "LocalEventBus", origin: str
) -> "PostgresNotifyPublisher":
    """The ``EventPublisher`` that sends committed events to every process on ``channel``."""
    from adapters.postgres.notify_events import PostgresNotifyPublisher, asyncpg_dsn

    return PostgresNotifyPublisher(asyncpg_dsn(database_url or ""), channel, local, origin=origin)


@asynccontextmanager
async def listening(
    database_url: str | None,
    channel: str,
    local: "LocalEventBus",
    origin: str,
    *,
    grace_seconds: float = LISTEN_GRACE_SECONDS,
) -> AsyncIterator["PostgresEventListener"]:
    """Other processes' events reach ``local``'s live listeners while the block runs.

    Start-up does not fail when PostgreSQL is slow: after ``grace_seconds`` it goes on, and the
    listener keeps retrying in the background.
    """
    from adapters.postgres.notify_events import PostgresEventListener, asyncpg_dsn

    listener = PostgresEventListener(asyncpg_dsn(database_url or ""), channel, local, origin=origin)
    await listener.start()
    try:
        try:
            await listener.wait_listening(grace_seconds)
        except TimeoutError:
            logger.warning("serving without live events from other processes yet; still trying")
        yield listener
    finally:
        await listener.stop()


async def listener(
    database_url: str | None,
    channel: str,
    local: "LocalEventBus",
    origin: str,
    *,
    enabled: bool,
) -> AsyncIterator["PostgresEventListener | None"]:
    """The container resource around ``listening``: nothing at all unless ``enabled`` (a process
    that serves live events, with the PostgreSQL fan-out)."""
    if not enabled:
        yield None
        return
    async with listening(database_url, channel, local, origin) as running:
        yield running
