import math
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from application.errors import AuthenticationFailed
from application.ports import AccessToken, Clock, TokenClaims
from domain.users import User

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32
MAX_TOKEN_CHARS = 4096
#: Tokens whose signature and claims were verified; the same bytes verify the same way, so
#: only the time checks (and, in the use case, the user's token version) run again.
VERIFIED_CACHE_SIZE = 4096


class JwtTokenService:
    """HS256 access tokens. Everything that can be required is: ``exp``, ``iat``, ``sub``,
    ``iss``, ``aud`` and our token version ``ver``; the algorithm list is fixed, so ``alg: none``
    and algorithm confusion are refused. Any invalid token is one ``AuthenticationFailed``."""

    def __init__(
        self,
        secret: str | bytes,
        clock: Clock,
        *,
        lifetime_seconds: int = 1800,
        issuer: str = "inventory-service",
        audience: str = "inventory-api",
        leeway_seconds: int = 10,
    ) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        if len(key) < MIN_SECRET_BYTES:
            raise ValueError(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")
        self._key = key
        self._clock = clock
        self.lifetime_seconds = lifetime_seconds
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway_seconds
        self._verified: dict[str, dict[str, Any]] = {}

    def issue(self, user: User) -> AccessToken:
        now = self._clock.now()
        expires_at = now + timedelta(seconds=self.lifetime_seconds)
        claims = {
            "sub": str(user.id),
            "ver": user.token_version,
            "iat": int(now.timestamp()),
            "exp": int(expires_at.timestamp()),
            "iss": self._issuer,
            "aud": self._audience,
        }
        token = jwt.encode(claims, self._key, algorithm=ALGORITHM)
        return AccessToken(token=token, expires_in=self.lifetime_seconds, expires_at=expires_at)

    def verify(self, token: str) -> TokenClaims:
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
            raise AuthenticationFailed("invalid token")
        claims = self._verified.get(token)
        if claims is None:
            claims = self._decode(token)
            if len(self._verified) >= VERIFIED_CACHE_SIZE:
                self._verified.clear()
            self._verified[token] = claims
        if not self._current(claims):
            raise AuthenticationFailed("invalid token")
        subject, version = claims["sub"], claims["ver"]
        if isinstance(version, bool) or not isinstance(version, int):
            raise AuthenticationFailed("invalid token")
        try:
            expires_at = datetime.fromtimestamp(claims["exp"], UTC)
            return TokenClaims(user_id=UUID(subject), token_version=version, expires_at=expires_at)
        except (ValueError, TypeError, AttributeError, OverflowError, OSError):
            raise AuthenticationFailed("invalid token") from None

    def _decode(self, token: str) -> dict[str, Any]:
        """Signature, algorithm, issuer, audience and required claims; times come later."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "require": ["exp", "iat", "sub", "iss", "aud", "ver"],
                    # PyJWT compares times with the wall clock; ours come from the Clock port
                    # (the same one that issued the token), so they are checked below.
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise AuthenticationFailed("invalid token") from None
        return claims

    def _current(self, claims: dict[str, Any]) -> bool:
        """Not expired, not issued in the future, not used before ``nbf``, by our clock."""
        now = self._clock.now().timestamp()
        expires, issued = _seconds(claims["exp"]), _seconds(claims["iat"])
        not_before = _seconds(claims.get("nbf", issued))
        if expires is None or issued is None or not_before is None:
            return False
        return (
            now < expires + self._leeway
            and issued <= now + self._leeway
            and not_before <= now + self._leeway
        )


def _seconds(value: object) -> float | None:
    """A NumericDate: a finite number that is not a boolean (JSON ``Infinity`` parses too)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return float(value)
    except OverflowError:  # an integer too large for a float
        return None
