from datetime import datetime, timedelta
from uuid import UUID

from application.actors import Actor, acting
from application.audit import record
from application.commands import CreateApiTokenCommand
from application.credentials import ApiTokenView, IssuedApiToken, OpaqueTokens
from application.ports import Clock, QuerySession, UnitOfWork
from application.throttle import count
from application.use_cases._owner import owner, owner_view
from application.use_cases.authenticate import LoginPolicy
from domain.api_tokens import MAX_DAYS, PREFIX, ApiToken
from domain.audit import api_token_snapshot
from domain.errors import NotFound
from domain.values import bounded_int


class CreateApiToken:
    """A new API token for the caller, or (admins) for another user such as a service account.

    The secret is returned once and only its keyed hash is stored. Creation is throttled per
    creating user like logins from one address (``free_attempts_per_address`` per window),
    so a stolen session cannot mint tokens by the thousand.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        opaque: OpaqueTokens,
        policy: LoginPolicy | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.opaque = opaque
        self.policy = policy or LoginPolicy()

    async def execute(self, cmd: CreateApiTokenCommand) -> IssuedApiToken:
        secret = self.opaque.new(PREFIX)
        async with self.uow:
            now = self.clock.now()
            principal = await acting(cmd.actor, self.uow.users)
            account = await owner(principal, cmd.user, self.uow)
            token = ApiToken.issue(
                user_id=account.id,
                name=cmd.name,
                scopes=cmd.scopes,
                token_hash=self.opaque.digest(secret),
                at=now,
                expires_at=_expiry(now, cmd.expires_in_days),
            )
            key = f"api-token:{principal.user_id}"
            free = max(self.policy.free_attempts_per_address, self.policy.free_attempts)
            await count(self.uow.login_attempts, self.policy, key, free, now)
            await self.uow.api_tokens.add(token)
            await record(
                self.uow,
                entity="api_token",
                entity_id=token.id,
                action="created",
                actor_id=principal.user_id,
                at=now,
                before=None,
                after=api_token_snapshot(token),
            )
            await self.uow.commit()
        return IssuedApiToken(token=ApiTokenView.of(token), secret=secret)


def _expiry(now: datetime, days: int | None) -> datetime | None:
    if days is None:
        return None
    return now + timedelta(days=bounded_int("expires_in_days", days, minimum=1, maximum=MAX_DAYS))


class ListApiTokens:
    def __init__(self, queries: QuerySession) -> None:
        self.queries = queries

    async def execute(self, actor: Actor, user: UUID | str | None = None) -> list[ApiTokenView]:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            view = await owner_view(principal, user, session.users)
            return await session.api_tokens.list_for_user(view.id)


class RevokeApiToken:
    """Revoked at once, in every process: each request reads its token from the store."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, actor: Actor, token_id: UUID, user: UUID | str | None = None) -> None:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            account = await owner(principal, user, self.uow)
            token = await self.uow.api_tokens.get(token_id)
            if token is None or token.user_id != account.id or token.revoked_at is not None:
                raise NotFound("API token", token_id)
            before, now = api_token_snapshot(token), self.clock.now()
            token.revoke(at=now)
            await self.uow.api_tokens.save(token)
            await record(
                self.uow,
                entity="api_token",
                entity_id=token.id,
                action="revoked",
                actor_id=principal.user_id,
                at=now,
                before=before,
                after=api_token_snapshot(token),
            )
            await self.uow.commit()
