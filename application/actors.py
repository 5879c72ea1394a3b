"""Who acts in a use case, decided inside the use case's own session.

An entrypoint hands a use case either a ``Principal`` it already trusts (the CLI, which resolved
``--as`` itself) or the verified claims of a bearer token. Claims are checked against the store
in the same session the use case then works in, so an authenticated request opens one session,
not one for authentication and another for the work, and revocation stays exact: every request
still reads the user's token version and active flag.
"""

from typing import Protocol
from uuid import UUID

from application.errors import AuthenticationFailed
from application.ports import TokenClaims
from domain.users import Principal

Actor = Principal | TokenClaims


class Account(Protocol):
    @property
    def active(self) -> bool: ...

    @property
    def token_version(self) -> int: ...

    def principal(self) -> Principal: ...


class Accounts(Protocol):
    async def get(self, user_id: UUID) -> Account | None: ...


async def acting(actor: Actor, accounts: Accounts) -> Principal:
    """The principal behind ``actor``; claims of a missing or deactivated user, or of a token
    issued before the user's password or role changed, raise ``AuthenticationFailed``."""
    if isinstance(actor, Principal):
        return actor
    account = await accounts.get(actor.user_id)
    if account is None or not account.active or account.token_version != actor.token_version:
        raise AuthenticationFailed()
    return account.principal()
