"""The migrations build exactly the schema of ``tables.py``, and can be undone; the search
index of 0002 covers the items that were there before it."""

import os
import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from sqlalchemy import Engine, column, event, func, insert, inspect, select, table

from adapters.sqlalchemy import (
    SqlAlchemyQuerySession,
    SqlAlchemyUnitOfWork,
    create_engine,
    current,
    downgrade,
    mappers,
    upgrade,
)
from adapters.sqlalchemy.migrate import head_revision, schema_differences
from adapters.sqlalchemy.tables import items, locations, movements
from application.ports import ItemQuery, ItemSort
from domain.items import Item
from domain.locations import MAIN_LOCATION_ID, Location
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
    expected |= {"locations", "location_stock", "stocktakes", "stocktake_lines"}
    expected |= {"login_sessions", "refresh_tokens", "api_tokens", "audit_log"}
    expected |= {"events", "event_cursors", "webhook_endpoints", "webhook_attempts"}  # 0006
    expected |= {"reservations"}  # 0008
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


async def test_a_migration_waits_for_a_running_writer_that_commits_meanwhile(
    tmp_path: Path,
) -> None:
    """A service writing while ``inventory db upgrade``/``downgrade`` runs: the migration takes
    SQLite's write lock before it reads the schema, so a commit meanwhile makes it wait, not
    fail. (Begun as a reader, it could not become a writer once another connection committed:
    SQLite answers "database is locked" at once, without waiting.)"""
    path = tmp_path / "busy.db"
    await upgrade(f"sqlite:///{path}")
    writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO event_cursors (name, position) VALUES ('busy', 1)")

    def commit_later() -> None:
        time.sleep(0.3)  # the migration has started by now, and waits for the lock
        writer.execute("COMMIT")

    committer = threading.Thread(target=commit_later)
    committer.start()
    try:
        await downgrade(f"sqlite:///{path}", "0007")
    finally:
        committer.join()
        writer.close()
    assert await current(f"sqlite:///{path}") == "0007"


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
    """Items with their ledger, written as rows of the schema before locations (0001-0003):
    one statement per item, then the rest in one executemany."""
    database = create_engine(url, null_pool=True)
    try:
        async with database.engine.begin() as connection:
            for batch in ([[item] for item in one_by_one], [in_bulk] if in_bulk else []):
                for chunk in batch:
                    await connection.execute(
                        insert(items_before_locations), [_item_before_locations(i) for i in chunk]
                    )
                    ledger = [
                        _before_locations(mappers.movement_to_row(movement))
                        for item in chunk
                        for movement in item.new_movements
                    ]
                    if ledger:
                        await connection.execute(insert(movements_before_locations), ledger)
    finally:
        await database.dispose()


#: What migrations 0004 (locations), 0007 (history) and 0008 (reservations) added to the ledger.
_LATER_MOVEMENT_COLUMNS = ("seq", "location_id", "transfer_id", "held_after", "reservation_id")
#: The ledger table as it was before migration 0004.
movements_before_locations = table(
    "stock_movements",
    *(
        column(name, movements.c[name].type)
        for name in movements.c.keys()  # noqa: SIM118 - the names, not the columns
        if name not in _LATER_MOVEMENT_COLUMNS
    ),
)
#: What migrations 0007 (archive) and 0008 (reservations) added to the items table.
_LATER_ITEM_COLUMNS = ("archived_at", "held", "hold_expires_at")
#: The items table as it was before migration 0004.
items_before_locations = table(
    "items",
    *(
        column(name, items.c[name].type)
        for name in items.c.keys()  # noqa: SIM118 - the names, not the columns
        if name not in _LATER_ITEM_COLUMNS
    ),
)


def _item_before_locations(item: Item) -> dict[str, Any]:
    row = mappers.item_to_row(item)
    return {key: value for key, value in row.items() if key not in _LATER_ITEM_COLUMNS}


