"""The relay and the live tail as container resources (issue 16), built from settings.

Both run in serving processes only: a CLI command writes its events to the outbox and leaves
them to the relay of whichever server runs. Leadership comes from the store
(``adapters.relay.leadership.for_store``).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import timedelta

from application.live_tail import LiveListeners, LiveTail
from application.outbox import EventLog
from application.ports import Clock
from application.relay import (
    Doorbell,
    EventPump,
    EventRelay,
    EventSink,
    Leadership,
    RelaySettings,
)
from entrypoints.settings import Settings

logger = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def _running(work: Awaitable[None], name: str) -> AsyncIterator[None]:
    task = asyncio.ensure_future(work)
    task.set_name(name)
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def relay(
    *,
    enabled: bool,
    settings: Settings,
    log: EventLog,
    leadership: Leadership,
    doorbell: Doorbell,
    clock: Clock,
    announce: Callable[[], Awaitable[None]],
    sinks: Sequence[EventSink] = (),
    pumps: Sequence[EventPump] = (),
) -> AsyncIterator[EventRelay | None]:
    if not enabled:
        yield None
        return
    worker = EventRelay(
        log=log,
        leadership=leadership,
        doorbell=doorbell,
        clock=clock,
        sinks=sinks,
        pumps=pumps,
        settings=RelaySettings(
            interval_seconds=settings.event_poll_seconds,
            retention=timedelta(days=settings.event_retention_days),
        ),
        on_positioned=announce,
    )
    try:
        async with _running(worker.run(), "event-relay"):
            yield worker
    finally:
        for sink in sinks:
            await sink.aclose()


async def live_tail(
    *,
    enabled: bool,
    settings: Settings,
    log: EventLog,
    listeners: LiveListeners,
    doorbell: Doorbell,
) -> AsyncIterator[LiveTail | None]:
    if not enabled:
        yield None
        return
    tail = LiveTail(
        log=log,
        listeners=listeners,
        doorbell=doorbell,
        interval_seconds=settings.event_poll_seconds,
    )
    try:
        await tail.start()  # before serving: no event positioned after this is missed
    except Exception:
        logger.warning("live tail starts without the store; it keeps trying", exc_info=True)
    async with _running(tail.run(), "live-tail"):
        yield tail
