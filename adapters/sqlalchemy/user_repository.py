"""Users and failed logins for a unit of work, on its session."""

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, bindparam, func, insert, select, update

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.access import scopes_of_column, touch_statement
from adapters.sqlalchemy.driver_statements import DriverStatement
from adapters.sqlalchemy.integrity import Guarded
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import api_tokens, users
from application.credentials import ApiTokenGrant
from domain.users import User

_USER_BY_ID = DriverStatement(select(users).where(users.c.id == bindparam("key")))
_USER_BY_KEY = DriverStatement(select(users).where(users.c.username_key == bindparam("key")))
_USER_BY_API_TOKEN = (
    select(
        users,
        api_tokens.c.id.label("token_id"),
        api_tokens.c.scopes,
        api_tokens.c.expires_at,
        api_tokens.c.last_used_at,
        api_tokens.c.revoked_at,
    )
    .join(api_tokens, api_tokens.c.user_id == users.c.id)
    .where(api_tokens.c.token_hash == bindparam("key"))
)


class SqlAlchemyUserRepository:
    def __init__(self, session: WriteSession, track: Callable[[User], None]) -> None:
        self._session = session
        self._track = track

    async def add(self, user: User) -> None:
        self._session.check_open()
        async with Guarded(self._session, user=user):
            await self._session.execute(insert(users).values(mappers.user_to_row(user)))
        self._track(user)

    async def get(self, user_id: UUID) -> User | None:
        found = await self._session.rows(_USER_BY_ID, {"key": user_id})
        return mappers.user_to_domain(found[0]) if found else None

    async def get_by_username(self, username: str) -> User | None:
        key = username.strip().casefold()
        found = await self._session.rows(_USER_BY_KEY, {"key": key})
        return mappers.user_to_domain(found[0]) if found else None

    async def save(self, user: User) -> None:
        self._session.check_open()
        row = mappers.user_to_row(user)
        del row["id"]
        async with Guarded(self._session, user=user, savepoint=False):
            await self._session.execute(update(users).where(users.c.id == user.id).values(row))
        self._track(user)

    async def count_admins(self) -> int:
        result = await self._session.execute(
            select(func.count())
            .select_from(users)
            .where(and_(users.c.role == "admin", users.c.active.is_(True)))
        )
        return int(result.scalar_one())

    async def count(self) -> int:
        result = await self._session.execute(select(func.count()).select_from(users))
        return int(result.scalar_one())

    async def by_api_token(self, token_hash: bytes) -> tuple[User, ApiTokenGrant] | None:
        row = (await self._session.execute(_USER_BY_API_TOKEN, {"key": token_hash})).first()
        if row is None:
            return None
        values = row._mapping
        grant = ApiTokenGrant(
            id=values["token_id"],
            scopes=scopes_of_column(values["scopes"]),
            expires_at=values["expires_at"],
            last_used_at=values["last_used_at"],
            revoked_at=values["revoked_at"],
        )
        return mappers.user_to_domain(values), grant

    async def touch_api_token(self, token_id: UUID, *, at: datetime) -> None:
        await self._session.execute(touch_statement(token_id, at))
