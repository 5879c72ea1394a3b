"""One relay at a time: the PostgreSQL advisory lock and the SQLite lock file, and another
process taking over when the leader's session dies."""

import asyncio
from pathlib import Path

import asyncpg
import pytest

from adapters.postgres.leadership import PostgresAdvisoryLeadership
from adapters.relay import FileLockLeadership
from tests.postgres_server import postgres_url_or_skip

pytestmark = [pytest.mark.timeout(60)]


@pytest.mark.postgres
async def test_one_postgres_leader_and_a_takeover_when_its_session_dies() -> None:
    url = await postgres_url_or_skip()
    key = 0x7E57_0016  # a lock of this test's own
    first = PostgresAdvisoryLeadership(url, key=key, check_seconds=0.0)
    second = PostgresAdvisoryLeadership(url, key=key)
    try:
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.acquire()  # still leading: its session answers
        pid = first._connection.get_server_pid() if first._connection else None
        admin = await asyncpg.connect(url)
        try:
            await admin.execute("SELECT pg_terminate_backend($1)", pid)
        finally:
            await admin.close()
        async with asyncio.timeout(10):
            while not await second.acquire():  # noqa: ASYNC110 - polls as the relay does
                await asyncio.sleep(0.1)
        assert not await first.acquire()  # it noticed the lost lead, and cannot take it back
    finally:
        await first.release()
        await second.release()


async def test_one_sqlite_leader_per_lock_file(tmp_path: Path) -> None:
    path = tmp_path / "inventory.db.relay-lock"
    first, second = FileLockLeadership(path), FileLockLeadership(path)
    assert await first.acquire()
    assert await first.acquire()
    assert not await second.acquire()
    await first.release()
    assert await second.acquire()
    assert not await first.acquire()
    await second.release()
