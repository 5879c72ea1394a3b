"""Sessions and API tokens over ``InMemoryStore``: staged per unit of work, applied at commit,
copies handed out (like ``repositories.py``), plus their query side."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from adapters.memory.store import InMemoryStore
from application.credentials import ApiTokenGrant, ApiTokenView, SessionView
from domain.api_tokens import ApiToken, last_use_is_stale
from domain.errors import AlreadyExists
from domain.sessions import LoginSession
from domain.users import User

if TYPE_CHECKING:
    from adapters.memory.unit_of_work import InMemoryUnitOfWork

T = TypeVar("T", LoginSession, ApiToken)


@dataclass
class AccessChanges:
    """What one unit of work changed in sessions and API tokens, until it commits."""

    sessions: dict[UUID, LoginSession] = field(default_factory=dict)
    api_tokens: dict[UUID, ApiToken] = field(default_factory=dict)

    def apply(self, store: InMemoryStore) -> None:
        for session in self.sessions.values():
            store.sessions[session.id] = replace(session)
            store.session_tokens[session.token_hash] = session.id
        store.api_tokens.update({key: replace(t) for key, t in self.api_tokens.items()})


def _merged(stored: dict[UUID, T], staged: dict[UUID, T]) -> dict[UUID, T]:
    return {**stored, **staged} if staged else stored


class InMemorySessionRepository:
    def __init__(self, uow: "InMemoryUnitOfWork", store: InMemoryStore) -> None:
        self._uow = uow
        self._store = store

    def _current(self) -> dict[UUID, LoginSession]:
        return _merged(self._store.sessions, self._uow.access_changes().sessions)

    async def add(self, session: LoginSession) -> None:
        if session.id in self._current() or session.token_hash in self._store.session_tokens:
            raise AlreadyExists("session", "id", session.id)
        await self.save(session)

    async def get(self, session_id: UUID) -> LoginSession | None:
        found = self._current().get(session_id)
        return None if found is None else replace(found)

    async def get_by_token(self, token_hash: bytes) -> LoginSession | None:
        # The unit of work holds the store's write lock: the session is ours until it ends.
        for staged in self._uow.access_changes().sessions.values():
            if staged.token_hash == token_hash:
                return replace(staged)
        session_id = self._store.session_tokens.get(token_hash)
        return None if session_id is None else await self.get(session_id)

    async def save(self, session: LoginSession) -> None:
        self._uow.access_changes().sessions[session.id] = replace(session)


class InMemoryApiTokenRepository:
    def __init__(self, uow: "InMemoryUnitOfWork", store: InMemoryStore) -> None:
        self._uow = uow
        self._store = store

    def _current(self) -> dict[UUID, ApiToken]:
        return _merged(self._store.api_tokens, self._uow.access_changes().api_tokens)

    async def add(self, token: ApiToken) -> None:
        if token.id in self._current():
            raise AlreadyExists("API token", "id", token.id)
        await self.save(token)

    async def get(self, token_id: UUID) -> ApiToken | None:
        found = self._current().get(token_id)
        return None if found is None else replace(found)

    async def save(self, token: ApiToken) -> None:
        self._uow.access_changes().api_tokens[token.id] = replace(token)


def token_user(
    store: InMemoryStore, users: dict[UUID, User], token_hash: bytes
) -> tuple[User, ApiTokenGrant] | None:
    """The user of the API token with ``token_hash``, and its grant (committed tokens only)."""
    for token in store.api_tokens.values():
        if token.token_hash == token_hash:
            user = users.get(token.user_id)
            if user is None:
                return None
            grant = ApiTokenGrant(
                id=token.id,
                scopes=token.scopes,
                expires_at=token.expires_at,
                last_used_at=token.last_used_at,
                revoked_at=token.revoked_at,
            )
            return user, grant
    return None


def touch(store: InMemoryStore, token_id: UUID, at: datetime) -> None:
    """A use of the token, written at once (nothing else of the unit of work depends on it)."""
    token = store.api_tokens.get(token_id)
    if token is not None and last_use_is_stale(token.last_used_at, at):
        store.api_tokens[token_id] = replace(token, last_used_at=at)


class InMemorySessionQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def list_for_user(
        self, user_id: UUID, *, token_version: int, now: datetime
    ) -> list[SessionView]:
        live = [
            SessionView.of(session)
            for session in self._store.sessions.values()
            if session.user_id == user_id and session.live(now, token_version)
        ]
        return sorted(live, key=lambda view: (view.created_at, view.id), reverse=True)


class InMemoryApiTokenQueries:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def list_for_user(self, user_id: UUID) -> list[ApiTokenView]:
        tokens = [
            ApiTokenView.of(token)
            for token in self._store.api_tokens.values()
            if token.user_id == user_id and token.revoked_at is None
        ]
        return sorted(tokens, key=lambda view: (view.created_at, view.id), reverse=True)
