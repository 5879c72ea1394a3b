"""Positions never let a reader skip an event whose transaction committed late.

Writers hold their transactions open for random times after writing their outbox rows, while a
relay positions rows and a reader follows ``after=<position>`` as fast as it can. The reader must
end up with every committed event exactly once, in positions that only grow, and exactly the
order a fresh reader sees afterwards.
"""

import asyncio
import random
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from adapters.sqlalchemy import Database, create_engine
from adapters.sqlalchemy.event_log import SqlAlchemyEventLog, write_outbox
from adapters.sqlalchemy.sessions import WriteSession
from application.outbox import EventQuery, OutboxEntry, StoredEvent

pytestmark = [pytest.mark.timeout(120)]


def entry(n: int) -> OutboxEntry:
    return OutboxEntry(
        event_id=uuid4(),
        type="item.updated",
        aggregate_id=uuid4(),
        aggregate_version=n,
        occurred_at=datetime.now(UTC),
        actor_id=None,
        payload=f'{{"type":"item.updated","n":{n}}}',
    )


async def slow_writer(database: Database, n: int, rng: random.Random, committed: set[int]) -> None:
    await asyncio.sleep(rng.uniform(0, 0.2))
    session = WriteSession(database)
    await session.open()
    try:
        await write_outbox(session, [entry(n)])
        await asyncio.sleep(rng.uniform(0, 0.3))  # the row exists, its transaction is open
        if n % 7 == 3:
            return  # rolled back: this event never existed
        await session.commit()
        committed.add(n)
    finally:
        await session.close()


async def follow(log: SqlAlchemyEventLog, done: asyncio.Event) -> list[StoredEvent]:
    seen: list[StoredEvent] = []
    after = 0
    while True:
        finished = done.is_set()  # read once more after the last writer finished
        await log.sequence(100)
        batch = await log.read(EventQuery(after=after, limit=5))
        seen.extend(batch)
        if batch:
            after = batch[-1].position
        elif finished:
            return seen
        await asyncio.sleep(0.002)


@pytest.mark.postgres
async def test_a_reader_following_positions_never_skips_a_late_commit(postgres_url: str) -> None:
    from tests.databases import empty_postgres

    await empty_postgres(postgres_url)
    database = create_engine(postgres_url, pool_size=40)
    log = SqlAlchemyEventLog(database)
    rng = random.Random(16)
    committed: set[int] = set()
    done = asyncio.Event()
    try:
        reader = asyncio.create_task(follow(log, done))
        await asyncio.gather(*(slow_writer(database, n, rng, committed) for n in range(60)))
        done.set()
        seen = await reader
        everything = await log.read(EventQuery(limit=1000))
    finally:
        await database.dispose()
    numbers = [int(e.payload.split('"n":')[1].rstrip("}")) for e in seen]
    assert sorted(numbers) == sorted(committed)  # every committed event, once; no rolled-back one
    assert len(committed) < 60
    positions = [e.position for e in seen]
    assert positions == sorted(set(positions))
    assert seen == everything  # what a fresh reader sees: nothing appeared behind the cursor
