"""Webhook claims on SQLAlchemy: a row lock on PostgreSQL, checked claims on SQLite.

On PostgreSQL a turn at an endpoint is a transaction that locks the endpoint's row
(``SELECT … FOR UPDATE SKIP LOCKED``), sends the event while it holds the lock, and records the
outcome in the same transaction. A second relay skips an endpoint whose row is locked, and the
relay that locks it next reads the position the previous turn committed: even two relays that
both believe they lead (one lost its advisory lock and has not noticed yet) send one event at a
time per endpoint, in order. If the holder's connection dies, the server rolls its turn back
and frees the row; a send already on the wire may then still arrive late, a limit no lock in
the database can lift (the receiver dedupes by ``webhook-id``).

The transaction takes no ledger barrier (``WriteSession(barrier=False)``): it stamps nothing
with the clock, and it stays open for up to the webhook timeout. Each turn in progress holds
one pooled connection; the dispatcher bounds how many run at once.

SQLite keeps the checked claims of ``application.webhook_claims``: its writers hold the
database's write lock for their whole transaction, which must not last an HTTP call, and its
relay leader holds a kernel file lock until it dies, so two relays never send at once there.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from uuid import UUID

from adapters.sqlalchemy.database import Database
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.webhook_repository import SqlAlchemyWebhookRepository
from application.ports import UnitOfWork
from application.webhook_claims import CheckedClaims
from application.webhooks import WebhookClaims
from domain.webhooks import DeliveryAttempt, WebhookEndpoint


class LockedClaim:
    def __init__(self, session: WriteSession, endpoint: WebhookEndpoint) -> None:
        self._session = session
        self._endpoint = endpoint

    @property
    def endpoint(self) -> WebhookEndpoint:
        return self._endpoint

    async def record(
        self, outcome: Callable[[WebhookEndpoint], DeliveryAttempt]
    ) -> WebhookEndpoint | None:
        """The row stayed locked since it was read: no one changed it meanwhile."""
        attempt = outcome(self._endpoint)
        webhooks = SqlAlchemyWebhookRepository(self._session)
        await webhooks.save(self._endpoint)
        await webhooks.log(attempt)
        await self._session.commit()
        return self._endpoint


class RowLockClaims:
    def __init__(self, database: Database) -> None:
        self._database = database

    @asynccontextmanager
    async def claim(self, endpoint_id: UUID) -> AsyncIterator[LockedClaim | None]:
        session = WriteSession(self._database, barrier=False)
        await session.open()
        try:
            endpoint = await SqlAlchemyWebhookRepository(session).claim(endpoint_id)
            yield None if endpoint is None else LockedClaim(session, endpoint)
        finally:
            await session.close()


def webhook_claims(database: Database, uow: Callable[[], UnitOfWork]) -> WebhookClaims:
    """The claims that fit the database; ``uow`` makes the SQLite turns' units of work."""
    if database.name == "postgresql":
        return RowLockClaims(database)
    return CheckedClaims(uow)
