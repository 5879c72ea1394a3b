"""PostgreSQL connections lost under the SQL adapter (issue 12 item 4): a connection the server
ended is never handed out again, a read runs once more on a fresh connection, and a write whose
connection is lost raises ``StoreUnavailable`` having changed nothing (or says that its outcome
is unknown when the connection was lost during its COMMIT).

Each test ends real backends with ``pg_terminate_backend``, in a database of this module's own.
"""

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import event, text

from adapters.sqlalchemy import Database, create_engine, upgrade
from adapters.sqlalchemy.disconnects import refuse_closed
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.sessions import WriteSession
from application.errors import StoreUnavailable
from tests.databases import new_postgres_database, run_in_thread
from tests.integration.backends import backend_waiting, run_sql, terminate, terminate_backends

pytestmark = pytest.mark.postgres

#: ``probe``: plain rows. ``slow_commit``: each row makes its COMMIT wait in a deferred trigger,
#: so a test can end the backend while the COMMIT is in flight.
PROBE_SCHEMA = """
CREATE TABLE probe (n integer NOT NULL);
CREATE TABLE slow_commit (n integer NOT NULL);
CREATE FUNCTION sleep_a_while() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN PERFORM pg_sleep(30); RETURN NULL; END $$;
CREATE CONSTRAINT TRIGGER slow_commit_sleeps AFTER INSERT ON slow_commit
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION sleep_a_while();
"""
INSERT = text("INSERT INTO probe (n) VALUES (:n)")
COUNT = text("SELECT count(*) FROM probe")


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    with new_postgres_database("inventory_lost") as url:
        run_in_thread(lambda: upgrade(url))
        run_in_thread(lambda: run_sql(url, PROBE_SCHEMA))
        yield url


@pytest.fixture
async def database(url: str) -> AsyncIterator[Database]:
    await run_sql(url, "DELETE FROM probe; DELETE FROM slow_commit")
    database = create_engine(url, pool_size=2, max_overflow=0)
    yield database
    await database.dispose()


@pytest.fixture
def invalidated(database: Database) -> Iterator[list[object]]:
    """One entry per connection the pool dropped as invalid while the test runs."""
    dropped: list[object] = []

    def record(_dbapi: Any, connection_record: Any, _error: Any) -> None:
        dropped.append(connection_record)

    event.listen(database.engine.sync_engine, "invalidate", record)
    yield dropped
    event.remove(database.engine.sync_engine, "invalidate", record)


async def read_point(session: ReadSession, n: int = 1) -> Any:
    row = await session.fetch_one("SELECT $1::int + 0", n)
    assert row is not None
    return row[0]


async def read_core(session: ReadSession, n: int = 1) -> Any:
    return (await session.execute(text("SELECT CAST(:n AS integer)"), {"n": n})).scalar_one()


READS = [read_point, read_core]


async def count_rows(database: Database) -> int:
    session = ReadSession(database)
    try:
        return int((await session.execute(COUNT)).scalar_one())
    finally:
        await session.close()


async def warm_pool(database: Database) -> None:
    """Both pooled connections used once and given back, as a serving process's would be."""
    sessions = [ReadSession(database), ReadSession(database)]
    for session in sessions:
        assert await read_point(session) == 1
    for session in sessions:
        await session.close()


async def test_a_connection_the_server_ended_in_the_pool_is_never_handed_out(
    database: Database, url: str
) -> None:
    await warm_pool(database)
    assert await terminate_backends(url) == 2

    write = WriteSession(database)  # a write is never retried: it must get a live connection
    await write.open()
    try:
        await write.execute(INSERT, {"n": 1})
        await write.commit()
    finally:
        await write.close()
    assert await count_rows(database) == 1


