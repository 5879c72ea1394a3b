from dataclasses import dataclass
from datetime import UTC, datetime

from application.errors import AuthenticationFailed
from application.outbox import INTERNAL_TYPES, StoredEvent
from application.ports import TokenClaims
from application.use_cases.resolve_principal import ResolvePrincipal
from domain.events import AccessRevoked
from domain.users import Permission, Principal

_NEVER = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class LiveSession:
    """A subscriber to the live events: who it is, and for how long it may stay.

    A session ends when its token expires, or as soon as the token is revoked (the user's
    password, role or active flag changed). The revocation reaches it as an ``AccessRevoked``
    event in the stream it already reads, from whichever process made the change, so no event
    costs a store read.
    """

    principal: Principal
    token_version: int
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def seconds_left(self, now: datetime) -> float:
        return max(0.0, (self.expires_at - now).total_seconds())

    def revoked_by(self, event: StoredEvent) -> bool:
        """True when ``event`` voids this session's token (a later version of its user's)."""
        return (
            event.type == AccessRevoked.name
            and event.aggregate_id == self.principal.user_id
            and (event.aggregate_version or 0) > self.token_version
        )

    @staticmethod
    def shows(event: StoredEvent) -> bool:
        """Whether subscribers see ``event``: access changes are the service's own business
        (they name users and token versions), everything else is for every subscriber."""
        return event.type not in INTERNAL_TYPES


class OpenEventStream:
    """Authenticates a live-event subscriber with the checks of every request (signature,
    expiry, an active user, the current token version). The subscriber runs it when it joins and
    again now and then, which bounds how long a revocation whose event was lost goes unseen."""

    def __init__(self, resolve: ResolvePrincipal) -> None:
        self.resolve = resolve

    async def execute(self, token: str) -> LiveSession:
        """An API token needs the ``events:read`` scope; its socket has no expiry of its own
        (the periodic check ends it once the token expires or is revoked) and closes on any
        change to its user's access, after which the client connects again."""
        actor = self.resolve.credential(token)
        principal = await self.resolve.execute(token)
        if not principal.can(Permission.READ_EVENTS):
            raise AuthenticationFailed("this token may not read live events (scope events:read)")
        if isinstance(actor, TokenClaims):
            return LiveSession(principal, actor.token_version, actor.expires_at)
        return LiveSession(principal, token_version=0, expires_at=_NEVER)
