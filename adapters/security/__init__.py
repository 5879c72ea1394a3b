from adapters.security.bcrypt_hasher import BcryptPasswordHasher
from adapters.security.jwt_tokens import JwtTokenService
from adapters.security.opaque_tokens import HmacOpaqueTokens
from adapters.security.secret_key import load_or_create_secret

__all__ = [
    "BcryptPasswordHasher",
    "HmacOpaqueTokens",
    "JwtTokenService",
    "load_or_create_secret",
]
