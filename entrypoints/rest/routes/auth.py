from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm

from application import use_cases as uc
from entrypoints.container import Container
from entrypoints.rest.errors import error_responses
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import TokenOut

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/token",
    operation_id="auth-token",
    summary="Log in (OAuth2 password flow)",
    description="Form fields `username` and `password`. Every failure answers the same 401;"
    " repeated failures for one username are slowed down with 429 and `Retry-After`.",
    response_model=TokenOut,
    responses=error_responses(400, 401, 413, 422, 429),
)
@inject
async def issue_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    use_case: Annotated[uc.Authenticate, Depends(Provide[Container.authenticate])],
) -> TokenOut:
    return TokenOut.of(await use_case.execute(form.username, form.password))
