from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import OAuth2PasswordRequestForm
from starlette.responses import Response

from application import use_cases as uc
from application.commands import LoginCommand, RefreshCommand
from domain.sessions import DEVICE_MAX_CHARS
from entrypoints.container import Container
from entrypoints.rest.access_schemas import RefreshIn
from entrypoints.rest.client_address import client_address
from entrypoints.rest.errors import error_responses
from entrypoints.rest.injection import Provide
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
    address = _address(request, settings)
    command = LoginCommand(
        username=form.username,
        password=form.password,
        client_address=address,
        device=device_label(request.headers.get("user-agent")),
    )
    return TokenOut.of(await use_case.execute(command))


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
    " throttled per client address like logins (429 with `Retry-After`).",
    response_model=TokenOut,
    responses=error_responses(400, 401, 413, 422, 429),
)
@inject
async def refresh(
    request: Request,
    body: RefreshIn,
    use_case: Annotated[uc.RefreshSession, Depends(Provide[Container.refresh_session])],
    settings: Annotated[Settings, Depends(Provide[Container.settings])],
) -> TokenOut:
    command = RefreshCommand(
        refresh_token=body.refresh_token, client_address=_address(request, settings)
    )
    return TokenOut.of(await use_case.execute(command))


@router.post(
    "/logout",
    operation_id="auth-logout",
    summary="End the session of a refresh token",
    description="Its refresh tokens stop working at once; access tokens already issued run"
    " out within their lifetime. Always 204, also for a token that is unknown or ended.",
    status_code=204,
    response_class=Response,
    responses=error_responses(400, 413, 422),
)
@inject
async def logout(
    body: RefreshIn,
    use_case: Annotated[uc.Logout, Depends(Provide[Container.logout])],
) -> Response:
    await use_case.execute(body.refresh_token)
    return Response(status_code=204)
