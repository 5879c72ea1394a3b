"""Schema migrations as a small async API for the CLI, the REST start-up and the tests.

Alembic is configured here in code (no ``alembic.ini``), so it finds its scripts inside the
installed package. Each call runs on its own short-lived engine.
"""

import warnings
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, exc, inspect
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy.database import PoolOptions, async_engine, display_url, normalise_url
from adapters.sqlalchemy.errors import DatabaseUnreachable, SchemaNotAtHead
from adapters.sqlalchemy.tables import autogenerate_filters, metadata

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | URL | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url is not None:
        rendered = normalise_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships no migrations"
    return head


def _engine(url: str | URL, transaction_pooling: bool, *, writes: bool = False) -> AsyncEngine:
    """A short-lived engine. One that ``writes`` takes SQLite's write lock when its transaction
    begins (waiting for other writers up to the busy timeout): begun as a reader, a migration
    that reads the schema first could not become a writer once a running service committed
    meanwhile, and SQLite refuses that at once ("database is locked"), without waiting."""
    return async_engine(
        url,
        pool=PoolOptions(transaction_pooling=transaction_pooling),
        null_pool=True,
        sqlite_begin="BEGIN IMMEDIATE" if writes else "BEGIN",
    )


async def _run_command(
    url: str | URL, action: Any, *args: Any, transaction_pooling: bool = False
) -> None:
    engine = _engine(url, transaction_pooling, writes=True)
    config = alembic_config(url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        action(config, *args)

    try:
        async with _connected(engine, url) as connection:
            await connection.run_sync(run)
            await connection.commit()
    finally:
        await engine.dispose()


async def upgrade(
    url: str | URL, revision: str = "head", *, transaction_pooling: bool = False
) -> None:
    """Bring the schema up to ``revision``; creates the SQLite file when it is missing.
    ``transaction_pooling``: ``url`` is PgBouncer in transaction mode (``PoolOptions``)."""
    await _run_command(url, command.upgrade, revision, transaction_pooling=transaction_pooling)


async def create_schema_if_new(url: str | URL) -> bool:
    """Give an embedded SQLite store that holds nothing yet (a new or empty file) the whole
    schema, and say whether it did.

    The file belongs to the service, so a first ``inventory serve`` needs no separate migration
    step. Anything else is left alone for ``check_schema_at_head`` to refuse with what to do:
    PostgreSQL (migrating is an operator's step there, often under another role), and a SQLite
    file with any table in it (ours at an older revision, or someone else's).
    """
    if normalise_url(url).get_backend_name() != "sqlite":
        return False
    engine = _engine(url, transaction_pooling=False)
    try:
        async with _connected(engine, url) as connection:
            tables: list[str] = await connection.run_sync(
                lambda sync: inspect(sync).get_table_names()
            )
    finally:
        await engine.dispose()
    if tables:
        return False
    await upgrade(url)
    return True


async def downgrade(url: str | URL, revision: str, *, transaction_pooling: bool = False) -> None:
    """Step the schema back to ``revision`` (``base`` drops every table we own)."""
    await _run_command(url, command.downgrade, revision, transaction_pooling=transaction_pooling)


async def current(url: str | URL, *, transaction_pooling: bool = False) -> str | None:
    """The revision the database is at; None for a database without our schema."""
    engine = _engine(url, transaction_pooling)
    try:
        return await current_revision(engine)
    finally:
        await engine.dispose()


async def current_revision(engine: AsyncEngine) -> str | None:
    def read(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with _connected(engine, engine.url) as connection:
        revision: str | None = await connection.run_sync(read)
        return revision


async def check_schema_at_head(engine: AsyncEngine) -> None:
    """Raise ``DatabaseNotReady`` (with what to do) unless the schema is at the newest revision."""
    found = await current_revision(engine)
    head = head_revision()
    if found != head:
        raise SchemaNotAtHead(display_url(engine.url), found, head)


async def schema_differences(engine: AsyncEngine) -> list[Any]:
    """What autogenerate would change to make the database match the models (empty when the
    migrations and ``tables.py`` agree). Objects of one dialect only (SQLite's FTS5 search
    index, PostgreSQL's trigram indexes) are compared on that dialect alone."""

    def compare(connection: Connection) -> list[Any]:
        opts = {"compare_type": True, **autogenerate_filters(connection.dialect.name)}
        context = MigrationContext.configure(connection, opts=opts)
        with warnings.catch_warnings():
            # SQLite cannot reflect expression indexes; SQLAlchemy says so and skips them.
            warnings.filterwarnings("ignore", message=".*expression-based index.*")
            return list(compare_metadata(context, metadata))

    async with _connected(engine, engine.url) as connection:
        differences: list[Any] = await connection.run_sync(compare)
        return differences


class _connected:
    """``engine.connect()`` that reports an unreachable server as ``DatabaseUnreachable``."""

    def __init__(self, engine: AsyncEngine, url: str | URL) -> None:
        self._engine = engine
        self._url = url
        self._context: Any = None

    async def __aenter__(self) -> Any:
        self._context = self._engine.connect()
        try:
            return await self._context.__aenter__()
        except (exc.DBAPIError, OSError, TimeoutError) as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
            raise DatabaseUnreachable(display_url(self._url), reason) from error

    async def __aexit__(self, *args: Any) -> None:
        await self._context.__aexit__(*args)
