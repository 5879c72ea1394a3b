from dataclasses import replace
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import OAuth2PasswordRequestForm
from starlette.responses import Response

from application import use_cases as uc
from application.commands import LoginCommand, RefreshCommand
from application.errors import AuthenticationFailed
from application.ports import AccessToken
from domain.sessions import DEVICE_MAX_CHARS
from entrypoints.container import Container
from entrypoints.rest.access_schemas import CookieSessionTokenOut, RefreshIn
from entrypoints.rest.client_address import client_address
from entrypoints.rest.errors import error_responses
from entrypoints.rest.injection import Provide
from entrypoints.rest.refresh_cookie import (
    NO_STORE,
    clear_refresh_cookie,
    presented,
    require_same_origin,
    set_refresh_cookie,
)
from entrypoints.rest.schemas import TokenOut
from entrypoints.settings import Settings

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


async def password_form(
    username: Annotated[str, Form()],
    password: Annotated[str, Form(json_schema_extra={"format": "password"})],
    grant_type: Annotated[str | None, Form(pattern="^password$")] = None,
    scope: Annotated[str, Form()] = "",
    client_id: Annotated[str | None, Form()] = None,
    client_secret: Annotated[str | None, Form(json_schema_extra={"format": "password"})] = None,
) -> OAuth2PasswordRequestForm:
    """OAuth2's password form, as a coroutine: FastAPI builds a class dependency such as
    ``OAuth2PasswordRequestForm`` itself on its thread pool, a thread hop per login."""
    return OAuth2PasswordRequestForm(
        grant_type=grant_type,
        username=username,
        password=password,
        scope=scope,
        client_id=client_id,
        client_secret=client_secret,
    )


@router.post(
    "/token",
    operation_id="auth-token",
    summary="Log in (OAuth2 password flow)",
    description="Form fields `username` and `password`. Every failure answers the same 401;"
    " repeated failures for one username, or from one client address, are slowed down with"
    " 429 and `Retry-After`.",
    response_model=TokenOut,
    responses=error_responses(400, 401, 413, 422, 429),
)
@inject
async def issue_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends(password_form)],
    use_case: Annotated[uc.Authenticate, Depends(Provide[Container.authenticate])],
    settings: Annotated[Settings, Depends(Provide[Container.settings])],
) -> TokenOut:
    login = _login(request, form.username, form.password, settings)
    return TokenOut.of(await use_case.execute(login))


@router.post(
    "/session",
    operation_id="auth-session",
    summary="Log in from the web page (the refresh token in an HttpOnly cookie)",
    description="Form fields `username` and `password`, as for `POST /api/v1/auth/token`, from"
    " the service's own page: the answer"
    " has the access token only, and the refresh token comes as an `HttpOnly; Secure;"
    " SameSite=Strict` cookie for `/api/v1/auth`, which `POST /api/v1/auth/refresh` and"
    " `POST /api/v1/auth/logout` use when sent without a body. The request's `Origin` must be"
    " this service (403 otherwise). Throttled like the password login.",
    response_model=CookieSessionTokenOut,
    responses=error_responses(400, 401, 403, 413, 422, 429),
)
@inject
async def start_cookie_session(
    request: Request,
    response: Response,
    # Only what the page sends (none of OAuth2's extras); empty counts as missing, as minLength.
    username: Annotated[str, Form(min_length=1)],
    password: Annotated[str, Form(min_length=1, json_schema_extra={"format": "password"})],
    use_case: Annotated[uc.Authenticate, Depends(Provide[Container.authenticate])],
    settings: Annotated[Settings, Depends(Provide[Container.settings])],
) -> CookieSessionTokenOut:
    require_same_origin(request)
    token = await use_case.execute(_login(request, username, password, settings))
    _hand_over(response, token, settings)
    return CookieSessionTokenOut.of(token)


def _login(request: Request, username: str, password: str, settings: Settings) -> LoginCommand:
    return LoginCommand(
        username=username,
        password=password,
        client_address=_address(request, settings),
        device=device_label(request.headers.get("user-agent")),
    )


def _hand_over(response: Response, token: AccessToken, settings: Settings) -> None:
    """The refresh token into the cookie, kept as long as the session can last (refreshing does
    not extend a session, so a later cookie may outlive it by a little: it is then refused)."""
    if token.refresh_token is not None:
        max_age = settings.session_ttl_days * 24 * 3600
        set_refresh_cookie(response, token.refresh_token, max_age)
    response.headers.update(NO_STORE)


def device_label(user_agent: str | None) -> str | None:
    """What a session is listed as: the User-Agent, printable and short."""
    if not user_agent:
        return None
    printable = "".join(ch for ch in user_agent if ch.isprintable())
    return printable.strip()[:DEVICE_MAX_CHARS] or None


def _address(request: Request, settings: Settings) -> str | None:
    return client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        settings.trusted_proxies,
    )


@router.post(
    "/refresh",
    operation_id="auth-refresh",
    summary="Swap a refresh token for new tokens",
    description="Returns a new access token and a new refresh token; the one sent stops"
    " working. Sending a refresh token that was already swapped ends its whole session (it was"
    " copied): log in again. Do not refresh twice in parallel with one token. Failures are"
    " throttled per client address like logins (429 with `Retry-After`).\n\n"
    "Without a body, the web page's cookie (see `POST /api/v1/auth/session`) is the refresh"
    " token: the next one replaces it in the cookie, the answer has no `refresh_token`, and"
    " the request's `Origin` must be this service (403 otherwise).",
    response_model=TokenOut,
    response_model_exclude_none=True,
    responses=error_responses(400, 401, 403, 413, 422, 429),
)
@inject
async def refresh(
    request: Request,
    response: Response,
    use_case: Annotated[uc.RefreshSession, Depends(Provide[Container.refresh_session])],
    settings: Annotated[Settings, Depends(Provide[Container.settings])],
    body: RefreshIn | None = None,
) -> TokenOut:
    from_cookie = body is None
    refresh_token = presented(request) if body is None else body.refresh_token
    if refresh_token is None:
        # No cookie is no attempt at a token: answered without counting it, so that a page
        # opened while logged out is never throttled for looking.
        raise AuthenticationFailed("no session: log in")
    command = RefreshCommand(
        refresh_token=refresh_token, client_address=_address(request, settings)
    )
    token = await use_case.execute(command)
    if from_cookie:
        _hand_over(response, token, settings)
        token = replace(token, refresh_token=None)
    return TokenOut.of(token)


@router.post(
    "/logout",
    operation_id="auth-logout",
    summary="End the session of a refresh token",
    description="Its refresh tokens stop working at once; access tokens already issued run"
    " out within their lifetime. Always 204, also for a token that is unknown or ended.\n\n"
    "Without a body, ends the session of the web page's cookie and clears the cookie; the"
    " request's `Origin` must be this service (403 otherwise).",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 403, 413, 422),
)
@inject
async def logout(
    request: Request,
    use_case: Annotated[uc.Logout, Depends(Provide[Container.logout])],
    body: RefreshIn | None = None,
) -> Response:
    response = Response(status_code=204)
    if body is not None:
        await use_case.execute(body.refresh_token)
        return response
    refresh_token = presented(request)
    if refresh_token is not None:
        await use_case.execute(refresh_token)
    clear_refresh_cookie(response)
    response.headers.update(NO_STORE)
    return response
