"""The in-process event bus: after-commit handlers, and this process's live listeners.

Since the outbox (issue 16) the bus no longer carries a commit's events to live listeners
itself. A commit runs the after-commit handlers here, in the process that committed (once per
event), and rings the doorbells: the relay positions the new outbox rows, and this process's
live tail (``application/live_tail.py``) reads them back in position order and ``deliver``s
them to the listeners, like the tail of every other process.

Delivery to a listener is at-most-once: one that falls ``max_backlog`` events behind loses the
oldest ones rather than slowing everybody down; events carry positions, so a client notices the
gap and replays it (``?after=``).
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from adapters.relay.doorbell import AsyncDoorbell
from application.outbox import StoredEvent
from domain.events import DomainEvent

Handler = Callable[[DomainEvent], Awaitable[None]]
logger = logging.getLogger(__name__)


class InProcessEventBus:
    def __init__(self, handlers: Sequence[Handler] = (), max_backlog: int = 1000) -> None:
        self._handlers = list(handlers)
        self._listeners: set[asyncio.Queue[StoredEvent]] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._max_backlog = max_backlog
        #: The relay's and the live tail's: rung when the outbox may have changed.
        self.relay_doorbell = AsyncDoorbell()
        self.tail_doorbell = AsyncDoorbell()

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """The ``EventPublisher`` of a single process: after a commit, the relay has work."""
        self.handle(events)
        self.relay_doorbell.ring()

    async def announce(self) -> None:
        """New positioned events: wake this process's tail (one process, nobody else to tell)."""
        self.tail_doorbell.ring()

    def ring(self) -> None:
        """Another process's notice (a commit or positions): both may have work."""
        self.relay_doorbell.ring()
        self.tail_doorbell.ring()

    def deliver(self, events: Sequence[StoredEvent]) -> None:
        """Hand positioned events to the live listeners (the live tail calls it)."""
        for event in events:
            for queue in self._listeners:
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)

    def listening(self) -> bool:
        return bool(self._listeners)

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
    async def listen(self) -> AsyncIterator["asyncio.Queue[StoredEvent]"]:
        """A queue that receives every event delivered while the block is open."""
        queue: asyncio.Queue[StoredEvent] = asyncio.Queue(maxsize=self._max_backlog)
        self._listeners.add(queue)
        try:
            yield queue
        finally:
            self._listeners.discard(queue)

    async def drain(self) -> None:
        """Wait for the after-commit handlers still running (the CLI calls it before exiting)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
