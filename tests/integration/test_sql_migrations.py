"""The migrations build exactly the schema of ``tables.py``, and can be undone."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import inspect

from adapters.sqlalchemy import create_engine, current, downgrade, upgrade
from adapters.sqlalchemy.migrate import head_revision, schema_differences
from tests.databases import scratch_postgres_database

EMPTY = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=EMPTY)
async def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    request.getfixturevalue("postgres_url")  # skips or fails as configured
    async with scratch_postgres_database(os.environ["INVENTORY_TEST_POSTGRES_URL"]) as url:
        yield url


async def table_names(url: str) -> set[str]:
    engine = create_engine(url, null_pool=True)
    try:
        async with engine.connect() as connection:
            names = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await engine.dispose()
    return set(names) - {"alembic_version"}


async def test_upgrade_from_empty_matches_the_models_and_downgrade_undoes_it(
    empty_url: str,
) -> None:
    assert await current(empty_url) is None
    await upgrade(empty_url)
    assert await current(empty_url) == head_revision()
    engine = create_engine(empty_url, null_pool=True)
    try:
        assert await schema_differences(engine) == []
    finally:
        await engine.dispose()
    assert await table_names(empty_url) == {
        "items",
        "stock_movements",
        "users",
        "login_failures",
        "idempotency_keys",
    }
    await downgrade(empty_url, "base")
    assert await current(empty_url) is None
    assert await table_names(empty_url) == set()
    await upgrade(empty_url, "head")  # and up again
    assert await current(empty_url) == head_revision()
