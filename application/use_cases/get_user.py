from uuid import UUID

from application.ports import Page, UnitOfWork
from application.use_cases._lookup import check_page, load_user
from domain.users import Permission, Principal, User


def _is_self(actor: Principal, key: UUID | str) -> bool:
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
    """Anyone may read their own account; reading others is for admins."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, actor: Principal, user: UUID | str) -> User:
        if not _is_self(actor, user):
            actor.require(Permission.MANAGE_USERS)
        async with self.uow:
            return await load_user(self.uow, user)


class ListUsers:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def execute(self, actor: Principal, *, offset: int = 0, limit: int = 20) -> Page[User]:
        actor.require(Permission.MANAGE_USERS)
        check_page(offset, limit)
        async with self.uow:
            return await self.uow.users.list(offset=offset, limit=limit)
