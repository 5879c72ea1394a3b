"""Users and failed logins for a unit of work, on its session."""

from datetime import datetime
from uuid import UUID

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from adapters.sqlalchemy import mappers
from adapters.sqlalchemy.integrity import guarded
from adapters.sqlalchemy.sessions import WriteSession
from adapters.sqlalchemy.tables import login_failures, users
from application.ports import LoginFailures, Page
from domain.users import User

_USER_BY_ID = select(users).where(users.c.id == bindparam("key"))
_USER_BY_KEY = select(users).where(users.c.username_key == bindparam("key"))


class SqlAlchemyUserRepository:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def add(self, user: User) -> None:
        self._session.check_open()
        async with guarded(self._session, user=user):
            await self._session.execute(insert(users).values(mappers.user_to_row(user)))

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

    async def list(self, *, offset: int, limit: int) -> Page[User]:
        rows = await self._session.execute(
            select(users).order_by(users.c.username_key, users.c.id).offset(offset).limit(limit)
        )
        page = [mappers.user_to_domain(row._mapping) for row in rows]
        return Page(items=page, total=await self.count(), offset=offset, limit=limit)

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


class SqlAlchemyLoginAttemptRepository:
    def __init__(self, session: WriteSession) -> None:
        self._session = session

    async def get(self, username_key: str) -> LoginFailures | None:
        result = await self._session.execute(
            select(login_failures).where(login_failures.c.username_key == username_key)
        )
        row = result.first()
        return None if row is None else mappers.login_failures_to_domain(row._mapping)

    async def record_failure(self, username_key: str, at: datetime) -> LoginFailures:
        """One atomic upsert, so failures counted by concurrent workers are never lost."""
        self._session.check_open()
        dialect_insert = postgresql.insert if self._session.name == "postgresql" else sqlite.insert
        upsert = dialect_insert(login_failures).values(
            username_key=username_key, count=1, first_at=at, last_at=at
        )
        statement = upsert.on_conflict_do_update(
            index_elements=[login_failures.c.username_key],
            set_={"count": login_failures.c.count + 1, "last_at": upsert.excluded.last_at},
        ).returning(login_failures)
        row = (await self._session.execute(statement)).one()
        return mappers.login_failures_to_domain(row._mapping)

    async def clear(self, username_key: str) -> None:
        self._session.check_open()
        await self._session.execute(
            delete(login_failures).where(login_failures.c.username_key == username_key)
        )