@pytest.mark.parametrize("read", READS)
async def test_a_read_whose_connection_was_ended_runs_again_on_a_fresh_one(
    database: Database, url: str, read: Any
) -> None:
    session = ReadSession(database)
    try:
        assert await read(session, 1) == 1
        assert await terminate_backends(url) == 1
        assert await read(session, 2) == 2
    finally:
        await session.close()
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("read", READS)
async def test_a_connection_lost_under_a_read_leaves_the_pool_at_once(
    database: Database, url: str, invalidated: list[object], read: Any
) -> None:
    """Without the check at checkout (the first defence), the connection a read lost must still
    never be handed out again: a write, which is never retried, shows it."""
    await warm_pool(database)
    event.remove(database.engine.sync_engine, "checkout", refuse_closed)
    session = ReadSession(database)
    try:
        pid = await session.fetch_one("SELECT pg_backend_pid()")
        assert pid is not None
        await terminate(url, pid[0])
        assert await read(session, 2) == 2
    finally:
        await session.close()
    assert len(invalidated) == 1

    writes = [WriteSession(database), WriteSession(database)]  # the whole pool
    for write in writes:
        await write.open()
    try:
        for n, write in enumerate(writes):
            await write.execute(INSERT, {"n": n})
    finally:
        for write in writes:
            await write.close()


@pytest.mark.parametrize("snapshot", [False, True])
async def test_a_read_ended_in_the_middle_of_its_statement_runs_again(
    database: Database, url: str, snapshot: bool
) -> None:
    session = ReadSession(database, snapshot=snapshot)
    try:
        read = asyncio.create_task(session.execute(text("SELECT 7 FROM pg_sleep(0.5)")))
        await terminate(url, await backend_waiting(url, query="SELECT 7 FROM pg_sleep"))
        assert (await read).scalar_one() == 7
    finally:
        await session.close()


async def test_a_snapshot_that_read_already_is_not_read_again_on_another_connection(
    database: Database, url: str
) -> None:
    session = ReadSession(database, snapshot=True)
    try:
        assert await read_core(session) == 1
        await terminate_backends(url)
        with pytest.raises(StoreUnavailable) as refused:
            await read_core(session)
    finally:
        await session.close()
    assert not refused.value.outcome_unknown
    await warm_pool(database)


async def test_a_read_runs_again_once_only(database: Database, url: str) -> None:
    session = ReadSession(database)
    try:
        assert await read_point(session) == 1
        await terminate_backends(url)
        assert await read_point(session) == 1
        await terminate_backends(url)
        with pytest.raises(StoreUnavailable):
            await read_point(session)
    finally:
        await session.close()
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


@pytest.mark.parametrize("then", ["execute", "commit"])
async def test_a_write_whose_connection_was_ended_before_commit_changed_nothing(
    database: Database, url: str, then: str
) -> None:
    write = WriteSession(database)
    await write.open()
    try:
        await write.execute(INSERT, {"n": 1})
        await terminate_backends(url)
        step = write.execute(INSERT, {"n": 2}) if then == "execute" else write.commit()
        with pytest.raises(StoreUnavailable) as refused:
            await step
    finally:
        await write.close()  # gives the lost connection up without a second error

    assert not refused.value.outcome_unknown
    assert "nothing was changed" in refused.value.message
    assert await count_rows(database) == 0
    assert database.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_write_whose_connection_was_ended_during_commit_has_an_unknown_outcome(
    database: Database, url: str
) -> None:
    write = WriteSession(database)
    await write.open()
    try:
        await write.execute(text("INSERT INTO slow_commit (n) VALUES (1)"))
        commit = asyncio.create_task(write.commit())
        await terminate(url, await backend_waiting(url, query="COMMIT"))
        with pytest.raises(StoreUnavailable) as refused:
            await commit
    finally:
        await write.close()

    assert refused.value.outcome_unknown
    assert "Idempotency-Key" in refused.value.message
    session = ReadSession(database)
    try:  # here the server had not finished the COMMIT: nothing was kept
        assert (await session.execute(text("SELECT count(*) FROM slow_commit"))).scalar() == 0
    finally:
        await session.close()


async def test_a_server_that_cannot_be_reached_is_unavailable() -> None:
    database = create_engine("postgresql://nobody@127.0.0.1:1/none", connect_timeout=5)
    try:
        write = WriteSession(database)
        with pytest.raises(StoreUnavailable):
            await write.open()
        await write.close()
        session = ReadSession(database)
        with pytest.raises(StoreUnavailable):
            await read_point(session)
        await session.close()
    finally:
        await database.dispose()
