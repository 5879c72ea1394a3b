from application.errors import AuthenticationFailed
from application.ports import TokenService, UnitOfWork
from domain.users import User


class ResolvePrincipal:
    """Turns a bearer token into the current user, refusing tokens of deactivated users and
    tokens issued before the user's password or role changed (the token version)."""

    def __init__(self, uow: UnitOfWork, tokens: TokenService) -> None:
        self.uow = uow
        self.tokens = tokens

    async def execute(self, token: str) -> User:
        claims = self.tokens.verify(token)
        async with self.uow:
            user = await self.uow.users.get(claims.user_id)
        if user is None or not user.active or user.token_version != claims.token_version:
            raise AuthenticationFailed()
        return user
