"""Idempotency records in the unit of work's transaction, shared by every worker process."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.driver_statements import DriverStatement
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import idempotency_keys as table
from application.ports import IdempotencyRecord


def _claim(dialect_insert: Callable[[Any], Any]) -> Any:
    insert = dialect_insert(table).values(
        key=bindparam("c_key"),
        fingerprint=bindparam("c_fingerprint"),
        status=None,
        body=None,
        headers=None,
        expires_at=bindparam("c_expires_at"),
    )
    return insert.on_conflict_do_update(
        index_elements=[table.c.key],
        set_={
            "fingerprint": insert.excluded.fingerprint,
            "status": None,
            "body": None,
            "headers": None,
            "expires_at": insert.excluded.expires_at,
        },
        where=(table.c.expires_at <= bindparam("c_now", type_=table.c.expires_at.type))
        | table.c.status.is_(None),
    ).returning(table.c.key)


# Built once: a statement built per call cost more than SQLite's work on it.
_CLAIM = {
    "postgresql": DriverStatement(_claim(postgresql.insert)),
    "sqlite": DriverStatement(_claim(sqlite.insert)),
}
_FIND = DriverStatement(
    select(table.c.fingerprint, table.c.body).where(table.c.key == bindparam("c_key"))
)
_RECORD = DriverStatement(update(table).where(table.c.key == bindparam("c_key")).values(status=1))


class SqlAlchemyIdempotencyRepository:
    """``claim`` is one upsert: a key is claimed when it is new or its record expired. On
    PostgreSQL a second transaction claiming the same key waits on the first one's row until it
    commits or rolls back, then sees its record or claims the key; SQLite writers never overlap.
    The recorded result is kept in ``body``; ``status`` marks a recorded row."""

    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def claim(
        self, key: str, fingerprint: str, *, now: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        parameters = {
            "c_key": key,
            "c_fingerprint": fingerprint,
            "c_expires_at": expires_at,
            "c_now": now,
        }
        if await self._session.rows(_CLAIM[self._session.name], parameters):
            return None
        (found,) = await self._session.rows(_FIND, {"c_key": key})
        return IdempotencyRecord(
            fingerprint=found["fingerprint"], result=bytes(found["body"]).decode("utf-8")
        )

    async def record(self, key: str, result: str) -> None:
        await self._session.run(_RECORD, {"c_key": key, "body": result.encode("utf-8")})
