"""Issue 16: the relay keeps up with the benchmark's write rate, reported as its lag.

The lag is how long after the last write of a load the relay had positioned every event that
load wrote to the outbox (0 when it was done by the time the load ended). It is read straight
from the store (events without a position), with no container of its own, so that measuring it
costs the server nothing and starts at once.
"""

import asyncio
import sqlite3
import time

from benchmarks.harness.report import Row
from benchmarks.harness.store import Store

_PENDING = "SELECT count(*) FROM events WHERE position IS NULL"
#: The relay positions at least every ``event_poll_seconds``; ten times the load's length
#: would mean it fell behind for good.
TIMEOUT_SECONDS = 60.0
#: The bound the report checks: a relay that keeps up is done within a couple of its rounds.
BOUND_SECONDS = 2.0


def pending(store: Store) -> int:
    if store.database_url.startswith("sqlite"):
        with sqlite3.connect(store.data_dir / "inventory.db", timeout=10) as db:
            return int(db.execute(_PENDING).fetchone()[0])
    return asyncio.run(_pending_postgres(store.database_url))


async def _pending_postgres(url: str) -> int:
    import asyncpg

    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return int(await connection.fetchval(_PENDING))
    finally:
        await connection.close()


def lag_seconds(store: Store, ended: float) -> float:
    """Seconds from ``ended`` (``time.perf_counter()`` when the load stopped) until no event
    waits for its position."""
    while pending(store):
        if time.perf_counter() - ended > TIMEOUT_SECONDS:
            return float("inf")
        time.sleep(0.01)
    return max(0.0, time.perf_counter() - ended)


def row(scenario: str, lag: float) -> Row:
    measured = Row(f"relay lag after {scenario}", value=f"{lag:.2f} s")
    return measured.expect(f"< {BOUND_SECONDS:g} s", lag < BOUND_SECONDS)
