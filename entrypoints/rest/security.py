"""Who is calling: the bearer token of the OAuth2 password flow, resolved by the use case.

Swagger UI's *Authorize* button talks to the token route declared here. A missing or bad token
raises ``AuthenticationFailed``, which the error handlers turn into 401 with
``WWW-Authenticate: Bearer``; what the caller may do is decided later, by the use cases.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.errors import AuthenticationFailed
from application.use_cases import ResolvePrincipal
from domain.users import Principal
from entrypoints.container import Container
from entrypoints.observability.logs import USER_ID_STATE_KEY

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret


async def principal_from_token(token: str | None, resolve: ResolvePrincipal) -> Principal:
    if not token:
        raise AuthenticationFailed("authentication required: send 'Authorization: Bearer <token>'")
    user = await resolve.execute(token)
    return user.principal()


class BearerPrincipal(OAuth2PasswordBearer):
    """The security scheme and the acting user in one dependency.

    As three (the scheme, the use case's ``Provide`` marker and a function putting them
    together), FastAPI solved three dependencies on every authenticated request, which took
    longer than reading the user from the database. The scheme still documents the password
    flow in OpenAPI; the use case comes from the app's container, so overriding its provider
    (as the tests do) still takes effect.
    """

    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        token = await super().__call__(request)
        container: Container = request.app.state.container
        principal = await principal_from_token(token, container.resolve_principal())
        setattr(request.state, USER_ID_STATE_KEY, str(principal.user_id))  # for the request log
        return principal


# The scheme keeps the name clients and generated SDKs already know it by.
current_principal = BearerPrincipal(
    tokenUrl=TOKEN_URL, scheme_name="OAuth2PasswordBearer", auto_error=False
)
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
