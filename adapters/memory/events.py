"""The in-process event bus: live listeners (WebSocket clients) and after-commit handlers.

Delivery is at-most-once: a listener that falls ``max_backlog`` events behind loses the oldest
ones rather than slowing down the writers. Events carry the item's version, so a client can
notice a gap and re-read the item.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from domain.events import DomainEvent

Handler = Callable[[DomainEvent], Awaitable[None]]
logger = logging.getLogger(__name__)


class InProcessEventBus:
    def __init__(self, handlers: Sequence[Handler] = (), max_backlog: int = 1000) -> None:
        self._handlers = list(handlers)
        self._listeners: set[asyncio.Queue[DomainEvent]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._max_backlog = max_backlog

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.deliver(events)
        self.handle(events)

    def deliver(self, events: Sequence[DomainEvent]) -> None:
        """Hand events to the live listeners only.

        A cross-process fan-out calls this for events that arrive from the database, so that the
        after-commit handlers run once, in the process that committed, not once per process.
        """
        for event in events:
            for queue in self._listeners:
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)

    def handle(self, events: Sequence[DomainEvent]) -> None:
        """Start the after-commit handlers only (``drain`` waits for them).

        One task per handler per commit, which runs it on that commit's events in order (a bulk
        import commits thousands of events at once). A handler with an ``event_types``
        attribute gets only events of those types.
        """
        for handler in self._handlers:
            wanted = getattr(handler, "event_types", None)
            mine = [e for e in events if wanted is None or isinstance(e, wanted)]
            if mine:
                task = asyncio.create_task(self._run(handler, mine))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(handler: Handler, events: Sequence[DomainEvent]) -> None:
        for event in events:
            try:
                await handler(event)
            except Exception:
                logger.exception("event handler failed for %s", event.name)

    @asynccontextmanager
    async def listen(self) -> AsyncIterator["asyncio.Queue[DomainEvent]"]:
        """A queue that receives every event published while the block is open."""
        queue: asyncio.Queue[DomainEvent] = asyncio.Queue(maxsize=self._max_backlog)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    async def drain(self) -> None:
        """Wait for the after-commit handlers still running (the CLI calls it before exiting)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
