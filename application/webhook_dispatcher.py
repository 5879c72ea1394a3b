"""The webhook dispatcher: run by the relay's leader every round, it delivers each endpoint's
events in order, one at a time, and keeps each endpoint's state and delivery log.

Endpoints are served side by side, so a slow or failing endpoint holds back only its own events.
A delivery counts when the endpoint answered 2xx; anything else (another status, a timeout, a
refused connection, an address the SSRF guard refuses) is a failure, retried after
``domain.webhooks.backoff`` until the event is dead-lettered (see ``domain/webhooks.py``).
"""

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from application.errors import UnsafeWebhookUrl
from application.outbox import EventLog, EventQuery, StoredEvent
from application.ports import Clock, UnitOfWork
from application.webhook_signing import delivery_body, delivery_headers
from application.webhooks import SentRequest, UrlGuard, WebhookSender
from domain.webhooks import DeliveryAttempt, WebhookEndpoint, backoff

logger = logging.getLogger(__name__)


@dataclass
class WebhookDelivery:
    """Sends one event to one endpoint (the dispatcher's and a manual redelivery's)."""

    sender: WebhookSender
    guard: UrlGuard
    clock: Clock

    async def send(self, endpoint: WebhookEndpoint, event: StoredEvent) -> SentRequest:
        try:
            await self.guard.check(endpoint.url)
        except UnsafeWebhookUrl as refused:
            return SentRequest(status_code=None, latency_ms=0, error=refused.message[:500])
        body = delivery_body(event)
        headers = delivery_headers(
            event, body, endpoint.signing_secrets(self.clock.now()), self.clock.now()
        )
        return await self.sender.send(endpoint.url, body, headers)

    def attempt(
        self,
        endpoint: WebhookEndpoint,
        event: StoredEvent,
        sent: SentRequest,
        outcome: str,
        *,
        manual: bool = False,
    ) -> DeliveryAttempt:
        return DeliveryAttempt(
            id=uuid4(),
            endpoint_id=endpoint.id,
            position=event.position,
            event_id=event.event_id,
            event_type=event.type,
            attempted_at=self.clock.now(),
            status_code=sent.status_code,
            latency_ms=sent.latency_ms,
            outcome=outcome,
            error=sent.error,
            manual=manual,
        )


@dataclass
class WebhookDispatcher:
    uow: Callable[[], UnitOfWork]
    log: EventLog
    delivery: WebhookDelivery
    per_round: int = 50
    rng: random.Random = field(default_factory=random.Random)

    async def pump(self) -> None:
        """One pass over the endpoints that are due."""
        async with self.uow() as uow:
            endpoints = await uow.webhooks.list()
        now = self.delivery.clock.now()
        due = [endpoint.id for endpoint in endpoints if endpoint.due(now)]
        await asyncio.gather(*(self._serve(endpoint_id) for endpoint_id in due))

    async def _serve(self, endpoint_id: UUID) -> None:
        try:
            for _ in range(self.per_round):
                if not await self._next(endpoint_id):
                    return
        except Exception:
            logger.exception("webhook endpoint %s: delivery round failed", endpoint_id)

    async def _next(self, endpoint_id: UUID) -> bool:
        """Deliver the endpoint's next event; True when it went and another may follow."""
        async with self.uow() as uow:
            endpoint = await uow.webhooks.get(endpoint_id)
        if endpoint is None or not endpoint.due(self.delivery.clock.now()):
            return False
        query = EventQuery(after=endpoint.position, limit=1, types=endpoint.event_types)
        events = await self.log.read(query)
        if not events:
            return False
        event = events[0]
        sent = await self.delivery.send(endpoint, event)
        async with self.uow() as uow:
            current = await uow.webhooks.get(endpoint_id)  # an admin may have changed it
            if current is None or current.position != endpoint.position:
                return False
            now = self.delivery.clock.now()
            if sent.ok:
                current.delivered(event.position, at=now)
                outcome = "delivered"
            elif current.failed(at=now, pause=backoff(current.attempts + 1, self.rng)):
                current.skip(event.position)
                outcome = "dead"
                logger.warning("webhook %s: event %s dead-lettered", endpoint_id, event.event_id)
            else:
                outcome = "failed"
            await uow.webhooks.save(current)
            await uow.webhooks.log(self.delivery.attempt(current, event, sent, outcome))
            await uow.commit()
        return sent.ok
