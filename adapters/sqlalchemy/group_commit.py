"""Group commit on SQLite: the units of work that queue behind one another share a transaction.

Why: SQLite writers run one at a time, and each ``COMMIT`` waits for an ``fsync`` (durability is
``synchronous = FULL``). Measured on the movement benchmark, that wait was half of a write's
time: 470 movements a second, 890 with ``synchronous = OFF``. A database server shares one
flush among the transactions that commit together; this does the same for this process's
writers.

How: the first unit of work opens the transaction (``BEGIN IMMEDIATE``). When it is done and
another writer is already waiting for its turn, it does not commit: it hands the open
transaction over and waits. The next one works inside a ``SAVEPOINT`` of its own (so that its
failure or rollback undoes only its work), releases it when it commits, and so on; the last
one, finding nobody waiting (or the group full), sends the one ``COMMIT`` and tells everyone.
A unit of work therefore returns from ``commit`` only once its changes are durable, exactly
as before, and a failed ``COMMIT`` fails every unit of work of the group (none of their changes
was written). A writer that finds nobody waiting commits at once: alone, nothing changes, not
even the statements it sends.

Readers do not see a group's changes before its ``COMMIT``, as they would not see a single
transaction's; a member reads what earlier members of its group wrote, as it would have read
it once they had committed. A member that takes no part (``ledger.settle``'s barrier, which
only waits for the writers before it) still waits for the end of its group.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

#: The savepoint of every member after the first (members follow one another: one name).
_SAVEPOINT = "unit_of_work"


Commit = Callable[[Connection], Awaitable[None]]


@dataclass
class WriteGroup:
    """One open SQLite transaction and the units of work in it."""

    connection: Connection
    done: "asyncio.Future[None]"
    #: How its ``COMMIT`` is sent (``sqlite.SqliteFile.commit``: on the loop or a thread).
    commit: Commit
    members: int = 0
    #: Members whose work stays in the transaction (they committed).
    kept: int = 0
    #: False once the transaction is gone (its first member rolled back the whole of it).
    open: bool = True


@dataclass
class Writers:
    """This process's writers on one event loop: their queue and the group being formed."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    #: Writers waiting for ``lock`` now: a finishing member hands over to them.
    queued: int = 0
    group: WriteGroup | None = None
    #: Groups being ended by no member of theirs (kept here until done: the loop keeps only
    #: weak references to tasks).
    endings: "set[asyncio.Task[None]]" = field(default_factory=set)

    def end_later(self, ending: Awaitable[None]) -> None:
        task = asyncio.ensure_future(ending)
        self.endings.add(task)
        task.add_done_callback(self.endings.discard)


@dataclass
class Membership:
    """One unit of work's place in a group, from its turn to the end of the group."""

    writers: Writers
    group: WriteGroup
    #: Whether it works in a savepoint (every member after the first).
    savepoint: bool
    ended: bool = False
    kept: bool = False
    holding: bool = True

    @property
    def driver(self) -> Any:
        return _driver(self.group)

    def keep(self) -> None:
        """Its work stays in the transaction (its unit of work committed)."""
        if self.savepoint:
            self.driver.execute(f"RELEASE {_SAVEPOINT}")
        self.group.kept += 1
        self.ended = self.kept = True

    def undo(self) -> None:
        """Its work is undone: its savepoint, or the whole transaction for the first member
        (nothing else is in it yet), which ends the group."""
        if self.ended:
            return
        self.ended = True
        if self.savepoint:
            self.driver.execute(f"ROLLBACK TO {_SAVEPOINT}")
            self.driver.execute(f"RELEASE {_SAVEPOINT}")
        else:
            self.group.connection.rollback()
            self.group.open = False


def _driver(group: WriteGroup) -> Any:
    return group.connection.connection.driver_connection


async def join(
    writers: Writers,
    start: Callable[[], Awaitable[Connection]],
    commit: Commit,
    loop: asyncio.AbstractEventLoop,
) -> Membership:
    """Wait for this process's turn to write, then join the open group or ``start`` one (which
    returns a connection in a new transaction; ``commit`` will send its ``COMMIT``)."""
    writers.queued += 1
    try:
        await writers.lock.acquire()
    except BaseException:
        writers.queued -= 1
        # Cancelled while waiting: if a member handed the transaction over to this writer, and
        # no one else waits, nobody would end the group its members wait for.
        if writers.group is not None and not writers.queued and not writers.lock.locked():
            writers.end_later(_end_orphan(writers, writers.group))
        raise
    writers.queued -= 1
    try:
        group = writers.group
        if group is None:
            group = writers.group = WriteGroup(await start(), loop.create_future(), commit)
            savepoint = False
        else:
            _driver(group).execute(f"SAVEPOINT {_SAVEPOINT}")
            savepoint = True
        group.members += 1
    except BaseException:
        if writers.group is None:
            writers.lock.release()
        else:  # it could not join: the members before it still need their COMMIT
            writers.end_later(_end(writers, writers.group))
        raise
    return Membership(writers, group, savepoint)


async def finish(member: Membership, *, max_members: int) -> None:
    """End ``member``'s turn: hand the open transaction to the next writer, or end the group
    (its ``COMMIT`` when someone kept work in it). Returns when the group's changes are
    durable; raises the group's error to a member that kept work in it."""
    if not member.holding:
        return
    member.holding = False
    member.undo()  # nothing if it committed
    writers, group = member.writers, member.group
    if group.open and writers.queued and group.members < max_members:
        writers.lock.release()  # the next writer joins this transaction
        await asyncio.wait([group.done])
    else:
        ending = asyncio.ensure_future(_end(writers, group))
        await asyncio.wait([ending])  # the group ends even if this caller is cancelled
    failed = group.done.exception()
    if member.kept and failed is not None:
        raise failed


async def _end_orphan(writers: Writers, group: WriteGroup) -> None:
    """End a group whose next writer gave up before its turn, unless someone joined it."""
    await writers.lock.acquire()
    if writers.group is group:
        await _end(writers, group)
    else:
        writers.lock.release()


async def _end(writers: Writers, group: WriteGroup) -> None:
    """Commit (or roll back) the group's transaction, tell its members, give the turn on. The
    caller holds the turn (``writers.lock``)."""
    writers.group = None
    try:
        if group.open and group.kept:
            await group.commit(group.connection)
        elif group.open:
            group.connection.rollback()
    except BaseException as error:
        with contextlib.suppress(Exception):  # the commit's error is the one that counts
            group.connection.rollback()
        group.done.set_exception(error)
        group.done.exception()  # retrieved: members that kept work raise it themselves
    else:
        group.done.set_result(None)
    finally:
        group.connection.close()
        writers.lock.release()
