"""Who is calling: an access token (OAuth2 password flow), or an API token as a bearer token or
as the password of HTTP Basic; what the caller may do is decided later, by the use cases.

The three are declared as alternative security schemes, so OpenAPI (and Swagger UI's
*Authorize*) shows each. Only what needs no store is checked here: an access token's signature
and claims, or an API token's keyed hash. Whether the user still exists, is active and still at
the token's version, and whether an API token is live, is checked by the use case in the one
session it opens for the request (``application.actors``). A missing or bad credential raises
``AuthenticationFailed``: 401 with ``WWW-Authenticate: Bearer``.
"""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
    OAuth2PasswordBearer,
)

from application.actors import Actor
from application.credentials import ApiTokenCredential
from application.errors import AuthenticationFailed
from domain.api_tokens import is_api_token
from entrypoints.container import Container
from entrypoints.observability.logs import USER_ID_STATE_KEY

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
#: An API token is at most this long (``inv_`` and 43 characters); longer text is no token.
MAX_API_TOKEN_CHARS = 128

# The password flow keeps the scheme name clients and generated SDKs already know it by.
password_flow = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL, scheme_name="OAuth2PasswordBearer", auto_error=False
)
api_token = HTTPBearer(
    scheme_name="ApiToken",
    bearerFormat="inv_…",
    description="An API token (`inv_…`): `Authorization: Bearer inv_…`.",
    auto_error=False,
)
api_token_basic = HTTPBasic(
    scheme_name="ApiTokenBasic",
    description="For scripts: your username and an API token (never your password).",
    auto_error=False,
)


def api_credential(
    container: Container, token: str, username: str | None = None
) -> ApiTokenCredential:
    """An API token as the use cases take it: hashed at once, stamped with the time."""
    if len(token) > MAX_API_TOKEN_CHARS:
        raise AuthenticationFailed("invalid token")
    digest = container.opaque_tokens().digest(token)
    return ApiTokenCredential(digest, container.clock().now(), username)


def actor_of_token(container: Container, token: str) -> Actor:
    """A bearer token of either kind: an API token by its prefix, else an access token."""
    if is_api_token(token):
        return api_credential(container, token)
    return container.token_service().verify(token)


async def current_caller(
    request: Request,
    bearer: Annotated[str | None, Depends(password_flow)],
    _api: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token)],
    basic: Annotated[HTTPBasicCredentials | None, Depends(api_token_basic)],
) -> Actor:
    """The caller's credential; the token service and the hasher come from the app's
    container, so overriding their providers (as the tests do) still takes effect."""
    container: Container = request.app.state.container
    if bearer:
        actor = actor_of_token(container, bearer)
        if not isinstance(actor, ApiTokenCredential):
            setattr(request.state, USER_ID_STATE_KEY, str(actor.user_id))  # for the request log
        return actor
    if basic is not None:
        if not is_api_token(basic.password):
            raise AuthenticationFailed(_BASIC)
        return api_credential(container, basic.password, basic.username)
    raise AuthenticationFailed(_REQUIRED)


_REQUIRED = "authentication required: send 'Authorization: Bearer <token>'"
_BASIC = "HTTP Basic takes a username and an API token (inv_…), never a password"
CurrentCaller = Annotated[Actor, Depends(current_caller)]