def _before_locations(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key not in _LATER_MOVEMENT_COLUMNS}


async def ledger_by_location(url: str) -> dict[tuple[str, str], int]:
    """(sku, location code) → the ledger's sum there."""
    database = create_engine(url, null_pool=True)
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                select(items.c.sku, locations.c.code, func.sum(movements.c.delta))
                .select_from(movements)
                .join(items, items.c.id == movements.c.item_id)
                .join(locations, locations.c.id == movements.c.location_id)
                .group_by(items.c.sku, locations.c.code)
            )
            return {(sku, code): int(total) for sku, code, total in rows}
    finally:
        await database.dispose()


async def test_existing_stock_and_ledger_move_to_main_and_back(empty_url: str) -> None:
    await upgrade(empty_url, "0003")
    old = [make_item(f"L-{n}", quantity=n) for n in range(4)]
    for item in old[1:]:
        item.adjust(-1, "sold", at=item.created_at, by=None)
    await add_items_at(empty_url, old[:1], old[1:])

    await upgrade(empty_url)
    expected = {(item.sku.value, "MAIN"): item.quantity for item in old if item.new_movements}
    assert await ledger_by_location(empty_url) == expected
    database = create_engine(empty_url, null_pool=True)
    try:
        async with SqlAlchemyUnitOfWork(database) as uow:
            moved = await uow.items.get_by_sku("L-3", for_update=True)
            assert moved is not None
            assert {k: h.quantity for k, h in moved.stock.items()} == {MAIN_LOCATION_ID: 2}
            bin_ = Location.create(code="BIN", name="Bin", at=moved.created_at, by=None)
            await uow.locations.add(bin_)
            main = await uow.locations.get(MAIN_LOCATION_ID)
            assert main is not None
            moved.transfer(
                2, source=main, target=bin_, transfer_id=uuid4(), at=moved.created_at, by=None
            )
            await uow.items.save(moved)
            await uow.commit()
    finally:
        await database.dispose()
    assert (await ledger_by_location(empty_url))[("L-3", "BIN")] == 2

    await downgrade(empty_url, "0003")  # the transfer's two lines cancel out and go
    database = create_engine(empty_url, null_pool=True)
    try:
        async with database.engine.connect() as connection:
            sums = await connection.execute(
                select(items.c.sku, items.c.quantity, func.sum(movements_before_locations.c.delta))
                .select_from(movements_before_locations)
                .join(items, items.c.id == movements_before_locations.c.item_id)
                .group_by(items.c.sku, items.c.quantity)
            )
            assert all(quantity == total for _sku, quantity, total in sums)
    finally:
        await database.dispose()
    await upgrade(empty_url)
    assert await ledger_by_location(empty_url) == expected


async def test_0007_gives_every_existing_movement_its_running_balance(empty_url: str) -> None:
    await upgrade(empty_url, "0003")
    stocked = make_item("HB-1", quantity=5)
    stocked.adjust(-2, "sold", at=stocked.created_at, by=None)
    stocked.adjust(4, "received", at=stocked.created_at, by=None)
    await add_items_at(empty_url, [stocked], [make_item("HB-2", quantity=1)])
    await upgrade(empty_url)
    database = create_engine(empty_url, null_pool=True)
    try:
        async with database.engine.connect() as connection:
            rows = await connection.execute(
                select(movements.c.item_id, movements.c.delta, movements.c.held_after).order_by(
                    movements.c.seq
                )
            )
            running: dict[object, int] = {}
            for item_id, delta, held_after in rows:
                running[item_id] = running.get(item_id, 0) + delta
                assert held_after == running[item_id]
        assert running[stocked.id] == 7
        async with SqlAlchemyQuerySession(database) as session:
            found = await session.ledger.item_as_of(stocked.id, datetime.now(UTC))
            assert [(place.location_id, place.quantity) for place in found] == [
                (MAIN_LOCATION_ID, 7)
            ]
    finally:
        await database.dispose()
