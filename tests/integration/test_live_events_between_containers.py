"""The container's wiring of live events through the outbox: a change made through one
process's use cases reaches the WebSocket listeners of every process, in position order, the
same order everywhere (two containers whose resources run as the REST lifespan and the CLI run
them)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from dependency_injector import providers

from application.commands import AdjustStockCommand, CreateItemCommand
from application.outbox import StoredEvent
from domain.users import Principal, Role
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.databases import empty_postgres

pytestmark = [pytest.mark.timeout(60)]
CLERK = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)
BOUND = 15.0  # seconds: a bound against hangs only
CHANNEL = f"test_events_{uuid4().hex}"  # this run's processes only


@asynccontextmanager
async def serving(container: Container, *, listen: bool = True) -> AsyncIterator[None]:
    """The container's resources for a serving process (``listen``) or a CLI command."""
    container.listens_for_live_events.override(providers.Object(listen))
    await start(container)
    try:
        yield
    finally:
        await close(container)


async def received(queue: "asyncio.Queue[StoredEvent]", count: int) -> list[StoredEvent]:
    async with asyncio.timeout(BOUND):
        return [await queue.get() for _ in range(count)]


@pytest.fixture
async def shared_postgres(postgres_url: str) -> str:
    await empty_postgres(postgres_url)
    return postgres_url


def sql_container(tmp_path: Path, url: str, name: str) -> Container:
    settings = make_settings(
        tmp_path / name,
        storage="sqlalchemy",
        database_url=url,
        event_channel=CHANNEL,
        event_poll_seconds=5.0,  # the NOTIFY wake-ups must do the work
    )
    return build_container(settings)


@pytest.mark.postgres
async def test_a_change_in_one_process_reaches_the_listeners_of_every_process_in_order(
    tmp_path: Path, shared_postgres: str
) -> None:
    writer = sql_container(tmp_path, shared_postgres, "writer")
    reader = sql_container(tmp_path, shared_postgres, "reader")
    async with (
        serving(writer),
        serving(reader),
        reader.event_bus().listen() as far,
        writer.event_bus().listen() as near,
    ):
        created = await writer.create_item().execute(
            CreateItemCommand(actor=CLERK, sku="A-1", name="Anvil", unit_price="3", quantity=1)
        )
        await writer.adjust_stock().execute(
            AdjustStockCommand(actor=CLERK, item=created.item.id, delta=4, reason="received")
        )
        got_far, got_near = await received(far, 2), await received(near, 2)
    assert got_far == got_near
    assert [e.type for e in got_far] == ["item.created", "stock.adjusted"]
    assert [e.aggregate_version for e in got_far] == [1, 2]
    assert got_far[1].position > got_far[0].position
    assert far.empty()
    assert near.empty()
    counted = writer.metrics_registry().get_sample_value(
        "inventory_stock_movements_total", {"reason": "received"}
    )
    assert counted == 2  # the after-commit handlers ran where the change was made, once
    assert (
        reader.metrics_registry().get_sample_value(
            "inventory_stock_movements_total", {"reason": "received"}
        )
        == 0
    )


@pytest.mark.postgres
async def test_a_cli_process_writes_the_outbox_and_a_server_relays_it(
    tmp_path: Path, shared_postgres: str
) -> None:
    server = sql_container(tmp_path, shared_postgres, "server")
    cli = sql_container(tmp_path, shared_postgres, "cli")
    async with serving(server), serving(cli, listen=False), server.event_bus().listen() as queue:
        assert await cli.event_relay() is None
        assert await cli.live_tail() is None
        await cli.create_item().execute(
            CreateItemCommand(actor=CLERK, sku="B-2", name="Bolt", unit_price="1")
        )
        (event,) = await received(queue, 1)
    assert event.type == "item.created"
    assert event.data()["sku"] == "B-2"


async def test_local_fan_out_needs_no_database(tmp_path: Path) -> None:
    container = build_container(make_settings(tmp_path))
    async with serving(container), container.event_bus().listen() as queue:
        await container.create_item().execute(
            CreateItemCommand(actor=CLERK, sku="C-3", name="Cog", unit_price="1")
        )
        (event,) = await received(queue, 1)
    assert event.type == "item.created"
    assert event.position == 1
