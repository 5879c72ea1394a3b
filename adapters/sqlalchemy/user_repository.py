"""Users and failed logins for a unit of work, on its session."""

from collections.abc import Callable
from uuid import UUID

from sqlalchemy import and_, bindparam, func, insert, select, update

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.integrity import guarded
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import users
from domain.users import User

_USER_BY_ID = select(users).where(users.c.id == bindparam("key"))
_USER_BY_KEY = select(users).where(users.c.username_key == bindparam("key"))


class SqlAlchemyUserRepository:
    def __init__(self, session: WriteSession, track: Callable[[User], None]) -> None:
        self._session = session
        self._track = track

    async def add(self, user: User) -> None:
        self._session.check_open()
        async with guarded(self._session, user=user):
            await self._session.execute(insert(users).values(mappers.user_to_row(user)))
        self._track(user)

    async def get(self, user_id: UUID) -> User | None:
        row = (await self._session.execute(_USER_BY_ID, {"key": user_id})).first()
        return None if row is None else mappers.user_to_domain(row._mapping)

    async def get_by_username(self, username: str) -> User | None:
        key = username.strip().casefold()
        row = (await self._session.execute(_USER_BY_KEY, {"key": key})).first()
        return None if row is None else mappers.user_to_domain(row._mapping)

    async def save(self, user: User) -> None:
        self._session.check_open()
        row = mappers.user_to_row(user)
        del row["id"]
        async with guarded(self._session, user=user, savepoint=False):
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
