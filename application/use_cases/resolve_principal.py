from application.actors import acting
from application.ports import QuerySession, TokenService
from domain.users import Principal


class ResolvePrincipal:
    """Turns a bearer token into the current principal, refusing tokens of deactivated users
    and tokens issued before the user's password or role changed (the token version). Other
    use cases take the token's claims and do this in their own session; this one is for
    callers with no use case to run, such as the live-event socket."""

    def __init__(self, queries: QuerySession, tokens: TokenService) -> None:
        self.queries = queries
        self.tokens = tokens

    async def execute(self, token: str) -> Principal:
        claims = self.tokens.verify(token)
        async with self.queries as session:
            return await acting(claims, session.users)
