"""Claims checked at the record, for stores whose relay keeps its lead until it dies.

The turn holds no lock while the event is sent: the endpoint is read in one unit of work and
the outcome recorded in another, only if the endpoint's position has not moved. That suffices
where two relays never send at once: the in-memory store lives in one process, and a SQLite
leader holds a kernel file lock that is released only when its process exits, so no successor
starts while the old leader can still send. (Holding SQLite's write lock across an HTTP call
instead would stop every writer of the database for as long as the receiver takes.)
PostgreSQL, where a leader may lose its lock while it lives, fences with a row lock instead
(``adapters.sqlalchemy.webhook_claims``).
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from uuid import UUID

from application.ports import UnitOfWork
from domain.webhooks import DeliveryAttempt, WebhookEndpoint


@dataclass(frozen=True)
class CheckedClaim:
    uow: Callable[[], UnitOfWork]
    endpoint: WebhookEndpoint

    async def record(
        self, outcome: Callable[[WebhookEndpoint], DeliveryAttempt]
    ) -> WebhookEndpoint | None:
        async with self.uow() as uow:
            current = await uow.webhooks.get(self.endpoint.id)
            if current is None or current.position != self.endpoint.position:
                return None
            attempt = outcome(current)
            await uow.webhooks.save(current)
            await uow.webhooks.log(attempt)
            await uow.commit()
        return current


@dataclass(frozen=True)
class CheckedClaims:
    uow: Callable[[], UnitOfWork]

    @asynccontextmanager
    async def claim(self, endpoint_id: UUID) -> AsyncIterator[CheckedClaim | None]:
        async with self.uow() as uow:
            endpoint = await uow.webhooks.get(endpoint_id)
        yield None if endpoint is None else CheckedClaim(self.uow, endpoint)
