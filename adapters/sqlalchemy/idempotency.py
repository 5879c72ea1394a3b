"""Idempotency records in the database, so every worker process sees the same claims."""

from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.engine import busy_as_store_busy, transaction_connection
from adapters.sqlalchemy.tables import idempotency_keys
from application.ports import IdempotencyRecord, IdempotentResponse


class SqlAlchemyIdempotencyStore:
    """``reserve`` is one atomic upsert: a key is claimed when it is new or its record expired;
    of two workers racing for one key exactly one gets it, the other sees its record."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert

    async def reserve(
        self, key: str, fingerprint: str, *, now: datetime, ttl_seconds: int
    ) -> IdempotencyRecord | None:
        table = idempotency_keys
        insert = self._insert(table).values(
            key=key,
            fingerprint=fingerprint,
            status=None,
            body=None,
            headers=None,
            expires_at=now + timedelta(seconds=ttl_seconds),
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
            where=table.c.expires_at <= now,
        ).returning(table.c.key)
        lookup = select(table).where(table.c.key == key)
        while True:
            async with transaction_connection(self._engine, write=True) as connection:
                with busy_as_store_busy():
                    if (await connection.execute(claim)).first() is not None:
                        await connection.commit()
                        return None
                    existing = (await connection.execute(lookup)).first()
            if existing is not None:
                return mappers.idempotency_to_domain(existing._mapping)
            # The holder released the key between our two statements: claim it again.

    async def complete(self, key: str, response: IdempotentResponse) -> None:
        statement = (
            update(idempotency_keys)
            .where(idempotency_keys.c.key == key)
            .values(
                status=response.status,
                body=response.body,
                headers=mappers.headers_to_text(response.headers),
            )
        )
        async with transaction_connection(self._engine, write=True) as connection:
            with busy_as_store_busy():
                await connection.execute(statement)
                await connection.commit()

    async def release(self, key: str) -> None:
        async with transaction_connection(self._engine, write=True) as connection:
            with busy_as_store_busy():
                await connection.execute(
                    delete(idempotency_keys).where(idempotency_keys.c.key == key)
                )
                await connection.commit()
