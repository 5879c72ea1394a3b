"""The live tail: every serving process follows the positioned outbox for its live listeners.

The WebSocket clients of every process read what the relay's leader positioned, in position
order, from the store: the same order everywhere, whichever process committed a change. The tail
starts at the newest position when the process starts (a client that wants older events asks
for them with ``?after=``), wakes when rung (the leader of this process positioned events, or
another process sent a notice) and otherwise polls every ``interval_seconds``.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from application.outbox import EventLog, EventQuery, StoredEvent
from application.relay import Doorbell

logger = logging.getLogger(__name__)


class LiveListeners(Protocol):
    def deliver(self, events: Sequence[StoredEvent]) -> None:
        """Hand events to this process's live subscribers (never blocks)."""

    def listening(self) -> bool:
        """Whether anyone subscribes now."""


@dataclass
class LiveTail:
    log: EventLog
    listeners: LiveListeners
    doorbell: Doorbell
    interval_seconds: float = 0.25
    batch: int = 500
    position: int | None = None
    """The last position delivered; None until the tail started."""

    async def start(self) -> None:
        """Begin at the newest position (called before serving, so no later event is missed)."""
        if self.position is None:
            self.position = await self.log.last_position()

    async def run(self) -> None:
        """Forever (cancel to stop); a store that is down is retried."""
        while True:
            try:
                await self.start()
                await self.catch_up()
            except Exception:
                logger.warning("live tail read failed; retrying", exc_info=True)
            await self.doorbell.wait(self.interval_seconds)

    async def catch_up(self) -> int:
        """Deliver everything positioned after ``position``; how many events.

        With nobody subscribed there is nobody to deliver to: the tail moves to the newest
        position without reading the events (under a steady write load, reading them back cost
        every serving process a few per cent of its time). Subscribing is synchronous, so when
        still nobody subscribes after the newest position was read, every later subscriber is
        owed only events positioned after it."""
        if not self.listeners.listening():
            newest = await self.log.last_position()
            if not self.listeners.listening():
                self.position = max(self.position or 0, newest)
                return 0
        delivered = 0
        while True:
            after = self.position or 0
            query = EventQuery(after=after, limit=self.batch, include_internal=True)
            events = await self.log.read(query)
            if not events:
                return delivered
            self.listeners.deliver(events)
            self.position = events[-1].position
            delivered += len(events)
            if len(events) < self.batch:
                return delivered
