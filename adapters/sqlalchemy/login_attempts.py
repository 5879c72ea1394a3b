"""Login-throttling counters in the ``login_failures`` table.

A login counts itself before its password is checked (see ``Authenticate``): it holds the
counter row with an upsert — the row is created if needed and locked by the same statement, so
there is no gap between reading and locking — decides, and writes the counter back, all in the
caller's transaction. Concurrent logins for one key therefore take turns on PostgreSQL (row
lock) and on SQLite (writers hold the database write lock), across processes too.

"""

from datetime import UTC, datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import login_failures
from application.ports import LoginFailures

#: The timestamps of a row that only exists to be locked (count 0: no attempt yet).
_NEVER = datetime(1970, 1, 1, tzinfo=UTC)


class SqlAlchemyLoginAttemptRepository:
    def __init__(self, session: WriteSession) -> None:
        self._transaction = session

    def _insert(self) -> postgresql.Insert | sqlite.Insert:
        if self._transaction.name == "postgresql":
            return postgresql.insert(login_failures)
        return sqlite.insert(login_failures)

    async def hold(self, key: str) -> LoginFailures | None:
        """One statement: insert a placeholder or touch the existing row, and return it.

        The update that changes nothing still takes PostgreSQL's row lock (a plain
        ``SELECT … FOR UPDATE`` could not lock a row that does not exist yet).
        """
        upsert = self._insert().values(username_key=key, count=0, first_at=_NEVER, last_at=_NEVER)
        statement = upsert.on_conflict_do_update(
            index_elements=[login_failures.c.username_key],
            set_={"count": login_failures.c.count},
        ).returning(login_failures)
        row = (await self._transaction.execute(statement)).one()._mapping
        return None if row["count"] == 0 else mappers.login_failures_to_domain(row)

    async def save(self, key: str, failures: LoginFailures) -> None:
        values = {"count": failures.count, "first_at": failures.first_at}
        upsert = self._insert().values(username_key=key, last_at=failures.last_at, **values)
        await self._transaction.execute(
            upsert.on_conflict_do_update(
                index_elements=[login_failures.c.username_key],
                set_={**values, "last_at": failures.last_at},
            )
        )

    async def clear(self, key: str) -> None:
        await self._transaction.execute(
            delete(login_failures).where(login_failures.c.username_key == key)
        )
