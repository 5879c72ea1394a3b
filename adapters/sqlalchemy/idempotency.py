"""Idempotency records in the unit of work's transaction, shared by every worker process."""

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import idempotency_keys as table
from application.ports import IdempotencyRecord


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
        dialect_insert = postgresql.insert if self._session.name == "postgresql" else sqlite.insert
        insert = dialect_insert(table).values(
            key=key,
            fingerprint=fingerprint,
            status=None,
            body=None,
            headers=None,
            expires_at=expires_at,
        )
        claim = insert.on_conflict_do_update(
            index_elements=[table.c.key],
            set_={
                "fingerprint": insert.excluded.fingerprint,
                "status": None,
                "body": None,
                "headers": None,
                "expires_at": insert.excluded.expires_at,
            },
            where=(table.c.expires_at <= now) | table.c.status.is_(None),
        ).returning(table.c.key)
        if (await self._session.execute(claim)).first() is not None:
            return None
        found = (await self._session.execute(select(table).where(table.c.key == key))).one()
        return IdempotencyRecord(
            fingerprint=found.fingerprint, result=bytes(found.body).decode("utf-8")
        )

    async def record(self, key: str, result: str) -> None:
        statement = (
            update(table).where(table.c.key == key).values(status=1, body=result.encode("utf-8"))
        )
        await self._session.execute(statement)
