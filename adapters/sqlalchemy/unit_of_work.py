"""The SQL unit of work: one session, in one transaction, per ``async with`` block.

It behaves like ``InMemoryUnitOfWork``: repositories never commit; ``commit`` makes the item
rows, their ledger rows, the idempotency record and the outbox events durable together and only
then publishes the collected events; leaving the block without commit, or with an exception,
rolls everything back and publishes nothing. How writers are serialised is described in
``sqlite.py`` (SQLite) and in ``item_repository.py`` (``SELECT … FOR UPDATE`` on PostgreSQL).
"""

from types import TracebackType
from typing import Self

from adapters.origin import FixedOrigin
from adapters.sqlalchemy.access import SqlAlchemyApiTokenRepository, SqlAlchemySessionRepository
from adapters.sqlalchemy.audit import SqlAlchemyAuditTrail
from adapters.sqlalchemy.database import Database
from adapters.sqlalchemy.event_log import OutboxWriter, write_outbox
from adapters.sqlalchemy.idempotency import SqlAlchemyIdempotencyRepository
from adapters.sqlalchemy.item_repository import (
    SqlAlchemyItemRepository,
    SqlAlchemyMovementRepository,
)
from adapters.sqlalchemy.location_repository import (
    SqlAlchemyLocationRepository,
    SqlAlchemyStocktakeRepository,
)
from adapters.sqlalchemy.login_attempts import SqlAlchemyLoginAttemptRepository
from adapters.sqlalchemy.reservations import SqlAlchemyReservationRepository
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.user_repository import SqlAlchemyUserRepository
from adapters.sqlalchemy.webhook_repository import SqlAlchemyWebhookRepository
from adapters.unit_of_work import EventCollector
from application.history import OriginSource
from application.outbox import outbox_entries
from application.ports import EventPublisher
from domain.audit import Origin


class SqlAlchemyUnitOfWork:
    def __init__(
        self,
        database: Database,
        publisher: EventPublisher | None = None,
        origin: OriginSource | None = None,
        *,
        outbox: OutboxWriter = write_outbox,
    ) -> None:
        #: How the events reach the outbox; the benchmark swaps it to measure what it costs.
        self._write_outbox = outbox
        self._session = WriteSession(database)
        self._origin = origin or FixedOrigin()
        self._events = EventCollector(publisher)
        self._open = False
        self.items = SqlAlchemyItemRepository(self._session, self._events.track)
        self.movements = SqlAlchemyMovementRepository(self._session)
        self.users = SqlAlchemyUserRepository(self._session, self._events.track)
        self.login_attempts = SqlAlchemyLoginAttemptRepository(self._session)
        self.idempotency = SqlAlchemyIdempotencyRepository(self._session)
        self.locations = SqlAlchemyLocationRepository(self._session, self._events.track)
        self.stocktakes = SqlAlchemyStocktakeRepository(self._session)
        self.reservations = SqlAlchemyReservationRepository(self._session, self._events.track)
        self.sessions = SqlAlchemySessionRepository(self._session)
        self.api_tokens = SqlAlchemyApiTokenRepository(self._session)
        self.webhooks = SqlAlchemyWebhookRepository(self._session)
        self.audit = SqlAlchemyAuditTrail(self._session)

    def origin(self) -> Origin:
        return self._origin.current()

    async def __aenter__(self) -> Self:
        if self._open:
            raise RuntimeError("this unit of work is already open; use a new one")
        await self._session.open()
        self._open = True
        self.items.reset()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._open = False
        self._events.discard()
        await self._session.close()

    async def commit(self) -> None:
        # The outbox rows go in the same transaction, last: one statement for all the events.
        await self._write_outbox(self._session, outbox_entries(self._events.pending()))
        await self._session.commit()
        self.items.reset()
        await self._events.publish(self._events.committed())

    async def rollback(self) -> None:
        self._events.discard()
        self.items.reset()
        await self._session.rollback()
