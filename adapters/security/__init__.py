from adapters.security.bcrypt_hasher import BcryptPasswordHasher
from adapters.security.jwt_tokens import JwtTokenService
from adapters.security.secret_key import load_or_create_secret

__all__ = ["BcryptPasswordHasher", "JwtTokenService", "load_or_create_secret"]
