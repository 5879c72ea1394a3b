from uuid import UUID

from application.actors import Actor, acting
from application.ports import Page, QuerySession
from application.use_cases._lookup import check_page, find_user
from application.views import UserView
from domain.users import Permission, Principal


def is_self(actor: Principal, key: UUID | str) -> bool:
    """Whether ``key`` names the actor: by id in any spelling, or by username in any case."""
    if isinstance(key, UUID):
        return key == actor.user_id
    if not isinstance(key, str):
        return False
    try:
        return UUID(key) == actor.user_id
    except ValueError:
        return key.strip().casefold() == actor.username.casefold()


class GetUser:
    """Anyone may read their own account (``user`` None: the caller's); reading others is for
    admins."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, user: UUID | str | None = None) -> UserView:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            if user is None:
                user = principal.user_id
            elif not is_self(principal, user):
                principal.require(Permission.MANAGE_USERS)
            return await find_user(session.users, user)


class ListUsers:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, *, offset: int = 0, limit: int = 20) -> Page[UserView]:
        check_page(offset, limit)
        async with self.queries as session:
            principal = await acting(actor, session.users)
            principal.require(Permission.MANAGE_USERS)
            return await session.users.list(offset=offset, limit=limit)
