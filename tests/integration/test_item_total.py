"""The total of an unfiltered list (the items in use), however items come, go, are archived and
restored (on PostgreSQL it is kept by triggers, migrations 0003 and 0007; on SQLite counted)."""

import asyncio

import pytest
from sqlalchemy import func, select, text

from adapters.sqlalchemy.tables import items
from application.commands import CreateItemCommand
from application.ports import ItemQuery
from domain.errors import AlreadyExists
from entrypoints.container import Container
from tests.contracts.test_repository_contract import make_item
from tests.integration.conftest import ADMIN


async def totals(container: Container) -> tuple[int, int]:
    """What the list reports, and the rows of items in use really there."""
    page = await container.list_items().execute(ADMIN, ItemQuery(limit=1))
    in_use = select(func.count()).select_from(items).where(items.c.archived_at.is_(None))
    async with container.database().engine.connect() as connection:
        counted = (await connection.execute(in_use)).scalar_one()
    return page.total, counted


async def test_the_total_follows_concurrent_creates_bulk_adds_archives_and_purges(
    sql_container: Container,
) -> None:
    created = await asyncio.gather(
        *(
            sql_container.create_item().execute(
                CreateItemCommand(actor=ADMIN, sku=f"C-{n}", name="c", unit_price="1")
            )
            for n in range(30)
        )
    )
    assert await totals(sql_container) == (30, 30)
    async with sql_container.uow() as uow:
        await uow.items.add_many([make_item(f"B-{n}") for n in range(40)])
        await uow.commit()
    with pytest.raises(AlreadyExists):  # a refused bulk add changes nothing
        async with sql_container.uow() as uow:
            await uow.items.add_many([make_item("X-1"), make_item("B-0")])
    assert await totals(sql_container) == (70, 70)
    await asyncio.gather(
        *(sql_container.archive_item().execute(ADMIN, c.item.id) for c in created[:10])
    )
    assert await totals(sql_container) == (60, 60)
    await sql_container.archive_item().execute(ADMIN, created[0].item.id)  # already: no change
    await asyncio.gather(
        *(sql_container.restore_item().execute(ADMIN, c.item.id) for c in created[:3])
    )
    assert await totals(sql_container) == (63, 63)
    await sql_container.purge_item().execute(ADMIN, created[5].item.id)  # archived: counted out
    await sql_container.purge_item().execute(ADMIN, created[15].item.id)  # in use: counted out
    assert await totals(sql_container) == (62, 62)
    archived = await sql_container.list_items().execute(ADMIN, ItemQuery(archived=True))
    assert archived.total == 6


async def test_a_truncated_table_counts_zero(sql_container: Container) -> None:
    if sql_container.database().dialect.name != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    async with sql_container.uow() as uow:
        await uow.items.add_many([make_item(f"T-{n}") for n in range(5)])
        await uow.commit()
    async with sql_container.database().engine.begin() as connection:
        await connection.execute(text("TRUNCATE items CASCADE"))
    assert await totals(sql_container) == (0, 0)
