"""Actors and helpers for the use-case tests (all on the in-memory container)."""

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from uuid import UUID, uuid4

import pytest

from adapters.memory import InMemoryStore
from adapters.postgres.event_codec import rebuild
from application.commands import CreateItemCommand, RegisterUserCommand
from application.outbox import StoredEvent, outbox_entry
from domain.events import DomainEvent
from domain.items import Item
from domain.users import Principal, Role, User
from entrypoints.container import Container

PASSWORD = "correct horse battery"


def principal(role: Role) -> Principal:
    return Principal(user_id=uuid4(), username=f"{role.value}-actor", role=role)


@pytest.fixture
def admin() -> Principal:
    return principal(Role.ADMIN)


@pytest.fixture
def clerk() -> Principal:
    return principal(Role.CLERK)


@pytest.fixture
def viewer() -> Principal:
    return principal(Role.VIEWER)


async def create_item(
    container: Container, actor: Principal, *, sku: str = "W-1", **overrides: object
) -> Item:
    values: dict[str, object] = {"name": "Widget", "unit_price": "9.99"}
    values.update(overrides)
    return (
        await container.create_item().execute(
            CreateItemCommand(actor=actor, sku=sku, **values)  # type: ignore[arg-type]
        )
    ).item


async def register(
    container: Container,
    username: str,
    role: str,
    *,
    actor: Principal | None,
    password: str = PASSWORD,
) -> User:
    return await container.register_user().execute(
        RegisterUserCommand(actor=actor, username=username, password=password, role=role)
    )


@pytest.fixture
async def root(container: Container) -> User:
    """The first admin of the store, created by the bootstrap path (no acting user)."""
    return await register(container, "root", "admin", actor=None)


def store(container: Container) -> InMemoryStore:
    return container.memory_store()


def ledger_sum(container: Container, item_id: UUID) -> int:
    return sum(movement.delta for movement in store(container).movements.get(item_id, []))


@asynccontextmanager
async def recorded(container: Container) -> AsyncIterator[list[DomainEvent]]:
    """Collects the events committed to the outbox while the block runs, including after it
    raised, rebuilt as domain events from the rows' JSON."""
    events: list[DomainEvent] = []
    outbox = store(container).outbox
    before = len(outbox)
    try:
        yield events
    finally:
        events.extend(rebuild(json.loads(entry.payload)) for entry in outbox[before:])


def positioned(event: DomainEvent, position: int = 1) -> StoredEvent:
    """``event`` as the live stream hands it out: its outbox row, positioned."""
    entry = outbox_entry(event)
    return StoredEvent(position=position, **asdict(entry))
