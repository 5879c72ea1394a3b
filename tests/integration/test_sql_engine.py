"""Engine set-up, start-up checks and the errors the SQL store turns into domain errors."""

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from adapters.sqlalchemy import (
    Database,
    DatabaseUnreachable,
    SchemaNotAtHead,
    SqlAlchemyQuerySession,
    SqlAlchemyUnitOfWork,
    create_engine,
    normalise_url,
)
from application.commands import CreateItemCommand
from application.errors import StoreBusy
from domain.errors import InsufficientStock, NotFound, VersionMismatch
from entrypoints.container import Container, build_container, check_storage, close
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.integration.conftest import ADMIN


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:///var/inventory.db", "sqlite+aiosqlite:///var/inventory.db"),
        ("sqlite+pysqlite:////tmp/x.db", "sqlite+aiosqlite:////tmp/x.db"),
        ("postgresql://u:p@db:5432/inv", "postgresql+asyncpg://u:p@db:5432/inv"),
        ("postgres://u@db/inv", "postgresql+asyncpg://u@db/inv"),
        ("postgresql+psycopg://u@db/inv", "postgresql+asyncpg://u@db/inv"),
    ],
)
def test_plain_urls_get_the_async_driver(given: str, expected: str) -> None:
    assert normalise_url(given).render_as_string(hide_password=False) == expected


def test_other_databases_are_refused_with_a_hint() -> None:
    with pytest.raises(ValueError, match="postgresql://"):
        normalise_url("mysql://u@db/inv")


def test_the_default_store_is_a_sqlite_file_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert settings.storage == "sqlalchemy"
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}"


_PRAGMAS = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "temp_store")


async def test_sqlite_connections_get_our_pragmas(tmp_path: Path) -> None:
    database = create_engine(f"sqlite:///{tmp_path / 'a' / 'x.db'}", sqlite_synchronous="NORMAL")
    assert database.sqlite is not None
    try:
        async with database.engine.connect() as connection:
            values = [
                (await connection.execute(text(f"PRAGMA {name}"))).scalar_one() for name in _PRAGMAS
            ]
        with database.sqlite.writer.connect() as writer:
            written = [writer.execute(text(f"PRAGMA {name}")).scalar_one() for name in _PRAGMAS]
    finally:
        await database.dispose()
    assert values == ["wal", 1, 1, 5000, 2]  # temp_store 2: in memory
    # A writer never waits on the event loop: it waits for the lock on a thread instead.
    assert written == ["wal", 1, 1, 0, 2]


async def test_a_writer_that_cannot_get_the_sqlite_lock_gets_store_busy(tmp_path: Path) -> None:
    async with write_locked_by_another_process(tmp_path / "busy.db", 0.05) as (engine, _other):
        with pytest.raises(StoreBusy) as caught:
            async with SqlAlchemyUnitOfWork(engine):
                pass
        assert caught.value.code == "store_busy"
        async with SqlAlchemyQuerySession(engine):  # readers are not blocked
            pass


async def test_start_up_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    container = build_container(make_settings(tmp_path, storage="sqlalchemy"))
    try:
        with pytest.raises(SchemaNotAtHead, match="inventory db upgrade"):
            await check_storage(container)
    finally:
        await close(container)


async def test_start_up_names_an_unreachable_database(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        storage="sqlalchemy",
        database_url="postgresql://inventory:secret@127.0.0.1:1/inventory",
        db_connect_timeout_seconds=2,
    )
    container = build_container(settings)
    try:
        with pytest.raises(DatabaseUnreachable) as caught:
            await check_storage(container)
    finally:
        await close(container)
    assert "127.0.0.1:1/inventory" in str(caught.value)
    assert "secret" not in str(caught.value)


async def test_a_migrated_database_passes_the_start_up_check(sql_container: Container) -> None:
    await check_storage(sql_container)


async def test_memory_storage_has_nothing_to_check_or_close(container: Container) -> None:
    await check_storage(container)
    await close(container)


async def test_the_quantity_check_is_a_backstop_reported_as_insufficient_stock(
    sql_container: Container,
) -> None:
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=1)
    item = (await sql_container.create_item().execute(command)).item
    async with sql_container.uow() as uow:
        loaded = await uow.items.get(item.id, for_update=True)
        assert loaded is not None
        loaded.quantity = -1  # a bug the domain would never let through
        with pytest.raises(InsufficientStock):
            await uow.items.save(loaded)


async def test_naive_datetimes_are_never_stored(sql_container: Container) -> None:
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1")
    item = (await sql_container.create_item().execute(command)).item
    async with sql_container.uow() as uow:
        loaded = await uow.items.get(item.id)
        assert loaded is not None
        loaded.updated_at = datetime(2026, 1, 1)
        with pytest.raises(Exception, match="naive"):
            await uow.items.save(loaded)


async def test_one_item_changed_through_two_copies_keeps_every_movement(
    sql_container: Container,
) -> None:
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=5)
    item = (await sql_container.create_item().execute(command)).item
    async with sql_container.uow() as uow:
        first = await uow.items.get(item.id, for_update=True)
        assert first is not None
        first.adjust(-2, "sold", at=first.updated_at, by=None)
        await uow.items.save(first)
        again = await uow.items.get(item.id, for_update=True)  # a fresh copy, saved state
        assert again is not None
        assert again.quantity == 3
        again.adjust(-1, "sold", at=first.updated_at, by=None)
        await uow.items.save(again)
        again.adjust(4, "received", at=first.updated_at, by=None)
        await uow.items.save(again)
        assert await uow.movements.sum_for_item(item.id) == 6
        await uow.commit()
    async with sql_container.queries() as session:
        ledger = await session.movements.list_for_item(item.id, offset=0, limit=10)
    assert [m.delta for m in ledger.items] == [4, -1, -2, 5]


