import hashlib
import hmac
import secrets

#: Bytes of randomness in a refresh or API token (256 bits).
TOKEN_BYTES = 32
#: Derives the hashing key from the secret key: the same secret signs access tokens (HS256),
#: and one key must not serve two purposes.
_KEY_LABEL = b"inventory-service/opaque-token-hash/v1"


class HmacOpaqueTokens:
    """Refresh and API tokens: 256 random bits, stored and looked up by HMAC-SHA256 under a
    key derived from the secret key. A keyed hash, not bcrypt: the tokens are too random to
    guess, so a slow hash would only cost every request (and the key keeps a leaked table of
    hashes useless)."""

    def __init__(self, secret: str | bytes) -> None:
        key = secret.encode() if isinstance(secret, str) else secret
        self._key = hmac.new(key, _KEY_LABEL, hashlib.sha256).digest()

    def new(self, prefix: str = "") -> str:
        return prefix + secrets.token_urlsafe(TOKEN_BYTES)

    def digest(self, token: str) -> bytes:
        return hmac.new(self._key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()
