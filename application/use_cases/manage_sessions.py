from uuid import UUID

from application.actors import Actor, acting
from application.audit import record_session
from application.credentials import OpaqueTokens, SessionView
from application.ports import Clock, QuerySession, UnitOfWork
from application.use_cases._owner import owner, owner_view
from domain.audit import session_snapshot
from domain.errors import NotFound


class ListSessions:
    """A user's live sessions: their own, or (admins) anyone's. ``user`` None: the caller."""

    def __init__(self, queries: QuerySession, clock: Clock) -> None:
        self.queries = queries
        self.clock = clock

    async def execute(self, actor: Actor, user: UUID | str | None = None) -> list[SessionView]:
        async with self.queries as session:
            principal = await acting(actor, session.users)
            view = await owner_view(principal, user, session.users)
            return await session.sessions.list_for_user(
                view.id, token_version=view.token_version, now=self.clock.now()
            )


class EndSession:
    """Ends one session: its refresh token stops working at once (access tokens it already
    issued run out on their own, within the access-token lifetime)."""

    def __init__(self, uow: UnitOfWork, clock: Clock) -> None:
        self.uow = uow
        self.clock = clock

    async def execute(self, actor: Actor, session_id: UUID, user: UUID | str | None = None) -> None:
        async with self.uow:
            principal = await acting(actor, self.uow.users)
            account = await owner(principal, user, self.uow)
            session = await self.uow.sessions.get(session_id)
            now = self.clock.now()
            if session is None or session.user_id != account.id:
                raise NotFound("session", session_id)
            if not session.live(now, account.token_version):
                raise NotFound("session", session_id)
            reason = (
                "ended" if account.id == principal.user_id else f"ended by {principal.username}"
            )
            before = session_snapshot(session)
            session.end(reason, at=now)
            await self.uow.sessions.save(session)
            await record_session(self.uow, session, before, actor_id=principal.user_id, at=now)
            await self.uow.commit()


class Logout:
    """Ends the session of a refresh token. Possessing the token is proof enough (no access
    token needed, so an expired one does not stop a logout); any token of the session will
    do, and an unknown or already ended one is no error: the outcome the caller wants holds."""

    def __init__(self, uow: UnitOfWork, clock: Clock, opaque: OpaqueTokens) -> None:
        self.uow = uow
        self.clock = clock
        self.opaque = opaque

    async def execute(self, refresh_token: str) -> None:
        if not isinstance(refresh_token, str) or not refresh_token:
            return
        token_hash = self.opaque.digest(refresh_token)
        async with self.uow:
            session = await self.uow.sessions.get_by_token(token_hash)
            if session is None or session.ended_at is not None:
                return
            before, now = session_snapshot(session), self.clock.now()
            session.end("logged out", at=now)
            await self.uow.sessions.save(session)
            await record_session(self.uow, session, before, actor_id=session.user_id, at=now)
            await self.uow.commit()
