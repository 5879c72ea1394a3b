"""One store per backend for the contract suite: memory, SQLite and PostgreSQL, each fresh."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pytest

from adapters.memory import InMemoryQuerySession, InMemoryStore, InMemoryUnitOfWork
from adapters.memory.event_log import InMemoryEventLog
from adapters.sqlalchemy import (
    Database,
    SqlAlchemyQuerySession,
    SqlAlchemyUnitOfWork,
    create_engine,
)
from adapters.sqlalchemy.event_log import SqlAlchemyEventLog
from adapters.sqlalchemy.search import INDEXED_SHARE
from application.outbox import EventLog
from application.ports import EventPublisher, QuerySession, UnitOfWork
from domain.events import DomainEvent
from tests.databases import empty_postgres, fresh_sqlite_url

BACKENDS = [
    "memory",
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]


@dataclass
class RecordingPublisher:
    published: list[DomainEvent] = field(default_factory=list)

    async def publish(self, events: Sequence[DomainEvent]) -> None:
        self.published.extend(events)


class UowFactory(Protocol):
    def __call__(self, *, publisher: EventPublisher | None = None) -> UnitOfWork: ...


class QueriesFactory(Protocol):
    def __call__(self, *, snapshot: bool = False) -> QuerySession: ...


@dataclass
class Backend:
    name: str
    uow: UowFactory
    queries: QueriesFactory
    events: EventLog
    database: Database | None = None

    @property
    def positions_at_write(self) -> bool:
        """SQLite positions outbox rows as they are written (its writers never overlap)."""
        return self.database is not None and self.database.name == "sqlite"


def _memory() -> Backend:
    store = InMemoryStore()

    def uow(*, publisher: EventPublisher | None = None) -> UnitOfWork:
        return InMemoryUnitOfWork(store, publisher)

    def queries(*, snapshot: bool = False) -> QuerySession:
        return InMemoryQuerySession(store, snapshot=snapshot)

    return Backend("memory", uow, queries, InMemoryEventLog(store))


def sql_backend(name: str, database: Database, *, indexed_share: float = INDEXED_SHARE) -> Backend:
    def uow(*, publisher: EventPublisher | None = None) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(database, publisher)

    def queries(*, snapshot: bool = False) -> QuerySession:
        return SqlAlchemyQuerySession(
            database, snapshot=snapshot, search_indexed_share=indexed_share
        )

    return Backend(name, uow, queries, SqlAlchemyEventLog(database), database)


@pytest.fixture(params=BACKENDS)
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield _memory()
        return
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        url = fresh_sqlite_url(template, tmp_path)
    else:
        url = request.getfixturevalue("postgres_url")
        await empty_postgres(url)
    database = create_engine(url)
    try:
        yield sql_backend(request.param, database)
    finally:
        await database.dispose()
