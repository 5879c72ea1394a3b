"""Databases for the tests (a pytest plugin, loaded from ``tests/conftest.py``).

SQLite: the schema is migrated once per run into a template file, which each test copies.
PostgreSQL: the server named by ``INVENTORY_TEST_POSTGRES_URL`` gets a fresh database for this
run (dropped at the end), so runs never see each other's data; each test starts from empty
tables. Without the variable those tests skip and say how to enable them; with
``INVENTORY_TEST_POSTGRES_REQUIRED=1`` (CI) an unreachable server fails the run instead.
"""

import asyncio
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url

from adapters.sqlalchemy import Database, upgrade
from adapters.sqlalchemy.database import async_engine
from adapters.sqlalchemy.tables import audit_log, locations, metadata
from domain.locations import MAIN_LOCATION_ID

T = TypeVar("T")
ENABLE_HINT = (
    "PostgreSQL tests are skipped: set INVENTORY_TEST_POSTGRES_URL to enable them, e.g."
    " INVENTORY_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test make test"
)


def run_in_thread(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a private event loop, even from inside a running one."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(make())  # type: ignore[arg-type]
        except BaseException as error:
            box["error"] = error

    worker = threading.Thread(target=target)
    worker.start()
    worker.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


def _asyncpg_dsn(url: str, database: str | None = None) -> str:
    parsed = make_url(url).set(drivername="postgresql")
    if database is not None:
        parsed = parsed.set(database=database)
    return parsed.render_as_string(hide_password=False)


async def _admin(url: str, statement: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url), timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def new_postgres_database(prefix: str = "inventory_test") -> Iterator[str]:
    """An empty database of its own on the test server (dropped afterwards), or a skip without
    one — a failure instead when ``INVENTORY_TEST_POSTGRES_REQUIRED=1``."""
    server = os.environ.get("INVENTORY_TEST_POSTGRES_URL")
    if not server:
        pytest.skip(ENABLE_HINT)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        run_in_thread(lambda: _admin(server, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        message = f"PostgreSQL at {make_url(server).render_as_string()} is unreachable: {error}"
        if os.environ.get("INVENTORY_TEST_POSTGRES_REQUIRED") == "1":
            pytest.fail(message + " (INVENTORY_TEST_POSTGRES_REQUIRED=1)", pytrace=False)
        pytest.skip(message)
    try:
        yield _asyncpg_dsn(server, name)
    finally:
        run_in_thread(lambda: _admin(server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A migrated PostgreSQL database of its own for this test run."""
    with new_postgres_database() as url:
        run_in_thread(lambda: upgrade(url))
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "inventory.db"
    run_in_thread(lambda: upgrade(f"sqlite:///{path}"))
    return path


def fresh_sqlite_url(template: Path, directory: Path) -> str:
    """A migrated, empty SQLite database in ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"inventory-{uuid.uuid4().hex[:8]}.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


async def empty_postgres(url: str) -> None:
    """Remove every row (the schema stays), so each test starts from empty tables."""
    engine = async_engine(url, null_pool=True)
    try:
        async with engine.begin() as connection:
            # DELETE is much quicker than TRUNCATE on tables this small.
            for table in reversed(metadata.sorted_tables):
                if table is locations:  # the default location is the migration's: it stays
                    await connection.execute(table.delete().where(table.c.id != MAIN_LOCATION_ID))
                elif table is audit_log:  # append-only: its triggers refuse DELETE, not TRUNCATE
                    await connection.execute(text("TRUNCATE audit_log"))
                else:
                    await connection.execute(table.delete())
    finally:
        await engine.dispose()


@asynccontextmanager
async def scratch_postgres_database(server_url: str) -> AsyncIterator[str]:
    """An empty database of its own on the server of ``server_url``, dropped afterwards."""
    name = f"inventory_scratch_{uuid.uuid4().hex[:12]}"
    await _admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield _asyncpg_dsn(server_url, name)
    finally:
        await _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def recorded_statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """Every statement ``database`` sends while the block runs, with its parameters (see
    ``Database.trace``)."""
    with database.trace() as sent:
        yield sent


@contextmanager
def counted_checkouts(database: Database) -> Iterator[list[object]]:
    """One entry per connection taken from any pool of ``database`` while the block runs."""
    taken: list[object] = []

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        taken.append(record)

    pools = [database.engine.sync_engine, database.reads.sync_engine]
    if database.sqlite is not None:
        pools = [database.sqlite.reader, database.sqlite.writer]
    for pool in set(pools):
        event.listen(pool, "checkout", checkout)
    try:
        yield taken
    finally:
        for pool in set(pools):
            event.remove(pool, "checkout", checkout)
