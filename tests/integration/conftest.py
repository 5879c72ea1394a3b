"""A container on a real SQL database (SQLite, and PostgreSQL when configured) per test."""

from collections.abc import AsyncIterator
from pathlib import Path
from uuid import uuid4

import pytest
from dependency_injector import providers

from adapters.clock import FixedClock
from domain.users import Principal, Role
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.databases import empty_postgres, fresh_sqlite_url

SQL_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
ADMIN = Principal(user_id=uuid4(), username="admin", role=Role.ADMIN)


@pytest.fixture(params=SQL_BACKENDS)
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database."""
    if request.param == "sqlite":
        return fresh_sqlite_url(request.getfixturevalue("sqlite_template"), tmp_path / "db")
    url: str = request.getfixturevalue("postgres_url")
    await empty_postgres(url)
    return url


@pytest.fixture
async def sql_container(
    database_url: str, tmp_path: Path, clock: FixedClock
) -> AsyncIterator[Container]:
    settings = make_settings(
        tmp_path, storage="sqlalchemy", database_url=database_url, db_pool_size=10
    )
    container = build_container(settings)
    await start(container)  # as a process does: the resources close with ``close``
    with container.clock.override(providers.Object(clock)):
        yield container
    await close(container)
