"""WAL checkpoints on a thread of their own, off the writers' path.

Why: SQLite checkpoints on its own in the ``COMMIT`` that takes the write-ahead log past 1,000
pages. That ``COMMIT`` then copies the log's pages into the database file and flushes it, which
takes milliseconds, about every 150 transfers; and every writer of the process waits for it,
since a write group keeps the writers' turn until its ``COMMIT`` returns (``group_commit.py``).
Measured on the transfer benchmark, the server's one core was idle a tenth of the time.

How: writer connections checkpoint on their own only as a safety net, far later
(``SAFETY_NET_PAGES``: if the checkpointer could not keep up). After a commit, the writer
nudges the ``Checkpointer``: at most every ``interval`` seconds, it runs a ``PASSIVE``
checkpoint on a thread and a connection of its own. A passive checkpoint never waits for
writers or readers, and never makes them wait: it copies what no reader still needs, and the
next writer starts the log over once everything was copied. The driver lets go of the GIL for
the copying, so the loop serves requests meanwhile. Durability is unchanged: a commit is
durable once it is in the flushed log, wherever its pages are later copied.
"""

import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

logger = logging.getLogger(__name__)

#: The log size (pages) at which a writer's ``COMMIT`` still checkpoints by itself.
SAFETY_NET_PAGES = 10_000


class Checkpointer:
    """Runs ``PASSIVE`` checkpoints of one SQLite file on its own thread and connection."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], interval: float = 0.1) -> None:
        self._connect = connect
        self.interval = interval
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-checkpoint")
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._running: Future[None] | None = None
        self._last = 0.0
        self._closed = False
        #: Checkpoints run so far (for tests and diagnostics).
        self.runs = 0

    def committed(self) -> None:
        """A writer committed: start a checkpoint unless one runs or ran less than
        ``interval`` ago. Never blocks."""
        now = time.monotonic()
        with self._lock:
            if self._closed or self._running is not None or now - self._last < self.interval:
                return
            self._last = now
            self._running = self._thread.submit(self._checkpoint)

    def _checkpoint(self) -> None:
        try:
            if self._connection is None:
                self._connection = self._connect()
            self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self.runs += 1
        except sqlite3.Error as error:  # the next commit tries again (writers as a last resort)
            if "locked" in str(error).lower() or "busy" in str(error).lower():
                logger.debug("another connection is checkpointing: %s", error)
            else:
                logger.warning("a WAL checkpoint failed", exc_info=True)
        finally:
            with self._lock:
                self._running = None

    def wait(self) -> None:
        """Until the checkpoint that runs now (if any) is done."""
        with self._lock:
            running = self._running
        if running is not None:
            running.result()

    def close(self) -> None:
        with self._lock:
            self._closed = True
        self._thread.shutdown(wait=True)
        if self._connection is not None:
            self._connection.close()
            self._connection = None
