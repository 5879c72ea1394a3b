"""API tokens: long-lived credentials for integrations, each with a name and scopes.

A token acts for its user with at most the user's *current* role, narrowed to its scopes
(``Principal.scopes``). It is shown once; the store keeps only its keyed hash. The ``inv_``
prefix lets secret scanners recognise a leaked one.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from domain.errors import InvalidValue
from domain.users import parse_scopes
from domain.values import clean_text

PREFIX = "inv_"
NAME_MAX_CHARS = 100
#: The longest lifetime a token may be given (ten years); it may also have none.
MAX_DAYS = 3650
#: ``last_used_at`` is written at most once a minute per token: a busy integration must not turn
#: every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def is_api_token(token: str) -> bool:
    return token.startswith(PREFIX)


@dataclass(eq=False)
class ApiToken:
    id: UUID
    user_id: UUID
    name: str
    scopes: frozenset[str]
    token_hash: bytes
    created_at: datetime
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def issue(
        cls,
        *,
        user_id: UUID,
        name: str,
        scopes: Iterable[str],
        token_hash: bytes,
        at: datetime,
        expires_at: datetime | None = None,
    ) -> "ApiToken":
        if expires_at is not None and expires_at <= at:
            raise InvalidValue("expires_at", "must be in the future")
        return cls(
            id=uuid4(),
            user_id=user_id,
            name=clean_text("name", name, max_length=NAME_MAX_CHARS),
            scopes=parse_scopes(scopes),
            token_hash=token_hash,
            created_at=at,
            expires_at=expires_at,
        )

    def revoke(self, *, at: datetime) -> None:
        if self.revoked_at is None:
            self.revoked_at = at


def usable(revoked_at: datetime | None, expires_at: datetime | None, now: datetime) -> bool:
    """Whether a token with these dates may act at ``now``."""
    return revoked_at is None and (expires_at is None or now < expires_at)


def last_use_is_stale(last_used_at: datetime | None, now: datetime) -> bool:
    """Whether a use at ``now`` is worth writing down (see ``LAST_USED_RESOLUTION``)."""
    return last_used_at is None or now - last_used_at >= LAST_USED_RESOLUTION
