"""Which errors mean that a PostgreSQL connection is gone: those make a read run again on a
fresh connection and a write answer 503; any other error is the statement's own and stays as
it is (a cancelled statement, a constraint violation)."""

import asyncpg
import pytest
from sqlalchemy import exc

from adapters.sqlalchemy.disconnects import is_connect_failure, is_lost


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.CrashShutdownError("terminating connection because of crash"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
        asyncpg.exceptions.ConnectionFailureError("connection failure"),
        ConnectionResetError(104, "Connection reset by peer"),
        BrokenPipeError(32, "Broken pipe"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_the_server_going_away_is_a_lost_connection(error: BaseException) -> None:
    assert is_lost(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.UniqueViolationError("duplicate key value"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        ValueError("not a database error at all"),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_failed_statement_is_not_a_lost_connection(error: BaseException) -> None:
    assert not is_lost(error)


def test_sqlalchemy_says_itself_whether_it_lost_the_connection() -> None:
    lost = exc.DBAPIError("SELECT 1", None, Exception("closed"), connection_invalidated=True)
    failed = exc.DBAPIError("SELECT 1", None, Exception("syntax"), connection_invalidated=False)

    assert is_lost(lost)
    assert not is_lost(failed)


def test_a_driver_that_knows_its_connection_closed_settles_it() -> None:
    class ClosedDriver:
        def is_closed(self) -> bool:
            return True

    assert is_lost(asyncpg.exceptions.InterfaceError("cannot perform operation"), ClosedDriver())
    assert not is_lost(asyncpg.exceptions.InterfaceError("cannot perform operation"))


def test_failing_to_connect_at_all_makes_the_store_unavailable() -> None:
    assert is_connect_failure(ConnectionRefusedError(111, "Connect call failed"))
    assert is_connect_failure(TimeoutError())
    refused = asyncpg.exceptions.InvalidCatalogNameError('database "x" does not exist')
    assert is_connect_failure(exc.DBAPIError(None, None, refused))  # as SQLAlchemy raises it
    assert not is_connect_failure(ValueError("a bug, not the network"))
