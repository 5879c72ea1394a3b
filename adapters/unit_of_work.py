"""What every unit of work adapter shares: tracking the aggregates a transaction touched and
publishing their events only after the commit succeeded."""

from collections.abc import Sequence

from application.ports import EventPublisher
from domain.events import DomainEvent
from domain.items import Item


class EventCollector:
    def __init__(self, publisher: EventPublisher | None) -> None:
        self._publisher = publisher
        self._seen: list[Item] = []

    def track(self, item: Item) -> None:
        if all(seen is not item for seen in self._seen):
            self._seen.append(item)

    def committed(self) -> list[DomainEvent]:
        """The events of the committed transaction, taken off the aggregates."""
        events: list[DomainEvent] = []
        for item in self._seen:
            events.extend(item.events)
            item.events.clear()
            item.new_movements.clear()
        self._seen.clear()
        return events

    def discard(self) -> None:
        self._seen.clear()

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        if events and self._publisher is not None:
            await self._publisher.publish(events)
