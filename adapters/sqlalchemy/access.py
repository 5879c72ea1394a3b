"""Sessions and API tokens in SQL, for a unit of work on its ``WriteSession``.

A session's earlier refresh tokens stay in ``refresh_tokens`` so that one coming back is
recognised as reuse. Finding a session by a token locks the session row (``FOR UPDATE`` on
PostgreSQL; a SQLite writer holds the database write lock already), so two refreshes of one
family take turns and the second sees what the first did.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import api_tokens, login_sessions, refresh_tokens
from domain.api_tokens import LAST_USED_RESOLUTION, ApiToken
from domain.sessions import LoginSession


def scopes_to_column(scopes: frozenset[str]) -> str:
    return " ".join(sorted(scopes))


def scopes_of_column(raw: str) -> frozenset[str]:
    return frozenset(raw.split())


def _session_row(session: LoginSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "token_version": session.token_version,
        "token_hash": session.token_hash,
        "device": session.device,
        "created_at": session.created_at,
        "last_used_at": session.last_used_at,
        "expires_at": session.expires_at,
        "ended_at": session.ended_at,
        "end_reason": session.end_reason,
    }


def session_of_row(row: Mapping[Any, Any]) -> LoginSession:
    return LoginSession(**{column.key: row[column.key] for column in login_sessions.c})


def _token_row(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.id,
        "user_id": token.user_id,
        "token_hash": token.token_hash,
        "name": token.name,
        "scopes": scopes_to_column(token.scopes),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
    }


def token_of_row(row: Mapping[Any, Any]) -> ApiToken:
    values = {column.key: row[column.key] for column in api_tokens.c}
    values["scopes"] = scopes_of_column(values["scopes"])
    return ApiToken(**values)


def touch_statement(token_id: UUID, at: datetime) -> Any:
    """Writes the use down unless one within the resolution is there (from any process)."""
    stale = or_(
        api_tokens.c.last_used_at.is_(None),
        api_tokens.c.last_used_at <= at - LAST_USED_RESOLUTION,
    )
    return update(api_tokens).where(api_tokens.c.id == token_id, stale).values(last_used_at=at)


class SqlAlchemySessionRepository:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def add(self, session: LoginSession) -> None:
        await self._session.execute(insert(login_sessions).values(_session_row(session)))
        await self._session.execute(
            insert(refresh_tokens).values(token_hash=session.token_hash, session_id=session.id)
        )

    async def get(self, session_id: UUID) -> LoginSession | None:
        statement = select(login_sessions).where(login_sessions.c.id == session_id)
        row = (await self._session.execute(statement)).first()
        return None if row is None else session_of_row(row._mapping)

    async def get_by_token(self, token_hash: bytes) -> LoginSession | None:
        statement = (
            select(login_sessions)
            .join(refresh_tokens, refresh_tokens.c.session_id == login_sessions.c.id)
            .where(refresh_tokens.c.token_hash == token_hash)
        )
        if self._session.locks_rows:
            statement = statement.with_for_update(of=login_sessions)
        row = (await self._session.execute(statement)).first()
        return None if row is None else session_of_row(row._mapping)

    async def save(self, session: LoginSession) -> None:
        row = _session_row(session)
        del row["id"]
        await self._session.execute(
            update(login_sessions).where(login_sessions.c.id == session.id).values(row)
        )
        remember = (
            postgresql.insert(refresh_tokens)
            if self._session.name == "postgresql"
            else sqlite.insert(refresh_tokens)
        )
        await self._session.execute(
            remember.values(
                token_hash=session.token_hash, session_id=session.id
            ).on_conflict_do_nothing(index_elements=[refresh_tokens.c.token_hash])
        )


class SqlAlchemyApiTokenRepository:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def add(self, token: ApiToken) -> None:
        await self._session.execute(insert(api_tokens).values(_token_row(token)))

    async def get(self, token_id: UUID) -> ApiToken | None:
        statement = select(api_tokens).where(api_tokens.c.id == token_id)
        row = (await self._session.execute(statement)).first()
        return None if row is None else token_of_row(row._mapping)

    async def save(self, token: ApiToken) -> None:
        row = _token_row(token)
        del row["id"]
        await self._session.execute(
            update(api_tokens).where(api_tokens.c.id == token.id).values(row)
        )
