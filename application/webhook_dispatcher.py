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
from functools import partial
from uuid import UUID, uuid4

from application.errors import UnsafeWebhookUrl
from application.outbox import EventLog, EventQuery, StoredEvent
from application.ports import Clock, UnitOfWork
from application.webhook_signing import delivery_body, delivery_headers
from application.webhooks import SentRequest, UrlGuard, WebhookClaims, WebhookSender
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
    """The relay runs ``pump`` every round, up to fifty times a second under load: the list of
    endpoints is read again every ``refresh_seconds`` only (a new endpoint waits that long at
    most), and an endpoint with nothing new and no retry due costs no store access at all.

    Each delivery happens inside the endpoint's claim (``WebhookClaims``), so even two relays
    that both believe they lead send one event at a time to an endpoint, in order. A claim in
    progress may hold a database connection for as long as the receiver takes: at most
    ``parallel`` run at once, well inside the connection pool."""

    uow: Callable[[], UnitOfWork]
    log: EventLog
    delivery: WebhookDelivery
    claims: WebhookClaims
    per_round: int = 50
    refresh_seconds: float = 1.0
    parallel: int = 8
    rng: random.Random = field(default_factory=random.Random)
    _endpoints: dict[UUID, WebhookEndpoint] = field(default_factory=dict)
    _refresh_at: float = float("-inf")
    #: Per endpoint, the newest position when it last found no event of its types to send.
    _idle_at: dict[UUID, int] = field(default_factory=dict)
    _turns: asyncio.Semaphore = field(init=False)

    def __post_init__(self) -> None:
        self._turns = asyncio.Semaphore(self.parallel)

    async def pump(self) -> None:
        """One pass over the endpoints that have something to do."""
        loop = asyncio.get_running_loop()
        if loop.time() >= self._refresh_at:
            async with self.uow() as uow:
                self._endpoints = {e.id: e for e in await uow.webhooks.list()}
            self._refresh_at = loop.time() + self.refresh_seconds
        if not self._endpoints:
            return
        now, newest = self.delivery.clock.now(), await self.log.last_position()
        due = [
            endpoint.id
            for endpoint in self._endpoints.values()
            if endpoint.due(now)
            and (
                endpoint.attempts or endpoint.position < newest > self._idle_at.get(endpoint.id, -1)
            )
        ]
        await asyncio.gather(*(self._serve(endpoint_id, newest) for endpoint_id in due))

    async def _serve(self, endpoint_id: UUID, newest: int) -> None:
        try:
            for _ in range(self.per_round):
                async with self._turns:
                    if not await self._next(endpoint_id, newest):
                        return
        except Exception:
            logger.exception("webhook endpoint %s: delivery round failed", endpoint_id)

    async def _next(self, endpoint_id: UUID, newest: int) -> bool:
        """Deliver the endpoint's next event; True when it went and another may follow."""
        async with self.claims.claim(endpoint_id) as claim:
            if claim is None:  # gone, or another relay's turn: the next refresh tells
                self._endpoints.pop(endpoint_id, None)
                return False
            endpoint = claim.endpoint
            self._endpoints[endpoint_id] = endpoint
            if not endpoint.due(self.delivery.clock.now()):
                return False
            query = EventQuery(after=endpoint.position, limit=1, types=endpoint.event_types)
            events = await self.log.read(query)
            if not events:
                self._idle_at[endpoint_id] = newest
                return False
            event = events[0]
            sent = await self.delivery.send(endpoint, event)
            saved = await claim.record(partial(self._outcome, event=event, sent=sent))
        if saved is None:
            return False
        self._endpoints[endpoint_id] = saved
        return sent.ok

    def _outcome(
        self, endpoint: WebhookEndpoint, *, event: StoredEvent, sent: SentRequest
    ) -> DeliveryAttempt:
        """Moves ``endpoint`` past ``event``, or schedules its retry; the attempt to log."""
        now = self.delivery.clock.now()
        if sent.ok:
            endpoint.delivered(event.position, at=now)
            outcome = "delivered"
        elif endpoint.failed(at=now, pause=backoff(endpoint.attempts + 1, self.rng)):
            endpoint.skip(event.position)
            outcome = "dead"
            logger.warning("webhook %s: event %s dead-lettered", endpoint.id, event.event_id)
        else:
            outcome = "failed"
        return self.delivery.attempt(endpoint, event, sent, outcome)
