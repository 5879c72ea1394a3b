"""Ending the service's PostgreSQL sessions from outside, as an operator, a failover or a server
restart does: ``pg_terminate_backend`` from an admin connection of the test's own database.

Only backends of that database are touched (``datname = current_database()``), never the admin
connection itself, so parallel runs on one server never end each other's connections.
"""

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy.engine import make_url

#: How long to wait for something that must happen (a backend to reach a statement, to exit).
DEADLINE_SECONDS = 30.0

_OTHERS = "datname = current_database() AND pid <> pg_backend_pid()"
_TERMINATE_OTHERS = (
    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM pg_stat_activity"  # noqa: S608
    f" WHERE {_OTHERS} AND backend_type = 'client backend'"
)


async def terminate_backends(url: str) -> int:
    """End every other session of ``url``'s database and wait until each has exited; how many."""
    admin = await asyncpg.connect(url, timeout=10)
    try:
        ended = await admin.fetchval(_TERMINATE_OTHERS)
    finally:
        await admin.close()
    await asyncio.sleep(0.05)  # the clients' event loops read the end of their streams
    return int(ended)


async def backend_waiting(url: str, *, query: str, wait_event: str = "PgSleep") -> int:
    """The pid of the session of ``url``'s database that runs ``query`` (a prefix) and waits on
    ``wait_event``, once one does."""
    admin = await asyncpg.connect(url, timeout=10)
    try:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            pid = await admin.fetchval(
                f"SELECT pid FROM pg_stat_activity WHERE {_OTHERS}"  # noqa: S608
                " AND wait_event = $1 AND starts_with(query, $2) LIMIT 1",
                wait_event,
                query,
            )
            if pid is not None:
                return int(pid)
            await asyncio.sleep(0.02)
    finally:
        await admin.close()
    raise AssertionError(f"no session ran {query!r} within {DEADLINE_SECONDS} s")


async def terminate(url: str, pid: int) -> None:
    admin = await asyncpg.connect(url, timeout=10)
    try:
        assert await admin.fetchval("SELECT pg_terminate_backend($1, 10000)", pid)
    finally:
        await admin.close()
    await asyncio.sleep(0.05)


async def run_sql(url: str, sql: str, *arguments: object) -> None:
    """Statements as the admin (test fixtures: slow triggers on the test's own database)."""
    admin = await asyncpg.connect(url, timeout=10)
    try:
        await admin.execute(sql, *arguments)
    finally:
        await admin.close()


@asynccontextmanager
async def refusing_connections(url: str) -> AsyncIterator[None]:
    """While the block runs, ``url``'s database ends its sessions and accepts no new ones, as a
    server that is down or starting up (without stopping the server other tests share)."""
    name = make_url(url).database
    server = make_url(os.environ["INVENTORY_TEST_POSTGRES_URL"]).set(drivername="postgresql")
    admin = await asyncpg.connect(server.render_as_string(hide_password=False), timeout=10)
    try:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        try:
            await admin.fetchval(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000))"
                " FROM pg_stat_activity WHERE datname = $1 AND backend_type = 'client backend'",
                name,
            )
            await asyncio.sleep(0.05)
            yield
        finally:
            await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    finally:
        await admin.close()
