"""Who is calling: an access token (OAuth2 password flow), or an API token as a bearer token or
as the password of HTTP Basic; what the caller may do is decided later, by the use cases.

One dependency reads ``Authorization`` for all three; OpenAPI (and Swagger UI's *Authorize*)
shows each as an alternative scheme (``document_api_token_schemes``). Only what needs no store
is checked here: an access token's signature
and claims, or an API token's keyed hash. Whether the user still exists, is active and still at
the token's version, and whether an API token is live, is checked by the use case in the one
session it opens for the request (``application.actors``). A missing or bad credential raises
``AuthenticationFailed``: 401 with ``WWW-Authenticate: Bearer``.
"""

import base64
import binascii
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from application.actors import Actor
from application.credentials import ApiTokenCredential
from application.errors import AuthenticationFailed
from domain.api_tokens import is_api_token
from entrypoints.container import Container
from entrypoints.observability.logs import USER_ID_STATE_KEY

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 - a path, not a secret
#: An API token is at most this long (``inv_`` and 43 characters); longer text is no token.
MAX_API_TOKEN_CHARS = 128
#: The schemes an API token comes by, added to OpenAPI next to the password flow's (a
#: dependency per scheme would cost every request a little for documentation's sake).
API_TOKEN_SCHEMES: dict[str, dict[str, Any]] = {
    "ApiToken": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "inv_…",
        "description": "An API token (`inv_…`): `Authorization: Bearer inv_…`.",
    },
    "ApiTokenBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "For scripts: your username and an API token (never your password).",
    },
}


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


def _basic(container: Container, encoded: str) -> Actor:
    try:
        decoded = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise AuthenticationFailed(_BASIC) from None
    username, colon, token = decoded.partition(":")
    if not colon or not is_api_token(token):
        raise AuthenticationFailed(_BASIC)
    return api_credential(container, token, username)


class Caller(OAuth2PasswordBearer):
    """The caller's credential from ``Authorization``, in one dependency: ``Bearer`` with an
    access token or an API token, or ``Basic`` with a username and an API token. The token
    service and the hasher come from the app's container, so overriding their providers (as
    the tests do) still takes effect."""

    async def __call__(self, request: Request) -> Actor:  # type: ignore[override]
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        scheme, value = scheme.lower(), value.strip()
        container: Container = request.app.state.container
        if scheme == "bearer" and value:
            actor = actor_of_token(container, value)
            if not isinstance(actor, ApiTokenCredential):
                setattr(request.state, USER_ID_STATE_KEY, str(actor.user_id))  # request log
            return actor
        if scheme == "basic" and value:
            return _basic(container, value)
        raise AuthenticationFailed(_REQUIRED)


def document_api_token_schemes(schema: dict[str, Any]) -> None:
    """Every operation the password flow's scheme guards accepts an API token too."""
    schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes.update(API_TOKEN_SCHEMES)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            security = operation.get("security")
            if security and any(_SCHEME in requirement for requirement in security):
                security.extend({name: []} for name in API_TOKEN_SCHEMES)


_REQUIRED = "authentication required: send 'Authorization: Bearer <token>'"
_BASIC = "HTTP Basic takes a username and an API token (inv_…), never a password"
# The scheme keeps the name clients and generated SDKs already know it by.
_SCHEME = "OAuth2PasswordBearer"
current_caller = Caller(tokenUrl=TOKEN_URL, scheme_name=_SCHEME, auto_error=False)
CurrentCaller = Annotated[Actor, Depends(current_caller)]
