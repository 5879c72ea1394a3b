"""The container's wiring of the fan-out: a change made through one process's use cases reaches
the WebSocket listeners of another process (two containers whose resources run as the REST
lifespan and the CLI run them)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from uuid import uuid4

import pytest
from dependency_injector import providers

from application.commands import AdjustStockCommand, CreateItemCommand
from domain.events import ItemCreated, StockAdjusted
from domain.users import Principal, Role
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.postgres_server import postgres_url_or_skip

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]
CLERK = Principal(user_id=uuid4(), username="clerk", role=Role.CLERK)


@asynccontextmanager
async def live_event_fanout(container: Container, *, listen: bool = True) -> AsyncIterator[None]:
    """The container's resources for a serving process (``listen``) or a CLI command."""
    container.listens_for_live_events.override(providers.Object(listen))
    await start(container)
    try:
        yield
    finally:
        await close(container)


async def test_a_change_in_one_process_reaches_the_listeners_of_another(tmp_path: Path) -> None:
    url = await postgres_url_or_skip()
    channel = f"test_events_{uuid4().hex}"

    def container(name: str) -> Container:
        # The memory store stands in for the SQL one here; only the events travel.
        settings = make_settings(
            tmp_path / name, database_url=url, event_fanout="postgres", event_channel=channel
        )
        return build_container(settings)

    writer, reader = container("writer"), container("reader")
    async with (
        live_event_fanout(writer),
        live_event_fanout(reader),
        reader.event_bus().listen() as far,
        writer.event_bus().listen() as near,
    ):
        created = await writer.create_item().execute(
            CreateItemCommand(actor=CLERK, sku="A-1", name="Anvil", unit_price="3", quantity=1)
        )
        item = created.item
        await writer.adjust_stock().execute(
            AdjustStockCommand(actor=CLERK, item=item.id, delta=4, reason="received")
        )
        async with asyncio.timeout(15):
            got_far = [await far.get(), await far.get()]
            got_near = [await near.get(), await near.get()]

    for received in (got_far, got_near):
        assert [type(event) for event in received] == [ItemCreated, StockAdjusted]
        assert [event.version for event in received] == [1, 2]  # type: ignore[attr-defined]
    assert far.empty()
    assert near.empty()
    counted = writer.metrics_registry().get_sample_value(
        "inventory_stock_movements_total", {"reason": "received"}
    )
    assert counted == 2
    assert (
        reader.metrics_registry().get_sample_value(
            "inventory_stock_movements_total", {"reason": "received"}
        )
        == 0
    )


async def test_a_cli_process_publishes_without_listening(tmp_path: Path) -> None:
    url = await postgres_url_or_skip()
    channel = f"test_events_{uuid4().hex}"
    server = build_container(
        make_settings(
            tmp_path / "s", database_url=url, event_fanout="postgres", event_channel=channel
        )
    )
    cli = build_container(
        make_settings(
            tmp_path / "c", database_url=url, event_fanout="postgres", event_channel=channel
        )
    )
    async with (
        live_event_fanout(server),
        live_event_fanout(cli, listen=False),
        server.event_bus().listen() as queue,
    ):
        await cli.create_item().execute(
            CreateItemCommand(actor=CLERK, sku="B-2", name="Bolt", unit_price="1")
        )
        async with asyncio.timeout(15):
            event = await queue.get()
    assert isinstance(event, ItemCreated)
    assert event.sku == "B-2"


async def test_local_fan_out_needs_no_database(tmp_path: Path) -> None:
    container = build_container(make_settings(tmp_path))
    async with live_event_fanout(container), container.event_bus().listen() as queue:
        await container.create_item().execute(
            CreateItemCommand(actor=CLERK, sku="C-3", name="Cog", unit_price="1")
        )
        event = queue.get_nowait()
    assert isinstance(event, ItemCreated)
