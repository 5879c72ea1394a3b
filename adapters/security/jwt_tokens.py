from datetime import timedelta
from uuid import UUID

import jwt

from application.ports import AccessToken, Clock, TokenClaims
from domain.errors import AuthenticationFailed
from domain.users import User

ALGORITHM = "HS256"
MIN_SECRET_BYTES = 32


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
        if not isinstance(token, str) or not token or len(token) > 4096:
            raise AuthenticationFailed("invalid token")
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "sub", "iss", "aud", "ver"]},
            )
            if int(claims["iat"]) > self._clock.now().timestamp() + self._leeway:
                raise AuthenticationFailed("invalid token")
            version = claims["ver"]
            if isinstance(version, bool) or not isinstance(version, int):
                raise AuthenticationFailed("invalid token")
            return TokenClaims(user_id=UUID(claims["sub"]), token_version=version)
        except AuthenticationFailed:
            raise
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise AuthenticationFailed("invalid token") from None
