"""What the SQL store sends to the database: a constant number of statements per request."""

from typing import Any

from adapters.sqlalchemy import SqlAlchemyUnitOfWork, mappers
from application.commands import CreateItemCommand
from application.ports import ItemQuery
from entrypoints.container import Container
from tests.contracts.test_repository_contract import make_item, snapshot
from tests.databases import recorded_statements
from tests.integration.conftest import ADMIN


def words(recorded: list[tuple[str, Any]]) -> list[str]:
    """The first word of each statement sent: SELECT, INSERT..."""
    return [statement.strip().split()[0].upper() for statement, _ in recorded]


async def test_a_list_page_costs_the_same_whatever_its_size(sql_container: Container) -> None:
    for n in range(50):
        command = CreateItemCommand(
            actor=ADMIN, sku=f"SKU-{n:02}", name=f"Item {n}", unit_price="1.00", quantity=n
        )
        await sql_container.create_item().execute(command)
    engine = sql_container.database()
    counts = []
    for limit in (1, 50):
        with recorded_statements(engine) as seen:
            page = await sql_container.list_items().execute(ADMIN, ItemQuery(limit=limit))
        assert len(page.items) == limit
        counts.append(words(seen).count("SELECT"))
    assert counts == [2, 2]


async def test_reading_one_item_is_one_select(sql_container: Container) -> None:
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=3)
    item = (await sql_container.create_item().execute(command)).item
    engine = sql_container.database()
    with recorded_statements(engine) as seen:
        await sql_container.get_item().execute(ADMIN, item.id)
    assert words(seen).count("SELECT") == 1
    assert not {"INSERT", "UPDATE", "DELETE"} & set(words(seen))


async def test_a_bulk_add_is_a_few_multi_row_inserts(sql_container: Container) -> None:
    """On SQLite, as many rows per INSERT as its 32,766 parameters allow (one statement per row
    would make the search index's FTS5 table write out its buffer for every row)."""
    engine = sql_container.database()
    batch = [make_item(f"B-{n:05d}", name=f"Bulk {n}", quantity=n % 7) for n in range(4000)]
    movements = [m for item in batch for m in item.new_movements]
    with recorded_statements(engine) as seen:
        async with SqlAlchemyUnitOfWork(engine) as uow:
            await uow.items.add_many(batch)
            await uow.commit()
    async with SqlAlchemyUnitOfWork(engine) as uow:
        found = await uow.items.get_many_by_sku([item.sku.value for item in batch])
        ledgers = [await uow.movements.sum_for_item(item.id) for item in batch[:50]]
    assert {sku: snapshot(item) for sku, item in found.items()} == {
        item.sku.value: snapshot(item) for item in batch
    }
    assert ledgers == [item.quantity for item in batch[:50]]
    if engine.dialect.name == "sqlite":
        per_item = 32_766 // len(mappers.item_to_row(batch[0]))
        per_movement = 32_766 // len(mappers.movement_to_row(movements[0]))
        expected = -(-len(batch) // per_item) + -(-len(movements) // per_movement)
        # (SQLite's trace also reports what the search index's triggers run, row by row)
        ours = [
            sql
            for sql, _ in seen
            if sql.startswith(("INSERT INTO items ", "INSERT INTO stock_movements "))
        ]
        assert len(ours) == expected == 5
    else:  # PostgreSQL: a few multi-row INSERTs, so the item total's trigger fires a few times
        inserts = [sql for sql, _ in seen if sql.lstrip().upper().startswith("INSERT INTO ITEMS")]
        assert 1 <= len(inserts) <= 4
        assert all(sql.count("), (") >= 99 for sql in inserts)


async def test_a_bulk_add_stores_exactly_what_a_single_add_stores(sql_container: Container) -> None:
    """The driver-level bulk insert (SQLite) converts each value with its column type's bind
    processor (public API): the raw stored values, as the driver returns them, equal those
    SQLAlchemy's own INSERT writes, column by column (ids, SKU and sequence aside)."""
    engine = sql_container.database()
    single = make_item("ONE-1", description="Same", quantity=4, reorder_level=2)
    bulk = [make_item(f"BULK-{n}", description="Same", quantity=4, reorder_level=2) for n in (1, 2)]
    async with SqlAlchemyUnitOfWork(engine) as uow:
        await uow.items.add(single)
        await uow.items.add_many(bulk)
        await uow.commit()

    async def stored(table: str, where: str) -> dict[str, Any]:
        async with engine.engine.connect() as connection:
            sql = f"SELECT * FROM {table} WHERE {where}"  # noqa: S608 - the test's constants
            result = await connection.exec_driver_sql(sql)
            return dict(result.mappings().one())

    for table, column, ids in (
        ("items", "id", ("id", "sku")),
        ("stock_movements", "item_id", ("seq", "id", "item_id")),
    ):
        by_single, by_bulk = [
            await stored(table, f"{column} = (SELECT id FROM items WHERE sku = '{sku}')")  # noqa: S608
            for sku in ("ONE-1", "BULK-1")
        ]
        assert by_single.keys() == by_bulk.keys()
        assert {key for key in by_single if by_single[key] != by_bulk[key]} == set(ids)
        assert [type(value) for value in by_single.values()] == [
            type(value) for value in by_bulk.values()
        ]
