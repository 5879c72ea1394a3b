import logging
from dataclasses import replace

from application.audit import record
from application.commands import RefreshCommand
from application.credentials import OpaqueTokens
from application.errors import AuthenticationFailed
from application.ports import AccessToken, Clock, TokenService, UnitOfWork
from application.throttle import address_key, count, uncount
from application.use_cases.authenticate import LoginPolicy
from domain.audit import session_snapshot
from domain.sessions import Refresh

#: Where reuse of a refresh token is reported: a sign that one was copied.
security_log = logging.getLogger("inventory.security")
#: Refresh tokens are 256 bits in 43 characters; anything much longer is not one of ours.
MAX_REFRESH_TOKEN_CHARS = 256


class RefreshSession:
    """Swaps a refresh token for a new access token and a new refresh token (rotation).

    An earlier token of the session coming back ends the whole session and is logged as a
    security event (RFC 9700 §4.14.2): the thief and the legitimate client both have to log in
    again. Two refreshes racing with one token take turns on the session's lock; the second
    finds the token already swapped and is treated as reuse — there is no grace period, so a
    client must not refresh twice in parallel (docs/authentication.md).

    Refreshes are throttled per client address like logins: each is counted before its token
    is looked up, and a success takes its count off again.
    """

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        tokens: TokenService,
        opaque: OpaqueTokens,
        policy: LoginPolicy | None = None,
    ) -> None:
        self.uow = uow
        self.clock = clock
        self.tokens = tokens
        self.opaque = opaque
        self.policy = policy or LoginPolicy()

    async def execute(self, command: RefreshCommand) -> AccessToken:
        presented = command.refresh_token
        if not isinstance(presented, str) or not 0 < len(presented) <= MAX_REFRESH_TOKEN_CHARS:
            raise AuthenticationFailed("invalid refresh token")
        address = address_key(command.client_address, "refresh")
        if not self.policy.free_attempts_per_address:
            address = None
        new_token = self.opaque.new()
        async with self.uow:
            now = self.clock.now()
            if address is not None:
                free = self.policy.free_attempts_per_address
                await count(self.uow.login_attempts, self.policy, address, free, now)
            presented_hash = self.opaque.digest(presented)
            session = await self.uow.sessions.get_by_token(presented_hash)
            user = None if session is None else await self.uow.users.get(session.user_id)
            if session is None or user is None:
                await self.uow.commit()  # the counted attempt
                raise AuthenticationFailed("invalid refresh token")
            version = user.token_version if user.active else -1
            new_hash = self.opaque.digest(new_token)
            before = session_snapshot(session)
            outcome = session.refresh(presented_hash, new_hash, at=now, token_version=version)
            if outcome is Refresh.ROTATED and address is not None:
                await uncount(self.uow.login_attempts, address)
            await self.uow.sessions.save(session)
            # A rotation changes only the token, which is not recorded; a session ended by a
            # reused token is.
            await record(
                self.uow,
                entity="session",
                entity_id=session.id,
                action="ended",
                actor_id=None,
                at=now,
                before=before,
                after=session_snapshot(session),
            )
            await self.uow.commit()
        if outcome is Refresh.REUSED:
            security_log.warning(
                "refresh token reused: session %s of user %s ended", session.id, user.id
            )
            raise AuthenticationFailed("refresh token reused; the session was ended")
        if outcome is Refresh.OVER:
            raise AuthenticationFailed("the session has ended; log in again")
        return replace(self.tokens.issue(user), refresh_token=new_token)
