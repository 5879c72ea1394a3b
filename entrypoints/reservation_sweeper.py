"""The reservation sweeper: a container resource that, in a process serving the API, expires
overdue holds every ``INVENTORY_RESERVATION_SWEEP_SECONDS``.

Correctness never waits for it (writers expire an item's overdue holds before they look at
what is available); it frees what nobody touched and announces ``reservation.expired``. Every
worker of every process may run one: each sweep locks the items it expires, skipping those
another sweeper holds on PostgreSQL, so each hold is expired exactly once.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from application.use_cases import ExpireReservations

logger = logging.getLogger("inventory.reservations")


async def _sweep_forever(make: Callable[[], ExpireReservations], interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        try:
            done = await make().execute()
        except Exception:  # a busy or lost store must not end the sweeper; the next turn retries
            logger.exception("reservation sweep failed; retrying in %s s", interval)
            continue
        if done.expired:
            logger.info("expired %d reservations of %d items", done.expired, done.items)


async def sweeping(
    make: Callable[[], ExpireReservations], *, interval: float, enabled: bool
) -> AsyncIterator["asyncio.Task[None] | None"]:
    """Runs the sweeper while the resource is up (none when not ``enabled`` or the interval
    is 0); shutting the resource down cancels it and waits for it to end."""
    if not enabled or interval <= 0:
        yield None
        return
    task = asyncio.create_task(_sweep_forever(make, interval), name="reservation-sweeper")
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
