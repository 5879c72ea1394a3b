"""The migrations build exactly the schema of ``tables.py``, and can be undone; the search
index of 0002 covers the items that were there before it."""

import os
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, inspect

from adapters.sqlalchemy import (
    SqlAlchemyQuerySession,
    SqlAlchemyUnitOfWork,
    create_engine,
    current,
    downgrade,
    upgrade,
)
from adapters.sqlalchemy.migrate import head_revision, schema_differences
from application.ports import ItemQuery, ItemSort
from domain.items import Item
from tests.contracts.test_repository_contract import make_item
from tests.databases import scratch_postgres_database

EMPTY = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
#: The FTS5 table (with its shadow tables) and the rowid map of migration 0002.
SQLITE_SEARCH_TABLES = {
    "items_search",
    "items_search_config",
    "items_search_content",
    "items_search_data",
    "items_search_docsize",
    "items_search_idx",
    "items_search_rowids",
}


@pytest.fixture(params=EMPTY)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips or fails as configured
    async with scratch_postgres_database(os.environ["INVENTORY_TEST_POSTGRES_URL"]) as url:
        yield url


async def table_names(url: str) -> set[str]:
    database = create_engine(url, null_pool=True)
    try:
        async with database.engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await database.dispose()
    return set(names) - {"alembic_version"}


async def test_upgrade_from_empty_matches_the_models_and_downgrade_undoes_it(
    empty_url: str,
) -> None:
    assert await current(empty_url) is None
    await upgrade(empty_url)
    assert await current(empty_url) == head_revision()
    database = create_engine(empty_url, null_pool=True)
    try:
        assert await schema_differences(database.engine) == []
    finally:
        await database.dispose()
    expected = {"items", "stock_movements", "users", "login_failures", "idempotency_keys"}
    expected |= {"events", "event_cursors", "webhook_endpoints", "webhook_attempts"}  # 0006
    if empty_url.startswith("sqlite"):
        expected |= SQLITE_SEARCH_TABLES
    else:
        expected |= {"item_total"}
    assert await table_names(empty_url) == expected
    await downgrade(empty_url, "base")
    assert await current(empty_url) is None
    assert await table_names(empty_url) == set()
    await upgrade(empty_url, "head")  # and up again
    assert await current(empty_url) == head_revision()


async def search_indexes(url: str) -> set[str]:
    """The search index objects of migration 0002 the database has."""
    database = create_engine(url, null_pool=True)
    try:
        async with database.engine.connect() as connection:
            if url.startswith("sqlite"):
                query = "SELECT name FROM sqlite_master WHERE name LIKE 'items_search%'"
            else:
                query = "SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_items_search_%'"
            return set((await connection.exec_driver_sql(query)).scalars())
    finally:
        await database.dispose()


async def search_skus(url: str, needle: str) -> list[str]:
    database = create_engine(url, null_pool=True)
    try:
        async with SqlAlchemyQuerySession(database) as uow:
            page = await uow.items.list(ItemQuery(search=needle, sort=ItemSort.SKU))
        assert await schema_differences(database.engine) == []
    finally:
        await database.dispose()
    assert page.total == len(page.items)
    return [item.sku.value for item in page.items]


async def test_items_from_before_the_search_index_are_found_and_it_can_be_undone(
    empty_url: str,
) -> None:
    await upgrade(empty_url, "0001")
    await add_items_at(
        empty_url,
        [make_item("OLD-1", name="Spur gear", description="Steel")],
        [make_item(f"OLD-{n}", name=f"Part {n}") for n in range(2, 40)],
    )
    assert await search_indexes(empty_url) == set()

    await upgrade(empty_url)  # fills the index with the items already there
    assert await search_skus(empty_url, "spur gear") == ["OLD-1"]
    assert await search_skus(empty_url, "STEEL") == ["OLD-1"]
    assert await search_skus(empty_url, "part 3") == ["OLD-3", *(f"OLD-{n}" for n in range(30, 40))]
    built = await search_indexes(empty_url)
    assert built

    await downgrade(empty_url, "0001")
    assert await search_indexes(empty_url) == set()
    assert await current(empty_url) == "0001"
    await upgrade(empty_url)
    assert await search_indexes(empty_url) == built
    assert await search_skus(empty_url, "gear") == ["OLD-1"]


async def test_a_sqlite_without_fts5_trigrams_stops_the_migration_and_says_why(
    tmp_path: Path,
) -> None:
    """Simulated by refusing to create virtual tables: the migration must fail loudly, not
    leave a schema that searches differently."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0001")

    def refuse_virtual_tables(dbapi_connection: Any, _record: Any) -> None:
        raw = dbapi_connection.driver_connection._connection
        raw.set_authorizer(
            lambda action, *_: (
                sqlite3.SQLITE_DENY if action == sqlite3.SQLITE_CREATE_VTABLE else sqlite3.SQLITE_OK
            )
        )

    event.listen(Engine, "connect", refuse_virtual_tables)
    try:
        with pytest.raises(RuntimeError, match="FTS5 with the trigram tokenizer"):
            await upgrade(url)
    finally:
        event.remove(Engine, "connect", refuse_virtual_tables)
    assert await current(url) == "0001"
    assert await search_indexes(url) == set()


async def test_the_item_total_counts_the_items_there_before_it_and_can_be_undone(
    empty_url: str,
) -> None:
    await upgrade(empty_url, "0002")
    await add_items_at(empty_url, [], [make_item(f"T-{n}") for n in range(25)])
    await upgrade(empty_url)
    assert await list_total(empty_url) == 25
    await downgrade(empty_url, "0002")
    assert "item_total" not in await table_names(empty_url)
    await upgrade(empty_url)
    assert await list_total(empty_url) == 25


async def list_total(url: str) -> int:
    database = create_engine(url, null_pool=True)
    try:
        async with SqlAlchemyQuerySession(database) as uow:
            page = await uow.items.list(ItemQuery(limit=1))
    finally:
        await database.dispose()
    return page.total


async def add_items_at(url: str, one_by_one: list[Item], in_bulk: list[Item]) -> None:
    """Items written at whatever revision the database is at (both write paths). Without their
    events: the outbox they would go to comes with a later revision (0006)."""
    for item in (*one_by_one, *in_bulk):
        item.events.clear()
    database = create_engine(url, null_pool=True)
    try:
        async with SqlAlchemyUnitOfWork(database) as uow:
            for item in one_by_one:
                await uow.items.add(item)
            await uow.items.add_many(in_bulk)
            await uow.commit()
    finally:
        await database.dispose()
