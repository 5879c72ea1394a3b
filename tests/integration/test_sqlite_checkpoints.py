"""WAL checkpoints on SQLite run on a thread of their own (``adapters/sqlalchemy/checkpoints.py``):
commits reach the database file without any writer's ``COMMIT`` copying them, and nothing a
client committed is lost whichever way the pages go."""

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from application.commands import CreateItemCommand
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.databases import fresh_sqlite_url
from tests.integration.conftest import ADMIN


@pytest.fixture
async def sqlite_store(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Container]:
    url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
    container = build_container(make_settings(tmp_path, storage="sqlalchemy", database_url=url))
    await start(container)
    yield container
    await close(container)


def _file(container: Container) -> Path:
    return Path(container.database().engine.url.database or "")


def _wal_size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return wal.stat().st_size if wal.exists() else 0


async def _create(container: Container, count: int) -> None:
    for n in range(count):
        command = CreateItemCommand(actor=ADMIN, sku=f"CP-{n}", name="n" * 200, unit_price="1")
        await container.create_item().execute(command)


async def test_commits_are_copied_into_the_database_file_off_the_writers_path(
    sqlite_store: Container,
) -> None:
    sqlite = sqlite_store.database().sqlite
    assert sqlite is not None
    path = _file(sqlite_store)
    before = path.stat().st_size
    with sqlite.writer.connect() as writer:  # a writer's own checkpoints are only a safety net
        (pages,) = writer.exec_driver_sql("PRAGMA wal_autocheckpoint").one()
    assert pages == 10_000
    sqlite.checkpoints.interval = 0  # every commit may start one: the test needs no waiting
    await _create(sqlite_store, 200)
    sqlite.checkpoints.wait()
    assert sqlite.checkpoints.runs > 0
    # Far fewer than 10,000 pages were written, yet the file itself holds the new rows.
    assert path.stat().st_size > before
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as reader:
        (count,) = reader.execute("SELECT count(*) FROM items WHERE sku LIKE 'CP-%'").fetchone()
    assert count == 200


async def test_a_closed_store_leaves_every_commit_in_the_file(
    sqlite_template: Path, tmp_path: Path
) -> None:
    url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
    container = build_container(make_settings(tmp_path, storage="sqlalchemy", database_url=url))
    await start(container)
    path = _file(container)
    await _create(container, 50)
    await close(container)  # the checkpointer stops first; the last connection copies the rest
    assert _wal_size(path) == 0
    with sqlite3.connect(path) as reader:
        (count,) = reader.execute("SELECT count(*) FROM items WHERE sku LIKE 'CP-%'").fetchone()
    assert count == 50
