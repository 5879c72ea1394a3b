"""Relay leadership by a PostgreSQL session-level advisory lock on a connection of its own.

The leader holds ``pg_try_advisory_lock`` on a dedicated connection. Before each round it checks
that connection with ``SELECT 1``: a connection that answers still holds its lock; one that does
not is dropped and the lead counts as lost. When a leader dies, its server session ends and the
lock with it; the other processes try every second or so and one of them takes it.
"""

import asyncio
import logging

import asyncpg

from adapters.postgres.notify_events import CONNECTION_ERRORS

logger = logging.getLogger(__name__)

#: The advisory lock key of relay leadership (any constant unique to this use).
LEADER_LOCK = 0x1E7E_0017


class PostgresAdvisoryLeadership:
    def __init__(
        self,
        dsn: str,
        *,
        key: int = LEADER_LOCK,
        timeout_seconds: float = 5.0,
        check_seconds: float = 1.0,
    ) -> None:
        self._dsn = dsn
        self._key = key
        self._timeout = timeout_seconds
        self._check_seconds = check_seconds
        self._checked_at = float("-inf")
        self._connection: asyncpg.Connection | None = None
        self._leading = False

    async def acquire(self) -> bool:
        """A leader's session is checked at most every ``check_seconds`` (rounds come up to
        twenty times a second under load); in between a lost lead goes unnoticed, during which
        two relays may deliver the same event (at-least-once) — positions stay right, since
        numbering holds a transaction lock of its own."""
        loop = asyncio.get_running_loop()
        if self._leading and loop.time() - self._checked_at < self._check_seconds:
            return True
        try:
            connection = await self._connect()
            self._checked_at = loop.time()
            if self._leading:
                await connection.execute("SELECT 1", timeout=self._timeout)
                return True
            got = await connection.fetchval(
                "SELECT pg_try_advisory_lock($1)", self._key, timeout=self._timeout
            )
        except CONNECTION_ERRORS as error:
            if self._leading:
                logger.warning("event relay lost its lead: %r", error)
            await self._drop()
            return False
        self._leading = bool(got)
        if self._leading:
            logger.info("this process now relays events")
        return self._leading

    async def _connect(self) -> asyncpg.Connection:
        if self._connection is None or self._connection.is_closed():
            self._leading = False
            self._connection = await asyncpg.connect(
                self._dsn,
                timeout=self._timeout,
                server_settings={"application_name": "inventory-relay"},
            )
        return self._connection

    async def _drop(self) -> None:
        connection, self._connection = self._connection, None
        self._leading = False
        if connection is not None:
            connection.terminate()

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        self._leading = False
        if connection is not None:
            try:
                await connection.close(timeout=self._timeout)  # ends the session and its lock
            except CONNECTION_ERRORS:
                connection.terminate()
