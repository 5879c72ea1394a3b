"""Reactions to domain events that belong to the application, run after commit."""

from application.ports import Notifier
from domain.events import DomainEvent, LowStockReached


class NotifyLowStock:
    """Tells someone when an item falls to or under its reorder level."""

    #: The only events it reacts to: the bus starts no task for the others (a bulk import
    #: publishes hundreds of thousands of events).
    event_types = (LowStockReached,)

    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier

    async def __call__(self, event: DomainEvent) -> None:
        if isinstance(event, LowStockReached):
            await self.notifier.notify(event)
