"""The ports and read models of sessions (refresh-token families) and API tokens.

Refresh and API tokens are long random strings, so they are stored as a fast keyed hash
(``OpaqueTokens.digest``, HMAC-SHA256 with a server key): a bcrypt per request would cost
more than the request, and a stolen table of keyed hashes is of no use without the key.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from domain.api_tokens import ApiToken
from domain.sessions import LoginSession


class OpaqueTokens(Protocol):
    """Makes opaque bearer secrets and the keyed hashes they are stored and looked up by."""

    def new(self, prefix: str = "") -> str:
        """A fresh secret of 256 random bits, URL-safe, after ``prefix``."""

    def digest(self, token: str) -> bytes:
        """The keyed hash of ``token`` (any text, even one that was never issued)."""


@dataclass(frozen=True, slots=True)
class ApiTokenCredential:
    """An API token as a request presented it: hashed already (the entrypoint hashes it, the
    secret goes no further), when (the entrypoint's clock: expiry and last-use are judged at
    this moment) and, for HTTP Basic, the username it came with."""

    token_hash: bytes
    presented_at: datetime
    username: str | None = None


@dataclass(frozen=True, slots=True)
class ApiTokenGrant:
    """What authenticating with an API token needs to know of it, read with its user."""

    id: UUID
    scopes: frozenset[str]
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class SessionView:
    id: UUID
    user_id: UUID
    device: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, session: LoginSession) -> "SessionView":
        return cls(
            id=session.id,
            user_id=session.user_id,
            device=session.device,
            created_at=session.created_at,
            last_used_at=session.last_used_at,
            expires_at=session.expires_at,
        )


@dataclass(frozen=True, slots=True)
class ApiTokenView:
    id: UUID
    user_id: UUID
    name: str
    scopes: frozenset[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, token: ApiToken) -> "ApiTokenView":
        return cls(
            id=token.id,
            user_id=token.user_id,
            name=token.name,
            scopes=token.scopes,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
        )


@dataclass(frozen=True, slots=True)
class IssuedApiToken:
    """A new API token: the secret is in here, and nowhere else, ever again."""

    token: ApiTokenView
    secret: str


class SessionRepository(Protocol):
    async def add(self, session: LoginSession) -> None:
        """Insert the session and its first token's hash."""

    async def get(self, session_id: UUID) -> LoginSession | None: ...

    async def get_by_token(self, token_hash: bytes) -> LoginSession | None:
        """The session that issued the token, whether it is the current one or an earlier one,
        locked until the unit of work ends: concurrent refreshes of one family take turns."""

    async def save(self, session: LoginSession) -> None:
        """Write back; a new current token hash is remembered alongside the earlier ones."""


class ApiTokenRepository(Protocol):
    async def add(self, token: ApiToken) -> None: ...

    async def get(self, token_id: UUID) -> ApiToken | None: ...

    async def save(self, token: ApiToken) -> None: ...


class SessionQueries(Protocol):
    async def list_for_user(
        self, user_id: UUID, *, token_version: int, now: datetime
    ) -> list[SessionView]:
        """The user's live sessions (not ended, not expired, of ``token_version``), newest
        first."""


class ApiTokenQueries(Protocol):
    async def list_for_user(self, user_id: UUID) -> list[ApiTokenView]:
        """The user's tokens that were not revoked (expired ones too), newest first."""
