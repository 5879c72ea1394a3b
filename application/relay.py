"""The relay: one loop per deployment that positions the outbox and feeds the durable sinks.

Every serving process runs one, but only the process holding the ``Leadership`` works: it gives
committed outbox rows their positions (``EventLog.sequence``), hands each sink the events after
that sink's durable cursor, moves the cursor only once the sink took them (at-least-once:
consumers dedupe by ``event_id``), and prunes events older than the retention that every sink
has passed. The others wait and try to take the lead every ``leader_retry_seconds``, so one takes
over within seconds of a leader's death.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Protocol

from application.outbox import EventLog, EventQuery, StoredEvent
from application.ports import Clock

logger = logging.getLogger(__name__)


class EventSink(Protocol):
    """Somewhere positioned events go (webhooks, a broker), in order, at least once."""

    name: str
    """The key of the sink's durable cursor; never change it once deployed."""

    async def deliver(self, events: Sequence[StoredEvent]) -> None:
        """Take ``events`` (in position order) or raise: then the same events come again."""

    async def aclose(self) -> None:
        """Let go of connections (at shutdown)."""


class EventPump(Protocol):
    """A worker with cursors of its own (the webhook dispatcher: one per endpoint), run by the
    leader every round."""

    async def pump(self) -> None: ...


class Leadership(Protocol):
    """Which process relays: at most one at a time, and another soon after it dies."""

    async def acquire(self) -> bool:
        """True when this process leads now (taking the lead if it is free). Called before
        every round, so it also notices a lead that was lost."""

    async def release(self) -> None: ...


class Doorbell(Protocol):
    """Rung when there may be something new (a local commit, another process's notice)."""

    async def wait(self, seconds: float) -> None:
        """Return when rung since the last wait, or after ``seconds``."""


@dataclass
class RelaySettings:
    batch: int = 500
    interval_seconds: float = 0.25
    #: The shortest time between two rounds: commits that arrive meanwhile are positioned by
    #: one round, so the relay's cost per commit falls as the rate of commits rises.
    min_gap_seconds: float = 0.05
    leader_retry_seconds: float = 1.0
    retention: timedelta = timedelta(days=30)
    prune_every_seconds: float = 3600.0
    sink_retry_seconds: float = 1.0


@dataclass
class EventRelay:
    log: EventLog
    leadership: Leadership
    doorbell: Doorbell
    clock: Clock
    sinks: Sequence[EventSink] = ()
    pumps: Sequence[EventPump] = ()
    settings: RelaySettings = field(default_factory=RelaySettings)
    #: Awaited after a round that positioned events: tells the live tails (every process's).
    on_positioned: Callable[[], Awaitable[None]] | None = None
    _cursors: dict[str, int] = field(default_factory=dict)
    _next_prune: float = 0.0
    _sink_retry_at: dict[str, float] = field(default_factory=dict)

    async def run(self) -> None:
        """Forever (cancel to stop); never raises for a store or a sink that is down."""
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    leading = await self.leadership.acquire()
                    if leading:
                        await self.round(loop.time())
                except Exception:
                    logger.exception("event relay round failed; retrying")
                    leading = False
                await asyncio.sleep(self.settings.min_gap_seconds)
                wait = self.settings.interval_seconds
                await self.doorbell.wait(wait if leading else self.settings.leader_retry_seconds)
        finally:
            try:
                await self.leadership.release()
            except Exception:
                logger.warning("releasing the relay's lead failed", exc_info=True)

    async def round(self, now: float) -> int:
        """One pass as leader: position everything committed, feed the sinks, prune when due.
        Returns how many events became readable."""
        numbered = 0
        while True:
            batch = await self.log.sequence(self.settings.batch)
            numbered += batch
            if batch < self.settings.batch:
                break
        if numbered and self.on_positioned is not None:
            await self.on_positioned()
        for sink in self.sinks:
            if self._sink_retry_at.get(sink.name, 0.0) <= now:
                await self._feed(sink, now)
        for pump in self.pumps:
            try:
                await pump.pump()
            except Exception:
                logger.exception("event pump %r failed; it runs again next round", pump)
        if now >= self._next_prune:
            await self._prune()
            self._next_prune = now + self.settings.prune_every_seconds
        return numbered

    async def _feed(self, sink: EventSink, now: float) -> None:
        if sink.name not in self._cursors:
            self._cursors[sink.name] = await self.log.cursor(sink.name)
        while True:
            after = self._cursors[sink.name]
            events = await self.log.read(EventQuery(after=after, limit=self.settings.batch))
            if not events:
                return
            try:
                await sink.deliver(events)
            except Exception:
                logger.warning("sink %s refused events after %d", sink.name, after, exc_info=True)
                self._sink_retry_at[sink.name] = now + self.settings.sink_retry_seconds
                return
            self._cursors[sink.name] = events[-1].position
            await self.log.save_cursor(sink.name, events[-1].position)

    async def _prune(self) -> None:
        up_to = await self.log.last_position()
        for sink in self.sinks:
            up_to = min(up_to, await self.log.cursor(sink.name))
        removed = await self.log.prune(self.clock.now() - self.settings.retention, up_to=up_to)
        if removed:
            logger.info("pruned %d event(s) older than the retention", removed)
