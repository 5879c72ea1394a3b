"""Whose sessions or API tokens a caller works on: their own, or (admins) anyone's."""

from uuid import UUID

from application.ports import UnitOfWork, UserQueries
from application.use_cases._lookup import find_user, load_user
from application.use_cases.get_user import is_self
from application.views import UserView
from domain.users import Permission, Principal, User


def _check(principal: Principal, user: UUID | str | None) -> bool:
    """Whether ``user`` is the principal; checks the permission either way."""
    own = user is None or is_self(principal, user)
    principal.require(Permission.MANAGE_OWN_ACCESS if own else Permission.MANAGE_USERS)
    return own


async def owner_view(principal: Principal, user: UUID | str | None, users: UserQueries) -> UserView:
    """For a query. ``user`` None is the principal."""
    own = _check(principal, user)
    return await find_user(users, principal.user_id if own or user is None else user)


async def owner(principal: Principal, user: UUID | str | None, uow: UnitOfWork) -> User:
    """``owner_view`` for a command."""
    own = _check(principal, user)
    return await load_user(uow, principal.user_id if own or user is None else user)
