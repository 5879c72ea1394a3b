"""An endpoint's delivery log, and a manual redelivery of one of its events."""

from uuid import UUID

from application.actors import Actor
from application.outbox import EventLog, EventQuery
from application.ports import Page, UnitOfWork
from application.use_cases._lookup import check_page
from application.use_cases.manage_webhooks import _load
from application.webhook_dispatcher import WebhookDelivery
from domain.errors import NotFound
from domain.webhooks import DeliveryAttempt


class ListWebhookDeliveries:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(
        self, actor: Actor, endpoint_id: UUID, *, offset: int = 0, limit: int = 20
    ) -> Page[DeliveryAttempt]:
        check_page(offset, limit)
        async with self.uow:
            await _load(self.uow, actor, endpoint_id)
            return await self.uow.webhooks.attempts(endpoint_id, offset=offset, limit=limit)


class RedeliverWebhook:
    """Send a logged delivery's event to its endpoint once more, now (also a dead-lettered
    one, once the receiver is fixed). It is logged as a manual attempt and leaves the endpoint's
    place in the stream as it is."""

    def __init__(self, uow: UnitOfWork, log: EventLog, delivery: WebhookDelivery) -> None:
        self.uow = uow
        self.log = log
        self.delivery = delivery

    async def execute(self, actor: Actor, endpoint_id: UUID, attempt_id: UUID) -> DeliveryAttempt:
        async with self.uow:
            endpoint = await _load(self.uow, actor, endpoint_id)
            logged = await self.uow.webhooks.attempt(endpoint_id, attempt_id)
        if logged is None:
            raise NotFound("delivery", attempt_id)
        found = await self.log.read(
            EventQuery(after=logged.position - 1, limit=1, include_internal=True)
        )
        if not found or found[0].position != logged.position:
            raise NotFound("event", logged.event_id)  # pruned since: past the retention
        sent = await self.delivery.send(endpoint, found[0])
        outcome = "delivered" if sent.ok else "failed"
        attempt = self.delivery.attempt(endpoint, found[0], sent, outcome, manual=True)
        async with self.uow:
            await self.uow.webhooks.log(attempt)
            await self.uow.commit()
        return attempt
