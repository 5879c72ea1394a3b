"""One store per backend for the contract suite: memory, SQLite and PostgreSQL, each fresh."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.memory import InMemoryIdempotencyStore, InMemoryStore, InMemoryUnitOfWork
from adapters.sqlalchemy import SqlAlchemyIdempotencyStore, SqlAlchemyUnitOfWork, create_engine
from application.ports import EventPublisher, IdempotencyStore, UnitOfWork
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
    def __call__(
        self, *, read_only: bool = False, publisher: EventPublisher | None = None
    ) -> UnitOfWork: ...


@dataclass
class Backend:
    name: str
    uow: UowFactory
    idempotency: IdempotencyStore
    engine: AsyncEngine | None = None


def _memory() -> Backend:
    store = InMemoryStore()

    def uow(*, read_only: bool = False, publisher: EventPublisher | None = None) -> UnitOfWork:
        return InMemoryUnitOfWork(store, publisher, read_only=read_only)

    return Backend("memory", uow, InMemoryIdempotencyStore())


def _sql(name: str, engine: AsyncEngine) -> Backend:
    def uow(*, read_only: bool = False, publisher: EventPublisher | None = None) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(engine, publisher, read_only=read_only)

    return Backend(name, uow, SqlAlchemyIdempotencyStore(engine), engine)


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
    engine = create_engine(url)
    try:
        yield _sql(request.param, engine)
    finally:
        await engine.dispose()
