from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Form, Request
from fastapi.security import OAuth2PasswordRequestForm

from application import use_cases as uc
from application.commands import LoginCommand
from entrypoints.container import Container
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
    address = client_address(
        request.client.host if request.client else None,
        request.headers.getlist("x-forwarded-for"),
        settings.trusted_proxies,
    )
    command = LoginCommand(username=form.username, password=form.password, client_address=address)
    return TokenOut.of(await use_case.execute(command))
