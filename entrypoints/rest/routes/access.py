"""Sessions and API tokens: a person's own under ``/users/me``, anyone's for admins under
``/users/{user_id}``. Who may do what is decided by the use cases."""

from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path
from starlette.responses import Response

from application import use_cases as uc
from application.actors import Actor
from application.commands import CreateApiTokenCommand
from entrypoints.container import Container
from entrypoints.rest.access_schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenOut, SessionOut
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import ExactJsonRoute, json_response
from entrypoints.rest.injection import Provide
from entrypoints.rest.security import CurrentCaller

router = APIRouter(
    route_class=ExactJsonRoute, prefix="/api/v1/users", tags=["sessions and API tokens"]
)
UserId = Annotated[UUID, Path(description="The user's id.")]
SessionId = Annotated[UUID, Path(description="The session's id.")]
TokenId = Annotated[UUID, Path(description="The API token's id.")]
ListSessions = Annotated[uc.ListSessions, Depends(Provide[Container.list_sessions])]
EndSession = Annotated[uc.EndSession, Depends(Provide[Container.end_session])]
CreateToken = Annotated[uc.CreateApiToken, Depends(Provide[Container.create_api_token])]
ListTokens = Annotated[uc.ListApiTokens, Depends(Provide[Container.list_api_tokens])]
RevokeToken = Annotated[uc.RevokeApiToken, Depends(Provide[Container.revoke_api_token])]


# -- sessions ----------------------------------------------------------------------------------
@router.get(
    "/me/sessions",
    operation_id="sessions-list-mine",
    summary="My sessions",
    description="Live sessions (logins that can still be refreshed), newest first.",
    response_model=list[SessionOut],
    responses=with_common(403),
)
@inject
async def my_sessions(caller: CurrentCaller, use_case: ListSessions) -> list[SessionOut]:
    return [SessionOut.of(view) for view in await use_case.execute(caller)]


@router.delete(
    "/me/sessions/{session_id}",
    operation_id="sessions-end-mine",
    summary="End one of my sessions",
    responses=with_common(403, 404),
    status_code=204,
    response_class=Response,
)
@inject
async def end_my_session(
    session_id: SessionId, caller: CurrentCaller, use_case: EndSession
) -> Response:
    await use_case.execute(caller, session_id)
    return Response(status_code=204)


@router.get(
    "/{user_id:uuid}/sessions",
    operation_id="sessions-list",
    summary="A user's sessions (admin)",
    response_model=list[SessionOut],
    responses=with_common(403, 404),
)
@inject
async def user_sessions(
    user_id: UserId, caller: CurrentCaller, use_case: ListSessions
) -> list[SessionOut]:
    return [SessionOut.of(view) for view in await use_case.execute(caller, user_id)]


@router.delete(
    "/{user_id:uuid}/sessions/{session_id}",
    operation_id="sessions-end",
    summary="End a user's session (admin)",
    responses=with_common(403, 404),
    status_code=204,
    response_class=Response,
)
@inject
async def end_user_session(
    user_id: UserId, session_id: SessionId, caller: CurrentCaller, use_case: EndSession
) -> Response:
    await use_case.execute(caller, session_id, user_id)
    return Response(status_code=204)


# -- API tokens --------------------------------------------------------------------------------
_CREATED = (
    "The response carries the token (`inv_…`) this once; only a keyed hash of it is kept."
    " Use it as `Authorization: Bearer inv_…`, or as the password of HTTP Basic with your"
    " username. It may do what both its scopes and its user's current role allow."
    " Throttled like logins (429 with `Retry-After`)."
)


@router.post(
    "/me/api-tokens",
    operation_id="api-tokens-create-mine",
    summary="Create an API token",
    description=_CREATED,
    status_code=201,
    response_model=ApiTokenCreated,
    responses=with_common(403, 429, body=True),
)
@inject
async def create_my_token(
    body: ApiTokenCreate, caller: CurrentCaller, use_case: CreateToken
) -> Response:
    return await _create(body, caller, use_case, None)


@router.post(
    "/{user_id:uuid}/api-tokens",
    operation_id="api-tokens-create",
    summary="Create an API token for a user (admin), such as a service account",
    description=_CREATED,
    status_code=201,
    response_model=ApiTokenCreated,
    responses=with_common(403, 404, 429, body=True),
)
@inject
async def create_user_token(
    user_id: UserId, body: ApiTokenCreate, caller: CurrentCaller, use_case: CreateToken
) -> Response:
    return await _create(body, caller, use_case, user_id)


async def _create(
    body: ApiTokenCreate, caller: Actor, use_case: uc.CreateApiToken, user: UUID | None
) -> Response:
    command = CreateApiTokenCommand(
        actor=caller,
        name=body.name,
        scopes=tuple(body.scopes),
        expires_in_days=body.expires_in_days,
        user=user,
    )
    issued = await use_case.execute(command)
    headers = {"Cache-Control": "no-store"}
    return json_response(ApiTokenCreated.issued(issued), 201, headers)


@router.get(
    "/me/api-tokens",
    operation_id="api-tokens-list-mine",
    summary="My API tokens",
    description="Tokens that were not revoked (expired ones too), newest first; never the secrets.",
    response_model=list[ApiTokenOut],
    responses=with_common(403),
)
@inject
async def my_tokens(caller: CurrentCaller, use_case: ListTokens) -> list[ApiTokenOut]:
    return [ApiTokenOut.of(view) for view in await use_case.execute(caller)]


@router.get(
    "/{user_id:uuid}/api-tokens",
    operation_id="api-tokens-list",
    summary="A user's API tokens (admin)",
    response_model=list[ApiTokenOut],
    responses=with_common(403, 404),
)
@inject
async def user_tokens(
    user_id: UserId, caller: CurrentCaller, use_case: ListTokens
) -> list[ApiTokenOut]:
    return [ApiTokenOut.of(view) for view in await use_case.execute(caller, user_id)]


@router.delete(
    "/me/api-tokens/{token_id}",
    operation_id="api-tokens-revoke-mine",
    summary="Revoke one of my API tokens",
    description="It stops working at once, in every process.",
    responses=with_common(403, 404),
    status_code=204,
    response_class=Response,
)
@inject
async def revoke_my_token(
    token_id: TokenId, caller: CurrentCaller, use_case: RevokeToken
) -> Response:
    await use_case.execute(caller, token_id)
    return Response(status_code=204)


@router.delete(
    "/{user_id:uuid}/api-tokens/{token_id}",
    operation_id="api-tokens-revoke",
    summary="Revoke a user's API token (admin)",
    responses=with_common(403, 404),
    status_code=204,
    response_class=Response,
)
@inject
async def revoke_user_token(
    user_id: UserId, token_id: TokenId, caller: CurrentCaller, use_case: RevokeToken
) -> Response:
    await use_case.execute(caller, token_id, user_id)
    return Response(status_code=204)
