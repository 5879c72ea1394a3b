"""The fan-out's behaviour when PostgreSQL is not there (no server needed)."""

import asyncio
import socket
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from adapters.memory import InProcessEventBus
from adapters.postgres.notify_events import (
    PostgresEventListener,
    PostgresNotifyPublisher,
    asyncpg_dsn,
)
from domain.events import DomainEvent, LowStockReached


def closed_port_dsn() -> str:
    with socket.socket() as probe:  # a port nobody listens on: connections are refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql://postgres@127.0.0.1:{port}/none"


def low_stock() -> LowStockReached:
    return LowStockReached(
        occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        item_id=uuid4(),
        sku="A-1",
        version=3,
        quantity=1,
        reorder_level=2,
    )


@pytest.mark.parametrize(
    ("url", "dsn"),
    [
        ("postgresql+asyncpg://u:p@db:5432/inv", "postgresql://u:p@db:5432/inv"),
        ("postgresql://u@db/inv?sslmode=require", "postgresql://u@db/inv?sslmode=require"),
        ("postgres://u@db/inv", "postgresql://u@db/inv"),
    ],
)
def test_database_urls_become_asyncpg_dsns(url: str, dsn: str) -> None:
    assert asyncpg_dsn(url) == dsn


@pytest.mark.parametrize("url", ["sqlite+aiosqlite:///var/db.sqlite", "db.example.org/inv", ""])
def test_other_databases_cannot_carry_the_fan_out(url: str) -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        asyncpg_dsn(url)


async def test_a_committed_change_survives_an_unreachable_database(
    caplog: pytest.LogCaptureFixture,
) -> None:
    handled: list[DomainEvent] = []

    async def record(event: DomainEvent) -> None:
        handled.append(event)

    bus = InProcessEventBus(handlers=[record])
    publisher = PostgresNotifyPublisher(closed_port_dsn(), "events", bus)
    event = low_stock()

    await publisher.publish([event])
    await bus.drain()
    await publisher.aclose()

    assert handled == [event]
    assert "outbox notice not sent" in caplog.text  # the event waits for the next poll


async def test_a_listener_without_a_server_keeps_retrying_and_stops_cleanly(
    caplog: pytest.LogCaptureFixture,
) -> None:
    listener = PostgresEventListener(
        closed_port_dsn(), "events", InProcessEventBus(), min_backoff_seconds=0.01
    )
    await listener.start()
    async with asyncio.timeout(10):  # a bound against hangs only
        while caplog.text.count("reconnecting") < 2:  # noqa: ASYNC110 - polls a captured log
            await asyncio.sleep(0.01)
    await listener.stop()

    assert not listener.listening
    with pytest.raises(TimeoutError):
        await listener.wait_listening(0.01)
