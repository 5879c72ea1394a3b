"""Who acts in a use case, decided inside the use case's own session.

An entrypoint hands a use case a ``Principal`` it already trusts (the CLI, which resolved
``--as`` itself), the verified claims of an access token, or the keyed hash of an API token
(whose user and grant are read together, in one statement). Claims are checked against the store
in the same session the use case then works in, so an authenticated request opens one session,
not one for authentication and another for the work, and revocation stays exact: every request
still reads the user's token version and active flag.
"""

from dataclasses import replace
from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.credentials import ApiTokenCredential, ApiTokenGrant
from application.errors import AuthenticationFailed
from application.ports import TokenClaims
from domain.api_tokens import last_use_is_stale, usable
from domain.users import Principal

Actor = Principal | TokenClaims | ApiTokenCredential


class Account(Protocol):
    @property
    def active(self) -> bool: ...

    @property
    def token_version(self) -> int: ...

    def principal(self) -> Principal: ...


class Accounts(Protocol):
    async def get(self, user_id: UUID) -> Account | None: ...

    async def by_api_token(self, token_hash: bytes) -> tuple[Account, ApiTokenGrant] | None: ...

    async def touch_api_token(self, token_id: UUID, *, at: datetime) -> None: ...


async def acting(actor: Actor, accounts: Accounts) -> Principal:
    """The principal behind ``actor``; claims of a missing or deactivated user, or of a token
    issued before the user's password or role changed, raise ``AuthenticationFailed``."""
    if isinstance(actor, Principal):
        return actor
    if isinstance(actor, ApiTokenCredential):
        return await _by_api_token(actor, accounts)
    account = await accounts.get(actor.user_id)
    if account is None or not account.active or account.token_version != actor.token_version:
        raise AuthenticationFailed()
    return account.principal()


async def _by_api_token(credential: ApiTokenCredential, accounts: Accounts) -> Principal:
    """The token's user, narrowed to the token's scopes, in the one read that finds the token;
    its last use is written down at most once a minute."""
    found = await accounts.by_api_token(credential.token_hash)
    if found is None:
        raise AuthenticationFailed()
    account, grant = found
    now = credential.presented_at
    if not account.active or not usable(grant.revoked_at, grant.expires_at, now):
        raise AuthenticationFailed()
    principal = account.principal()
    named = credential.username
    if named is not None and named.strip().casefold() != principal.username.casefold():
        raise AuthenticationFailed()
    if last_use_is_stale(grant.last_used_at, now):
        await accounts.touch_api_token(grant.id, at=now)
    return replace(principal, scopes=grant.scopes)
