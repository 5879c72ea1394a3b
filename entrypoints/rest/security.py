"""Who is calling: the bearer token of the OAuth2 password flow, checked by the use case.

Swagger UI's *Authorize* button talks to the token route declared here. A missing or bad token
raises ``AuthenticationFailed``, which the error handlers turn into 401 with
``WWW-Authenticate: Bearer``; what the caller may do is decided later, by the use cases.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.errors import AuthenticationFailed
from application.ports import TokenClaims
from entrypoints.container import Container
from entrypoints.observability.logs import USER_ID_STATE_KEY

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret


class BearerCaller(OAuth2PasswordBearer):
    """The security scheme and the caller's verified token claims in one dependency.

    Only the signature and the claims are checked here, without the store: whether the user
    still exists, is active and still at the token's version is checked by the use case, in
    the one session it opens for the request (``application.actors``). The scheme still
    documents the password flow in OpenAPI; the token service comes from the app's container,
    so overriding its provider (as the tests do) still takes effect.
    """

    async def __call__(self, request: Request) -> TokenClaims:  # type: ignore[override]
        token = await super().__call__(request)
        if not token:
            raise AuthenticationFailed(_REQUIRED)
        container: Container = request.app.state.container
        claims = container.token_service().verify(token)
        setattr(request.state, USER_ID_STATE_KEY, str(claims.user_id))  # for the request log
        return claims


_REQUIRED = "authentication required: send 'Authorization: Bearer <token>'"
# The scheme keeps the name clients and generated SDKs already know it by.
current_caller = BearerCaller(
    tokenUrl=TOKEN_URL, scheme_name="OAuth2PasswordBearer", auto_error=False
)
CurrentCaller = Annotated[TokenClaims, Depends(current_caller)]
