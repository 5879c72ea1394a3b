"""A snapshot query session (an export) reads one state from its first read on, the point reads
sent to the driver included."""

from application.commands import CreateItemCommand
from entrypoints.container import Container
from tests.integration.conftest import ADMIN


async def test_every_read_of_a_snapshot_sees_one_state(sql_container: Container) -> None:
    created = await sql_container.create_item().execute(
        CreateItemCommand(actor=ADMIN, sku="SNAP-1", name="Before", unit_price="1")
    )
    async with sql_container.snapshot_queries() as session:
        first = await session.items.get(created.item.id)  # the first read: a point read
        await sql_container.create_item().execute(
            CreateItemCommand(actor=ADMIN, sku="SNAP-2", name="After", unit_price="1")
        )
        later = await session.items.get_by_sku("SNAP-2")
    assert first is not None
    assert later is None
