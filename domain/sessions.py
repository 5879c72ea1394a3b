"""Sessions: what a password login leaves behind besides its short-lived access token.

A session is one family of refresh tokens (OAuth 2.0 Security BCP, RFC 9700 §4.14): a login
starts it with a first refresh token, and every refresh swaps the current token for a new one.
Only the keyed hash of a token is ever stored, never the token. A token that was already
swapped and comes back is the sign of a copy in someone else's hands: the whole family ends,
the thief's copy and the legitimate client's alike, and the person logs in again.

A session belongs to one ``token_version`` of its user: changing the password, the role or the
active flag raises the version (``User._revoke_tokens``) and so ends every session at once,
without touching their rows.
"""

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID, uuid4

from domain.values import optional_text

DEVICE_MAX_CHARS = 200


class Refresh(StrEnum):
    """What presenting a refresh token did to its session."""

    ROTATED = "rotated"
    #: An earlier token of the family came back: the family is ended now.
    REUSED = "reused"
    #: The session had already ended, expired or been voided by a change to its user.
    OVER = "over"


@dataclass(eq=False)
class LoginSession:
    id: UUID
    user_id: UUID
    token_version: int
    #: The keyed hash of the current refresh token (earlier ones are kept by the store, to be
    #: recognised when they come back).
    token_hash: bytes
    device: str | None
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ended_at: datetime | None = None
    end_reason: str | None = None

    @classmethod
    def start(
        cls,
        *,
        user_id: UUID,
        token_version: int,
        token_hash: bytes,
        device: str | None,
        at: datetime,
        lifetime: timedelta,
    ) -> "LoginSession":
        return cls(
            id=uuid4(),
            user_id=user_id,
            token_version=token_version,
            token_hash=token_hash,
            device=optional_text("device", device, max_length=DEVICE_MAX_CHARS),
            created_at=at,
            last_used_at=at,
            expires_at=at + lifetime,
        )

    def live(self, now: datetime, token_version: int) -> bool:
        """Not ended, not expired, and its user unchanged since it began."""
        return (
            self.ended_at is None and now < self.expires_at and token_version == self.token_version
        )

    def refresh(
        self, presented: bytes, new_hash: bytes, *, at: datetime, token_version: int
    ) -> Refresh:
        """Swap the current token (``presented``, a hash) for ``new_hash``.

        The session must be live. Presenting anything but the current token is reuse, and ends
        the family; the caller commits that and refuses the request. Two refreshes racing with
        one token are serialised by the store: the second sees the token already swapped, so
        it counts as reuse too (see docs/authentication.md)."""
        if not self.live(at, token_version):
            return Refresh.OVER
        if not hmac.compare_digest(presented, self.token_hash):
            self.end("refresh token reused", at=at)
            return Refresh.REUSED
        self.token_hash = new_hash
        self.last_used_at = at
        return Refresh.ROTATED

    def end(self, reason: str, *, at: datetime) -> None:
        if self.ended_at is None:
            self.ended_at = at
            self.end_reason = reason
