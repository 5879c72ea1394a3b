"""The query side of sessions and API tokens, and the API-token read every token-authenticated
request makes: its user and the token in one statement by the token's keyed hash (unique
index), sent to the driver like the other point reads of ``queries.py``."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import select

from adapters.sqlalchemy.access import scopes_of_column, touch_statement
from adapters.sqlalchemy.read_session import ReadSession
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import api_tokens, login_sessions
from application.credentials import ApiTokenGrant, ApiTokenView, SessionView

_JOINED_BY_HASH = (
    "SELECT u.id, u.username, u.role, u.active, u.token_version, u.email, u.full_name,"
    " u.created_at, u.updated_at, t.id, t.scopes, t.expires_at, t.last_used_at, t.revoked_at"
    " FROM api_tokens AS t JOIN users AS u ON u.id = t.user_id WHERE t.token_hash = "
)
USER_BY_API_TOKEN = {
    "sqlite": _JOINED_BY_HASH + "?",
    "postgresql": _JOINED_BY_HASH + "$1",
}


def _utc(raw: str | datetime | None) -> datetime | None:
    if raw is None or isinstance(raw, datetime):
        return raw
    return datetime.fromisoformat(raw).replace(tzinfo=UTC)


def grant_of(values: Any, *, sqlite: bool) -> ApiTokenGrant:
    """The token's part of a ``USER_BY_API_TOKEN`` row (its last five columns)."""
    token_id, scopes, expires_at, last_used_at, revoked_at = values[-5:]
    return ApiTokenGrant(
        id=UUID(token_id) if sqlite else token_id,
        scopes=scopes_of_column(scopes),
        expires_at=_utc(expires_at),
        last_used_at=_utc(last_used_at),
        revoked_at=_utc(revoked_at),
    )


async def touch(session: ReadSession, token_id: UUID, at: datetime) -> None:
    """A use of the token, written in a short transaction of its own on the primary (a query
    session may read from a replica); at most once a minute per token, so it never shows in
    the cost of the requests around it."""
    writer = WriteSession(session.database)
    await writer.open()
    try:
        await writer.execute(touch_statement(token_id, at))
        await writer.commit()
    finally:
        await writer.close()


class SqlAlchemySessionQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def list_for_user(
        self, user_id: UUID, *, token_version: int, now: datetime
    ) -> list[SessionView]:
        c = login_sessions.c
        rows = await self._session.execute(
            select(c.id, c.user_id, c.device, c.created_at, c.last_used_at, c.expires_at)
            .where(
                c.user_id == user_id,
                c.token_version == token_version,
                c.ended_at.is_(None),
                c.expires_at > now,
            )
            .order_by(c.created_at.desc(), c.id.desc())
        )
        return [SessionView(**row._mapping) for row in rows]


class SqlAlchemyApiTokenQueries:
    def __init__(self, session: ReadSession) -> None:
        self._session = session

    async def list_for_user(self, user_id: UUID) -> list[ApiTokenView]:
        c = api_tokens.c
        rows = await self._session.execute(
            select(c.id, c.user_id, c.name, c.scopes, c.created_at, c.expires_at, c.last_used_at)
            .where(c.user_id == user_id, c.revoked_at.is_(None))
            .order_by(c.created_at.desc(), c.id.desc())
        )
        return [
            ApiTokenView(**{**row._mapping, "scopes": scopes_of_column(row.scopes)}) for row in rows
        ]
