"""How the SQL stores answer ``q=``: through their indexes when that is cheaper, with the index
kept in step with every write path. What they answer is the contract suite's business
(``tests/contracts/test_search_contract.py``)."""

import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import SqlAlchemyQuerySession, SqlAlchemyUnitOfWork, create_engine
from application.ports import ItemQuery, Page
from domain.items import Item, ItemDetails
from tests.contracts.test_repository_contract import ACTOR, T0, make_item
from tests.databases import empty_postgres, fresh_sqlite_url, recorded_statements

WORDS = ["bolt", "nut", "washer", "gear", "spring", "valve", "hinge", "bracket", "sensor", "cable"]


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    return fresh_sqlite_url(sqlite_template, tmp_path)


@pytest.fixture
async def sqlite(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(sqlite_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def postgresql(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    await empty_postgres(postgres_url)
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()


def catalogue(count: int) -> list[Item]:
    """Like the benchmark's: each word in a tenth of the items, every number once."""
    return [
        make_item(
            f"SKU-{n:05d}",
            name=f"{WORDS[n % 10].title()} {n}",
            description=f"A {WORDS[n % 10]} for row {n}",
        )
        for n in range(count)
    ]


async def add_many(engine: AsyncEngine, new: list[Item]) -> None:
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.items.add_many(new)
        await uow.commit()


def expected_total(items: list[Item], needle: str) -> int:
    folded = needle.casefold()
    texts = ((i.sku.value, i.name, i.description or "") for i in items)
    return sum(any(folded in t.casefold() for t in group) for group in texts)


async def search(engine: AsyncEngine, needle: str) -> Page[Item]:
    async with SqlAlchemyQuerySession(engine) as uow:
        return await uow.items.list(ItemQuery(search=needle, limit=5))


async def plans(
    engine: AsyncEngine, seen: list[tuple[str, Any]], explain: str, *settings: str
) -> list[str]:
    """The query plans of the recorded SELECTs, one text per statement."""
    found = []
    async with engine.engine.connect() as connection:
        for setting in settings:
            await connection.exec_driver_sql(setting)
        for statement, parameters in seen:
            if statement.lstrip().upper().startswith("SELECT"):
                result = await connection.exec_driver_sql(f"{explain} {statement}", parameters)
                found.append("\n".join(str(row[-1]) for row in result))
    return found


async def index_drift(engine: AsyncEngine) -> list[Any]:
    """SQLite: items whose indexed text differs from the row's, plus index rows of no item."""
    async with engine.engine.connect() as connection:
        differing = await connection.execute(
            text(
                "SELECT i.sku FROM items AS i"
                " LEFT JOIN items_search_rowids AS r ON r.item_id = i.id"
                " LEFT JOIN items_search AS s ON s.rowid = r.search_rowid"
                " WHERE s.rowid IS NULL OR s.sku IS NOT lower(i.sku)"
                " OR s.name IS NOT i.name_key OR s.description IS NOT i.description_key"
            )
        )
        orphans = await connection.execute(
            text(
                "SELECT r.item_id FROM items_search_rowids AS r"
                " LEFT JOIN items AS i ON i.id = r.item_id WHERE i.id IS NULL"
                " UNION ALL SELECT s.rowid FROM items_search AS s"
                " LEFT JOIN items_search_rowids AS r ON r.search_rowid = s.rowid"
                " WHERE r.search_rowid IS NULL"
            )
        )
        return [*differing, *orphans]


def vacuum(database_url: str) -> None:
    """May renumber the implicit rowids of ``items`` (a UUID-keyed table): nothing may rely on
    them."""
    with closing(sqlite3.connect(make_url(database_url).database or "")) as connection:
        connection.execute("VACUUM")


async def test_sqlite_narrows_a_selective_needle_through_its_index(sqlite: AsyncEngine) -> None:
    await add_many(sqlite, catalogue(400))
    with recorded_statements(sqlite) as seen:
        page = await search(sqlite, "gear 13")
    assert [item.sku.value for item in page.items] == ["SKU-00013", "SKU-00133"]
    assert page.total == 2
    probe, *listing = await plans(sqlite, seen, "EXPLAIN QUERY PLAN")
    assert "VIRTUAL TABLE" in probe
    # before the index may count the total: is any item archived? (the partial index knows)
    archived = [plan for plan in listing if "ix_items_archived_at" in plan]
    assert len(archived) == 1
    listing.remove(archived[0])
    for plan in listing:  # the rows and the total: candidates looked up by id, no table scan
        assert "SCAN items_search VIRTUAL TABLE" in plan
        assert "USING INDEX sqlite_autoindex_items_1 (id=?)" in plan
        assert "SCAN items\n" not in f"{plan}\n"


@pytest.mark.parametrize("needle", ["ge", "for row 1", "row"])
async def test_sqlite_scans_for_a_short_or_common_needle(sqlite: AsyncEngine, needle: str) -> None:
    """Two characters have no trigram; well over a tenth of the catalogue costs more to fetch
    one by one than to read in order."""
    items = catalogue(200)
    await add_many(sqlite, items)
    with recorded_statements(sqlite) as seen:
        page = await search(sqlite, needle)
    assert page.total == expected_total(items, needle) > 20
    assert [s for s, _ in seen if "items_search_rowids" in s] == []


async def test_sqlite_index_follows_every_write_path_and_survives_vacuum(
    sqlite: AsyncEngine, sqlite_url: str
) -> None:
    items = catalogue(30)
    await add_many(sqlite, items[:29])  # multi-row inserts
    async with SqlAlchemyUnitOfWork(sqlite) as uow:
        await uow.items.add(items[29])  # one row
        await uow.commit()
    vacuum(sqlite_url)
    async with SqlAlchemyUnitOfWork(sqlite) as uow:
        loaded = await uow.items.get_many_by_sku([f"SKU-{n:05d}" for n in range(10)])
        for sku, item in loaded.items():
            details = ItemDetails.parse(sku=sku, name=f"Renamed {sku}", unit_price="1")
            item.update(details, at=T0, by=ACTOR)
        await uow.items.save_many(list(loaded.values()))  # executemany update
        one = await uow.items.get_by_sku("SKU-00010")
        assert one is not None
        details = ItemDetails.parse(sku="NEW-10", name="Moved", unit_price="1", description="x")
        one.update(details, at=T0, by=ACTOR)
        await uow.items.save(one)  # the SKU too
        for sku in ("SKU-00011", "SKU-00012"):
            doomed = await uow.items.get_by_sku(sku)
            assert doomed is not None
            await uow.items.delete(doomed)
        await uow.commit()
    assert await index_drift(sqlite) == []
    assert (await search(sqlite, "renamed sku-0000")).total == 10
    assert (await search(sqlite, "new-10")).total == 1
    assert (await search(sqlite, "sku-00011")).total == 0


async def test_sqlite_stock_changes_leave_the_index_alone(sqlite: AsyncEngine) -> None:
    await add_many(sqlite, catalogue(3))
    async with sqlite.engine.begin() as connection:
        before = (await connection.execute(text("SELECT total_changes()"))).scalar_one()
        await connection.execute(text("UPDATE items SET quantity = quantity + 1, version = 2"))
        after = (await connection.execute(text("SELECT total_changes()"))).scalar_one()
    assert after - before == 3  # the three items, nothing in the index


@pytest.mark.postgres
async def test_postgresql_searches_through_a_bitmap_of_the_three_trigram_indexes(
    postgresql: AsyncEngine,
) -> None:
    """The indexes serve exactly the expressions and operators the search filters with. (Whether
    the planner prefers them depends on the table's size and statistics: with sequential scans
    merely discouraged, a mismatch would still show as a sequential scan.)"""
    items = catalogue(300)
    await add_many(postgresql, items)
    with recorded_statements(postgresql) as seen:
        page = await search(postgresql, "gear 13")
    assert page.total == expected_total(items, "gear 13") == 2
    rows, total = await plans(postgresql, seen, "EXPLAIN", "SET enable_seqscan = off")
    assert "Seq Scan" not in rows
    assert "BitmapOr" in total
    for index in ("sku", "name", "description"):
        assert f"Bitmap Index Scan on ix_items_search_{index}" in total


@pytest.mark.postgres
async def test_postgresql_trigram_indexes_keep_a_short_pending_list(
    postgresql: AsyncEngine,
) -> None:
    async with postgresql.engine.connect() as connection:
        rows = await connection.execute(
            text(
                "SELECT c.relname, am.amname, c.reloptions, pg_get_indexdef(c.oid)"
                " FROM pg_class AS c JOIN pg_am AS am ON am.oid = c.relam"
                " WHERE c.relname LIKE 'ix_items_search_%' ORDER BY c.relname"
            )
        )
        found = {name: (method, options, ddl) for name, method, options, ddl in rows}
    assert set(found) == {
        "ix_items_search_sku",
        "ix_items_search_name",
        "ix_items_search_description",
    }
    for method, options, ddl in found.values():
        assert method == "gin"
        assert options == ["gin_pending_list_limit=256"]
        assert "gin_trgm_ops" in ddl