async def test_saving_a_stale_copy_is_a_version_mismatch(sql_container: Container) -> None:
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1", quantity=5)
    item = (await sql_container.create_item().execute(command)).item
    async with sql_container.uow() as uow:
        stale = await uow.items.get(item.id)
        fresh = await uow.items.get(item.id)
        assert stale is not None
        assert fresh is not None
        fresh.adjust(1, "received", at=fresh.updated_at, by=None)
        await uow.items.save(fresh)
        stale.adjust(-1, "sold", at=stale.updated_at, by=None)
        with pytest.raises(VersionMismatch):
            await uow.items.save(stale)


async def test_saving_a_deleted_item_is_not_found(sql_container: Container) -> None:
    command = CreateItemCommand(actor=ADMIN, sku="A", name="A", unit_price="1")
    item = (await sql_container.create_item().execute(command)).item
    async with sql_container.uow() as uow:
        loaded = await uow.items.get(item.id)
        assert loaded is not None
        await uow.items.delete(loaded)
        loaded.adjust(1, "received", at=loaded.updated_at, by=None)
        with pytest.raises(NotFound):
            await uow.items.save(loaded)


async def test_reads_never_wait_for_a_pooled_connection(sql_container: Container) -> None:
    """Query sessions on SQLite run on the event loop: a reader that waited for a pool slot
    would block the very loop that has to give one back. Forty readers open at once, far more
    than the pool holds, all get through while a writer holds the write lock."""
    if sql_container.database().sqlite is None:
        pytest.skip("the reader engine is SQLite's")
    created = (
        await sql_container.create_item().execute(
            CreateItemCommand(actor=ADMIN, sku="R-1", name="Read me", unit_price="1.00", quantity=4)
        )
    ).item
    release = asyncio.Event()

    async def read() -> int:
        async with sql_container.queries() as session:
            item = await session.items.get(created.id)
            await release.wait()  # every reader holds its connection at the same time
            assert item is not None
            return item.quantity

    async with sql_container.uow() as writer:  # holds SQLite's write lock meanwhile
        await writer.items.get(created.id, for_update=True)
        readers = [asyncio.create_task(read()) for _ in range(40)]
        await asyncio.sleep(0.05)
        release.set()
        assert await asyncio.gather(*readers) == [4] * 40


async def test_the_reader_cannot_write_and_is_closed_with_its_engine(tmp_path: Path) -> None:
    database = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    assert database.sqlite is not None
    reader = database.sqlite.reader
    with reader.connect() as connection, pytest.raises(OperationalError, match="readonly"):
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    pooled = reader.raw_connection()
    driver_connection = pooled.driver_connection
    pooled.close()  # back to the pool, still open
    await database.dispose()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        driver_connection.execute("SELECT 1")  # type: ignore[union-attr]


async def test_the_sql_store_refuses_an_in_memory_sqlite_database() -> None:
    """Readers and the writer open their own connections: with ``:memory:`` each would get a
    database of its own, so the store says so instead of losing every write."""
    with pytest.raises(ValueError, match="SQLite file"):
        create_engine("sqlite://")


@asynccontextmanager
async def write_locked_by_another_process(
    path: Path, busy_timeout: float
) -> AsyncIterator[tuple[Database, sqlite3.Connection]]:
    """An engine on ``path``, and another connection (another process, as far as SQLite knows)
    holding the database write lock until it ends its transaction."""
    database = create_engine(f"sqlite:///{path}", sqlite_busy_timeout=busy_timeout)
    async with database.engine.connect():  # the file now exists, in WAL mode
        pass
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield database, other
    finally:
        other.close()
        await database.dispose()


async def test_a_writer_waiting_for_another_process_leaves_the_loop_free(tmp_path: Path) -> None:
    """``BEGIN IMMEDIATE`` is tried without waiting; when another process holds the write lock
    the wait happens on a thread, and the writer goes on once the lock is released."""
    async with write_locked_by_another_process(tmp_path / "wait.db", 5.0) as (engine, other):

        async def write() -> str:
            async with SqlAlchemyUnitOfWork(engine) as uow:
                await uow.commit()
            return "written"

        writer = asyncio.create_task(write())
        ticks = 0
        for _ in range(20):  # the loop keeps running while the writer waits
            await asyncio.sleep(0.005)
            ticks += 1
        assert not writer.done()
        other.execute("ROLLBACK")
        assert await writer == "written"
        assert ticks == 20


async def test_a_writer_cancelled_while_waiting_for_the_lock_leaves_nothing_behind(
    tmp_path: Path,
) -> None:
    async with write_locked_by_another_process(tmp_path / "cancel.db", 0.3) as (engine, other):

        async def write() -> None:
            async with SqlAlchemyUnitOfWork(engine):
                pass

        writer = asyncio.create_task(write())
        await asyncio.sleep(0.05)
        writer.cancel()
        with pytest.raises(asyncio.CancelledError):
            await writer
        other.execute("ROLLBACK")
        async with SqlAlchemyUnitOfWork(engine) as uow:  # the lock was not left taken
            await uow.commit()
