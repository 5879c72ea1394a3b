"""The web page's refresh token, kept where its scripts cannot read it: an ``HttpOnly; Secure;
SameSite=Strict`` cookie sent only to ``/api/v1/auth`` (docs/authentication.md, "The web page").

A cookie is sent by the browser on its own, so everything that acts on it (logging in so that
it is set, refreshing with it, logging out with it) first checks that the request comes from a
page of this service: its ``Origin`` must name the host the request was sent to. Browsers send
``Origin`` with every ``POST`` and a page cannot forge it; ``SameSite=Strict`` already keeps the
cookie off requests other sites start, so the check is the second of two locks. A request
without ``Origin`` (curl, a script) has no business with the cookie: it sends its refresh
token in the body, as before, and is never checked here.
"""

from urllib.parse import urlsplit

from fastapi import Request
from starlette.exceptions import HTTPException
from starlette.responses import Response

#: ``__Secure-``: browsers accept it only with ``Secure`` from a secure origin, so a plain-HTTP
#: page (or a man in the middle of one) cannot plant or overwrite it.
COOKIE_NAME = "__Secure-inventory-refresh"
#: Sent with the login, refresh and logout requests only, never with the rest of the API.
COOKIE_PATH = "/api/v1/auth"
#: The page's login, which sets the cookie.
SESSION_URL = f"{COOKIE_PATH}/session"
_CROSS_ORIGIN = (
    "refused: the refresh cookie is used only from this service's own page"
    " (the request's Origin must be this service)"
)
NO_STORE = {"Cache-Control": "no-store"}


def same_origin(origin: str | None, host: str | None) -> bool:
    """``Origin`` is ``http(s)://`` followed by exactly the ``Host`` the request was sent to.

    The scheme is not compared with the request's own: behind a TLS-terminating proxy the
    service sees ``http`` where the page has ``https``. The cookie itself is ``Secure`` and
    schemeful ``SameSite``, so a plain-HTTP page of the same host never gets to send it."""
    if not origin or not host:
        return False
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.fragment:
        return False
    return parts.netloc.lower() == host.lower() and "@" not in parts.netloc


def require_same_origin(request: Request) -> None:
    if not same_origin(request.headers.get("origin"), request.headers.get("host")):
        raise HTTPException(403, _CROSS_ORIGIN)


def presented(request: Request) -> str | None:
    """The refresh token of the cookie, once its request was checked to come from the page.

    The request is marked as using the cookie: when the token is refused (the session ended),
    the error handler clears the cookie (``clear_if_refused``), so that a dead cookie is sent
    once, not with every later visit, each counted as a failed refresh of its address."""
    require_same_origin(request)
    token = request.cookies.get(COOKIE_NAME) or None
    request.state.refresh_cookie = token is not None
    return token


def clear_if_refused(request: Request, response: Response) -> None:
    if getattr(request.state, "refresh_cookie", False):
        clear_refresh_cookie(response)


def set_refresh_cookie(response: Response, refresh_token: str, max_age: int) -> None:
    response.set_cookie(
        COOKIE_NAME,
        refresh_token,
        max_age=max_age,
        path=COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="strict",
    )


def clear_refresh_cookie(response: Response) -> None:
    response.delete_cookie(
        COOKIE_NAME, path=COOKIE_PATH, secure=True, httponly=True, samesite="strict"
    )
