"""Leadership for the relay without PostgreSQL: the one process of an in-memory store, or an
exclusive lock on a file next to a SQLite database (the kernel drops it when the process dies,
even by ``kill -9``, and another process takes it at its next try)."""

import fcntl
import os
from pathlib import Path

from application.relay import Leadership


class SoleLeadership:
    """The in-memory store lives in one process: that process always leads."""

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FileLockLeadership:
    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    async def acquire(self) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


def sqlite_lock_path(database_url: str) -> Path:
    """``<database file>.relay-lock`` for a ``sqlite:///`` URL."""
    _, _, rest = database_url.partition(":///")
    return Path(f"{rest.split('?')[0]}.relay-lock")


def for_store(storage: str, database_url: str, direct_url: str | None) -> "Leadership":
    """The leadership that fits the store: the in-memory store's one process, a lock file next
    to a SQLite database, or a PostgreSQL advisory lock (held on ``direct_url`` when the
    database URL is a transaction pooler, where a session lock would not stay with a session)."""
    if storage == "memory":
        return SoleLeadership()
    if database_url.startswith("sqlite"):
        return FileLockLeadership(sqlite_lock_path(database_url))
    from adapters.postgres.leadership import PostgresAdvisoryLeadership
    from adapters.postgres.notify_events import asyncpg_dsn

    return PostgresAdvisoryLeadership(asyncpg_dsn(direct_url or database_url))
