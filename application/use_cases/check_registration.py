from typing import Protocol
from uuid import UUID

from application.actors import Accounts, Actor, acting
from application.ports import QuerySession
from domain.errors import AlreadyExists, PermissionDenied
from domain.users import Permission, Role, Username


class Registrations(Accounts, Protocol):
    """What the checks read: the write side's ``UserRepository`` and the read side's
    ``UserQueries`` both offer it."""

    async def get_by_username(self, username: str) -> object | None: ...

    async def count(self) -> int: ...


async def check_registration(
    users: Registrations, actor: Actor | None, username: Username, role: Role
) -> UUID | None:
    """Raises what ``RegisterUser`` would for this actor, username and role: only admins create
    users, with no actor only the first admin of an empty store, and usernames are unique.
    Returns the acting admin's id (None for the first admin)."""
    acting_id = None
    if actor is None:
        if role is not Role.ADMIN:
            raise PermissionDenied("create a non-admin user without an acting admin", "nobody")
        if await users.count():
            raise PermissionDenied("create users without acting as an admin", "nobody")
    else:
        principal = await acting(actor, users)
        principal.require(Permission.MANAGE_USERS)
        acting_id = principal.user_id
    if await users.get_by_username(username.value) is not None:
        raise AlreadyExists("user", "username", username)
    return acting_id


class CheckRegistration:
    """Whether a user could be registered, asked before anyone types a password: the CLI
    prompts for one (twice) only when the username is free and the actor may create the user,
    instead of refusing after the typing. It only reads; ``RegisterUser`` checks again when it
    writes, since another user may take the name in between."""

    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor | None, username: str, role: str) -> None:
        name = Username.parse(username)
        parsed_role = Role.parse(role)
        async with self.queries as session:
            await check_registration(session.users, actor, name, parsed_role)
