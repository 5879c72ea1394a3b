"""A primary and a "replica" on the test server, with the test as the replication.

A real streaming replica cannot be set up inside a test here, so the replica is a second
database of its own that ``replicate`` makes an exact copy of the primary, whenever the test
says: between two copies it lags behind by exactly what the test did meanwhile. What the
service is asked to do is the same either way: read from one URL, write to the other.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import asyncpg
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
    " AND tablename <> 'alembic_version' ORDER BY tablename"
)


@asynccontextmanager
async def _connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(url, timeout=10)
    try:
        yield connection
    finally:
        await connection.close()


async def replicate(primary: str, replica: str) -> None:
    """Make every table of ``replica`` hold exactly the rows of ``primary`` now (one snapshot).

    The rows are copied as they are, with triggers off (``session_replication_role``), as
    physical replication does: the replica's ``item_total`` is the primary's, not recounted.
    """
    async with _connected(primary) as source, _connected(replica) as target:
        async with source.transaction(isolation="repeatable_read", readonly=True):
            tables = [row["tablename"] for row in await source.fetch(_TABLES)]
            contents = {
                table: await source.fetch(f'SELECT * FROM "{table}"')  # noqa: S608 - catalog names
                for table in tables
            }
        async with target.transaction():
            await target.execute("SET LOCAL session_replication_role = replica")
            await target.execute("TRUNCATE " + ", ".join(f'"{table}"' for table in tables))
            for table, rows in contents.items():
                if rows:
                    await target.copy_records_to_table(
                        table, records=[tuple(row) for row in rows], columns=list(rows[0].keys())
                    )


async def execute(url: str, statement: str, *arguments: Any) -> None:
    """One statement on one database, outside the service (a change only the replica sees)."""
    async with _connected(url) as connection:
        await connection.execute(statement, *arguments)


@contextmanager
def checkouts(engine: AsyncEngine) -> Iterator[list[object]]:
    """One entry per connection taken from ``engine``'s pool while the block runs: nothing
    reaches a database through an engine without one."""
    taken: list[object] = []

    def checkout(_dbapi: Any, record: Any, _proxy: Any) -> None:
        taken.append(record)

    event.listen(engine.sync_engine, "checkout", checkout)
    try:
        yield taken
    finally:
        event.remove(engine.sync_engine, "checkout", checkout)
