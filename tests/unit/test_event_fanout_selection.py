import asyncio
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest
from dependency_injector import providers
from pydantic import ValidationError

from adapters.memory import InProcessEventBus
from adapters.postgres.notify_events import PostgresNotifyPublisher
from domain.events import DomainEvent, ItemDeleted
from entrypoints.container import build_container, close, start
from tests.conftest import make_settings

PG = "postgresql+asyncpg://inventory@db:5432/inventory"


@pytest.mark.parametrize(
    ("overrides", "fanout"),
    [
        ({}, "local"),
        ({"storage": "sqlalchemy", "database_url": "sqlite+aiosqlite:///var/db.sqlite"}, "local"),
        ({"storage": "sqlalchemy", "database_url": PG}, "postgres"),
        ({"storage": "sqlalchemy", "database_url": PG, "event_fanout": "local"}, "local"),
        ({"storage": "memory", "database_url": PG}, "local"),
        ({"storage": "memory", "database_url": PG, "event_fanout": "postgres"}, "postgres"),
    ],
)
def test_the_fan_out_follows_the_store(
    tmp_path: Path, overrides: dict[str, object], fanout: str
) -> None:
    assert make_settings(tmp_path, **overrides).live_event_fanout == fanout


@pytest.mark.parametrize("url", [None, "sqlite+aiosqlite:///x.db", "sqlite:///postgresql.db"])
def test_postgres_fan_out_needs_a_postgres_url(tmp_path: Path, url: str | None) -> None:
    with pytest.raises(ValidationError, match="INVENTORY_EVENT_FANOUT=postgres"):
        make_settings(tmp_path, event_fanout="postgres", database_url=url)


@pytest.mark.parametrize("channel", ["", "Events", "1events", "events; drop table", "e" * 64])
def test_the_channel_is_a_plain_identifier(tmp_path: Path, channel: str) -> None:
    with pytest.raises(ValidationError):
        make_settings(tmp_path, event_channel=channel)


def test_local_fan_out_publishes_straight_to_the_bus(tmp_path: Path) -> None:
    container = build_container(make_settings(tmp_path))

    assert container.event_publisher() is container.event_bus()
    assert isinstance(container.event_bus(), InProcessEventBus)


def test_postgres_fan_out_publishes_through_postgres(tmp_path: Path) -> None:
    container = build_container(make_settings(tmp_path, storage="sqlalchemy", database_url=PG))

    publisher = container.event_publisher()

    assert isinstance(publisher, PostgresNotifyPublisher)
    assert publisher is container.event_publisher()  # one connection per process
    assert publisher.origin == container.event_origin()  # the listener's origin too


@pytest.mark.parametrize("serving", [False, True])
async def test_nothing_listens_with_the_local_fan_out(tmp_path: Path, serving: bool) -> None:
    container = build_container(make_settings(tmp_path))
    container.listens_for_live_events.override(providers.Object(serving))

    await start(container)
    try:
        assert await container.event_listener() is None
    finally:
        await close(container)


async def test_a_command_publishes_through_postgres_without_listening(tmp_path: Path) -> None:
    """A CLI command's container: the PostgreSQL publisher, and no LISTEN connection (the
    database here does not exist: starting must not try to reach it)."""
    container = build_container(make_settings(tmp_path, storage="sqlalchemy", database_url=PG))

    await start(container)
    try:
        assert await container.event_listener() is None
        assert isinstance(await container.event_publishing(), PostgresNotifyPublisher)
    finally:
        await close(container)


async def test_shutting_the_resources_down_waits_for_after_commit_handlers(
    tmp_path: Path,
) -> None:
    handled: list[DomainEvent] = []

    async def slow_handler(event: DomainEvent) -> None:
        await asyncio.sleep(0.05)
        handled.append(event)

    container = build_container(make_settings(tmp_path))
    bus = InProcessEventBus(handlers=[slow_handler])
    with container.event_bus.override(providers.Object(bus)):
        await start(container)
        event = ItemDeleted(occurred_at=datetime.now(UTC), item_id=uuid4(), sku="A-1", version=2)
        await container.event_publisher().publish([event])
        assert handled == []
        await close(container)

    assert handled == [event]


@pytest.mark.parametrize(
    ("overrides", "json_logs"),
    [
        ({}, False),
        ({"env": "production"}, True),
        ({"env": "production", "log_format": "console"}, False),
        ({"log_format": "json"}, True),
    ],
)
def test_json_logs_in_production(
    tmp_path: Path, overrides: dict[str, object], json_logs: bool
) -> None:
    assert make_settings(tmp_path, **overrides).json_logs is json_logs
