"""aiosqlite without a thread hop for the statements that never wait.

aiosqlite runs every call on a thread of its own and hands the result back to the event loop.
A point read from SQLite takes microseconds, but each hop costs a GIL hand-over between two
threads, and with a busy event loop those hand-overs (several per query: cursor, execute,
fetch, close) made a single-row GET spend most of its time waiting for the GIL (see the
performance section of the README).

So statements run inline on the event loop, except the two that can block for a long time:

* ``BEGIN IMMEDIATE`` waits up to the busy timeout for another process's write lock;
* ``COMMIT`` waits for the disk (``fsync`` with ``synchronous=FULL``).

Those still go through aiosqlite's thread, so the loop keeps serving while they wait. Readers
in WAL mode never wait for writers, and a writer only runs its other statements once it holds
the database write lock, so nothing that runs inline waits on another connection.
"""

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

_WAITING_SQL = ("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE", "COMMIT", "END")
_WAITING_CALLS = frozenset({"commit"})


def _may_wait(fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
    if getattr(fn, "__name__", "") in _WAITING_CALLS:
        return True
    if args and isinstance(args[0], str):
        return args[0].lstrip()[:15].upper().startswith(_WAITING_SQL)
    return False


class InlineSqliteConnection(aiosqlite.Connection):
    """An ``aiosqlite.Connection`` that runs non-waiting calls on the caller's thread."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if _may_wait(fn, args):
            return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)


def connect_inline(database: str | Path, *, timeout: float = 5.0) -> InlineSqliteConnection:
    """What ``aiosqlite.connect`` does, with the connection shared between the loop and the
    worker thread (``check_same_thread=False``; only one of them uses it at a time)."""

    def connector() -> sqlite3.Connection:
        return sqlite3.connect(str(database), timeout=timeout, check_same_thread=False)

    connection = InlineSqliteConnection(connector, iter_chunk_size=64)
    connection._thread.daemon = True
    return connection
