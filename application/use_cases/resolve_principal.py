from application.actors import Actor, acting
from application.credentials import ApiTokenCredential, OpaqueTokens
from application.ports import Clock, QuerySession, TokenService
from domain.api_tokens import is_api_token
from domain.users import Principal


class ResolvePrincipal:
    """Turns a bearer token into the current principal, refusing tokens of deactivated users,
    tokens issued before the user's password or role changed (the token version), and revoked
    or expired API tokens (``inv_…``, whose principal carries their scopes). Other use cases
    take the credential and do this in their own session; this one is for callers with no use
    case to run, such as the live-event socket."""

    def __init__(
        self, queries: QuerySession, tokens: TokenService, opaque: OpaqueTokens, clock: Clock
    ) -> None:
        self.queries = queries
        self.tokens = tokens
        self.opaque = opaque
        self.clock = clock

    def credential(self, token: str) -> Actor:
        """What the token claims, checked as far as can be without the store."""
        if isinstance(token, str) and is_api_token(token):
            return ApiTokenCredential(self.opaque.digest(token), self.clock.now())
        return self.tokens.verify(token)

    async def execute(self, token: str) -> Principal:
        actor = self.credential(token)
        async with self.queries as session:
            return await acting(actor, session.users)
