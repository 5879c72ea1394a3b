"""What every unit of work adapter shares: tracking the aggregates a transaction touched and
publishing their events only after the commit succeeded."""

import logging
from collections.abc import Sequence

from application.ports import EventPublisher
from domain.events import DomainEvent
from domain.items import Item
from domain.locations import Location
from domain.reservations import Reservation
from domain.users import User

Aggregate = Item | User | Location | Reservation

logger = logging.getLogger(__name__)


class EventCollector:
    def __init__(self, publisher: EventPublisher | None) -> None:
        self._publisher = publisher
        # By identity, in the order first seen (a bulk import tracks thousands per transaction).
        self._seen: dict[int, Aggregate] = {}

    def track(self, aggregate: Aggregate) -> None:
        self._seen.setdefault(id(aggregate), aggregate)

    def pending(self) -> list[DomainEvent]:
        """The events collected so far, left on their aggregates (the outbox rows written just
        before the commit)."""
        return [event for aggregate in self._seen.values() for event in aggregate.events]

    def committed(self) -> list[DomainEvent]:
        """The events of the committed transaction, taken off the aggregates."""
        events: list[DomainEvent] = []
        for aggregate in self._seen.values():
            events.extend(aggregate.events)
            aggregate.events.clear()
            if isinstance(aggregate, Item):
                aggregate.new_movements.clear()
        self._seen.clear()
        return events

    def discard(self) -> None:
        self._seen.clear()

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        """Deliver after commit. The data is durable by now, so a failing publisher is logged
        rather than raised: the caller must not be told that a successful write failed."""
        if events and self._publisher is not None:
            try:
                await self._publisher.publish(events)
            except Exception:
                logger.exception("publishing %d event(s) after commit failed", len(events))
