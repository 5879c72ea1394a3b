"""Who is calling: the bearer token of the OAuth2 password flow, resolved by the use case.

Swagger UI's *Authorize* button talks to the token route declared here. A missing or bad token
raises ``AuthenticationFailed``, which the error handlers turn into 401 with
``WWW-Authenticate: Bearer``; what the caller may do is decided later, by the use cases.
"""

from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.use_cases import ResolvePrincipal
from domain.errors import AuthenticationFailed
from domain.users import Principal
from entrypoints.container import Container
from entrypoints.observability.logs import USER_ID_STATE_KEY
from entrypoints.rest.injection import Provide

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
oauth2_scheme = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


async def principal_from_token(token: str | None, resolve: ResolvePrincipal) -> Principal:
    if not token:
        raise AuthenticationFailed("authentication required: send 'Authorization: Bearer <token>'")
    user = await resolve.execute(token)
    return user.principal()


@inject
async def current_principal(
    request: Request,
    token: Annotated[str | None, Depends(oauth2_scheme)],
    resolve: Annotated[ResolvePrincipal, Depends(Provide[Container.resolve_principal])],
) -> Principal:
    principal = await principal_from_token(token, resolve)
    setattr(request.state, USER_ID_STATE_KEY, str(principal.user_id))  # for the request log
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
