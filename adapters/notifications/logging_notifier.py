import logging

from domain.events import DomainEvent

logger = logging.getLogger("inventory.notifications")


class LoggingNotifier:
    """Writes notifications to the log; a mail or chat adapter can replace it behind the port."""

    async def notify(self, event: DomainEvent) -> None:
        logger.warning("notification: %s", event.payload())
