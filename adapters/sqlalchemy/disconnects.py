"""Lost PostgreSQL connections: kept out of the pool, told apart from failed statements, and
answered as ``StoreUnavailable`` instead of an unexpected error.

A pooled connection dies when an operator ends its backend (``pg_terminate_backend``), the
server restarts, or the network drops it. Two defences, both without a round trip of their own:

* **At checkout.** asyncpg notices at once when the server closes an idle connection: the event
  loop reads the end of the stream and ``is_closed()`` turns true. ``refuse_closed`` (a pool
  ``checkout`` listener) hands such a connection back as a ``DisconnectionError``, and the pool
  opens a fresh one in its place. SQLAlchemy's own ``pool_pre_ping`` asks the server instead,
  with a ``BEGIN``, a ping and a ``ROLLBACK`` on every checkout: measured here, +0.35 to
  +0.55 ms on a GET item whose session takes ~0.6 ms in all, while the local check costs
  nothing measurable (see docs/deployment.md).
* **In use.** A connection can still die under a request (a backend ended mid-statement, a
  close not yet read, a network failure once the kernel reports it). ``sessions.py``
  recognises that with ``is_lost``, drops the connection from the pool, runs a read once more
  on a fresh connection, and raises ``StoreUnavailable`` for the rest.

asyncpg is an optional dependency (SQLite installations do without it): its errors are
recognised by their SQLSTATE and by the connection's own ``is_closed()``, never imported.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from application.errors import StoreUnavailable

logger = logging.getLogger(__name__)

#: Connection exceptions (class 08), and the server going away (57P01 admin shutdown, 57P02
#: crash shutdown, 57P03 cannot connect now). Not 57014: a cancelled statement is not a loss.
_LOST_STATES = frozenset({"57P01", "57P02", "57P03"})


def install_liveness_check(engine: AsyncEngine) -> None:
    """Never hand out a pooled PostgreSQL connection the server has already closed."""
    event.listen(engine.sync_engine, "checkout", refuse_closed)


def refuse_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    driver = getattr(dbapi_connection, "driver_connection", None)
    if driver is not None and driver.is_closed():
        raise exc.DisconnectionError("the server closed this pooled connection")


def is_lost(error: BaseException, driver: Any = None) -> bool:
    """Whether ``error`` means the connection is gone (rather than that a statement failed).

    ``driver`` is the asyncpg connection the error came from, when the caller used it directly;
    SQLAlchemy has already asked it for the errors that went through SQLAlchemy and says so in
    ``connection_invalidated``.
    """
    if isinstance(error, exc.DBAPIError):
        return error.connection_invalidated
    if driver is not None and driver.is_closed():
        return True
    if isinstance(error, OSError):  # reset, broken pipe, unreachable
        return True
    state = getattr(error, "sqlstate", None)
    return isinstance(state, str) and (state.startswith("08") or state in _LOST_STATES)


def is_connect_failure(error: BaseException) -> bool:
    """An error from opening a connection: the server is down, restarting, or out of reach."""
    return isinstance(error, exc.DBAPIError | OSError | TimeoutError) or is_lost(error)


@contextmanager
def unavailable_when_unreachable() -> Iterator[None]:
    """Opening a connection failed (not a full pool: that is ``StoreBusy``, raised inside)."""
    try:
        yield
    except StoreUnavailable:
        raise
    except Exception as error:
        if is_connect_failure(error):
            logger.warning("cannot connect to the database (answered 503): %s", describe(error))
            raise StoreUnavailable() from error
        raise


async def close_lost(connection: AsyncConnection) -> None:
    """Give ``connection`` back; if it turns out to be lost, the server has already ended its
    transaction, and there is nothing left to do: SQLAlchemy gives the connection back to the
    pool even when its rollback fails, and the pool drops it when its own reset fails too."""
    try:
        await connection.close()
    except Exception as error:
        if not is_lost(error):
            raise


def closed_already(connection: AsyncConnection) -> bool:
    """Whether the driver already knows its connection is gone (no round trip)."""
    sync = connection.sync_connection
    if sync is None or sync.invalidated:
        return True
    is_closed = getattr(sync.connection.driver_connection, "is_closed", None)
    return is_closed is not None and bool(is_closed())


def describe(error: BaseException) -> str:
    """The driver's own words for a lost connection, on one line, for the log."""
    cause = getattr(error, "orig", None) or error
    return f"{type(cause).__name__}: {' '.join(str(cause).split())}"


def log_lost(error: BaseException | None, consequence: str) -> None:
    """One warning per connection lost under a request, saying what the caller got."""
    cause = "closed by the server" if error is None else describe(error)
    logger.warning("a database connection was lost (%s): %s", consequence, cause)
