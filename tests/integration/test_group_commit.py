"""Group commit on SQLite (``adapters/sqlalchemy/group_commit.py``): writers that queue share a
transaction and one ``COMMIT``, each returns only once its changes are durable, a member's
failure undoes only its own work, and a failed ``COMMIT`` fails every member that kept work."""

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import pytest
from dependency_injector import providers
from sqlalchemy import Connection, create_engine, text

from adapters.clock import FixedClock
from adapters.sqlalchemy import group_commit
from application.commands import AdjustStockCommand, CreateItemCommand
from domain.items import Item, ItemDetails
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.databases import fresh_sqlite_url
from tests.integration.conftest import ADMIN


@pytest.fixture
async def sqlite_only(
    sqlite_template: Path, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[Container]:
    """A container on a SQLite file (PostgreSQL groups its flushes itself)."""
    url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
    settings = make_settings(tmp_path, storage="sqlalchemy", database_url=url)
    container = build_container(settings)
    await start(container)
    with container.clock.override(providers.Object(clock)):
        yield container
    await close(container)


async def _item(container: Container, sku: str, quantity: int) -> UUID:
    command = CreateItemCommand(actor=ADMIN, sku=sku, name=sku, unit_price="1", quantity=quantity)
    return (await container.create_item().execute(command)).item.id


async def test_queued_writers_share_commits_and_each_returns_once_durable(
    sqlite_only: Container,
) -> None:
    item_id = await _item(sqlite_only, "GROUPED", 0)
    database = sqlite_only.database()
    seen_after_return: list[int] = []

    async def add_one() -> None:
        command = AdjustStockCommand(actor=ADMIN, item=item_id, delta=1, reason="received")
        change = await sqlite_only.adjust_stock().execute(command)
        # A fresh read (another connection) sees the change as soon as the call returned.
        async with sqlite_only.queries() as session:
            view = await session.items.get(item_id)
        assert view is not None
        seen_after_return.append(view.quantity)
        assert view.quantity >= change.item.quantity

    with database.trace() as sent:
        await asyncio.gather(*(add_one() for _ in range(40)))
    commits = [statement for statement, _ in sent if statement.strip().upper() == "COMMIT"]
    assert 1 <= len(commits) < 40
    async with sqlite_only.queries() as session:
        final = await session.items.get(item_id)
    assert final is not None
    assert final.quantity == 40
    assert len(seen_after_return) == 40


async def test_a_member_that_fails_undoes_only_its_own_work(sqlite_only: Container) -> None:
    """Every unit of work writes before the odd ones fail: the even ones' items stay."""

    class Refused(Exception):
        pass

    async def write(n: int) -> None:
        async with sqlite_only.uow() as uow:
            details = ItemDetails.parse(sku=f"G-{n}", name="g", unit_price="1")
            await uow.items.add(Item.create(details, quantity=1, at=datetime.now(UTC), by=None))
            await asyncio.sleep(0)  # let others queue behind this one
            if n % 2:
                raise Refused(n)
            await uow.commit()

    results = await asyncio.gather(*(write(n) for n in range(12)), return_exceptions=True)
    assert [type(r).__name__ for r in results] == ["NoneType", "Refused"] * 6
    async with sqlite_only.queries() as session:
        for n in range(12):
            found = await session.items.get_by_sku(f"G-{n}")
            assert (found is not None) == (n % 2 == 0), n


async def test_a_failed_commit_fails_every_member_that_kept_work(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'g.db'}")
    with engine.connect() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
        setup.commit()
    writers = group_commit.Writers()
    loop = asyncio.get_running_loop()

    async def start() -> Connection:
        connection = engine.connect()
        connection.connection.driver_connection.isolation_level = None  # type: ignore[union-attr]
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        connection.begin()
        return connection

    async def failing_commit(_connection: Connection) -> None:
        raise OSError("disk went away")

    async def member(n: int, *, keep: bool) -> None:
        joined = await group_commit.join(writers, start, failing_commit, loop)
        joined.driver.execute("INSERT INTO t (n) VALUES (?)", (n,))
        await asyncio.sleep(0)
        if keep:
            joined.keep()
        await group_commit.finish(joined, max_members=32)

    results = await asyncio.gather(
        member(1, keep=True), member(2, keep=False), member(3, keep=True), return_exceptions=True
    )
    assert [type(r).__name__ for r in results] == ["OSError", "NoneType", "OSError"]
    with engine.connect() as check:
        assert check.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
    assert writers.group is None
    assert not writers.lock.locked()
    engine.dispose()


async def test_a_writer_that_gives_up_its_turn_leaves_no_group_waiting(tmp_path: Path) -> None:
    """The first member hands the transaction to the writer queued behind it, which is cancelled
    before its turn: the group still commits, and the first member returns."""
    engine = create_engine(f"sqlite:///{tmp_path / 'g.db'}")
    with engine.connect() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
        setup.commit()
    writers = group_commit.Writers()
    loop = asyncio.get_running_loop()

    async def start() -> Connection:
        connection = engine.connect()
        connection.connection.driver_connection.isolation_level = None  # type: ignore[union-attr]
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]
        connection.begin()
        return connection

    async def commit(connection: Connection) -> None:
        connection.commit()

    first = await group_commit.join(writers, start, commit, loop)
    first.driver.execute("INSERT INTO t (n) VALUES (1)")
    first.keep()
    queued = asyncio.ensure_future(group_commit.join(writers, start, commit, loop))
    await asyncio.sleep(0)  # it waits for the turn
    assert writers.queued == 1
    finishing = asyncio.ensure_future(group_commit.finish(first, max_members=32))
    await asyncio.sleep(0)  # the turn is handed over ...
    queued.cancel()  # ... to a writer that gives up before it runs
    async with asyncio.timeout(5):
        await finishing
    with pytest.raises(asyncio.CancelledError):
        await queued
    with engine.connect() as check:
        assert check.execute(text("SELECT n FROM t")).scalars().all() == [1]
    assert writers.group is None
    assert not writers.lock.locked()
    engine.dispose()
