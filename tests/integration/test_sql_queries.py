"""What the SQL store sends to the database: a constant number of statements per request."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.engine import sqlite_engines
from application.commands import CreateItemCommand
from application.ports import ItemQuery
from entrypoints.container import Container
from tests.integration.conftest import ADMIN


@contextmanager
def statements(engine: AsyncEngine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement.strip().split()[0].upper())

    # Units of work on a SQLite file go through its synchronous reader and writer engines.
    sqlite = sqlite_engines(engine)
    engines = [engine.sync_engine, *([sqlite.reader, sqlite.writer] if sqlite else [])]
    for target in engines:
        event.listen(target, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for target in engines:
            event.remove(target, "before_cursor_execute", record)


async def test_a_list_page_costs_the_same_whatever_its_size(sql_container: Container) -> None:
    for n in range(50):
        command = CreateItemCommand(
            actor=ADMIN, sku=f"SKU-{n:02}", name=f"Item {n}", unit_price="1.00", quantity=n
        )
        await sql_container.create_item().execute(command)
    engine = sql_container.database()
    counts = []
    for limit in (1, 50):
        with statements(engine) as seen:
            page = await sql_container.list_items().execute(ADMIN, ItemQuery(limit=limit))
        assert len(page.items) == limit
        counts.append(seen.count("SELECT"))
    assert counts == [2, 2]


async def test_reading_one_item_is_one_select(sql_container: Container) -> None:
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=3)
    item = await sql_container.create_item().execute(command)
    engine = sql_container.database()
    with statements(engine) as seen:
        await sql_container.get_item().execute(ADMIN, item.id)
    assert seen.count("SELECT") == 1
    assert not {"INSERT", "UPDATE", "DELETE"} & set(seen)


async def test_a_stock_adjustment_is_a_handful_of_statements(sql_container: Container) -> None:
    from application.commands import AdjustStockCommand

    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=3)
    item = await sql_container.create_item().execute(command)
    engine = sql_container.database()
    with statements(engine) as seen:
        await sql_container.adjust_stock().execute(
            AdjustStockCommand(actor=ADMIN, item=item.id, delta=-1, reason="sold")
        )
    # the locked read, the conditional update, the ledger row: no savepoints, no extra reads
    assert [s for s in seen if s in {"SELECT", "UPDATE", "INSERT", "SAVEPOINT"}] == [
        "SELECT",
        "UPDATE",
        "INSERT",
    ]
