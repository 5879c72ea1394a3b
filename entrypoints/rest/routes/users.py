from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from application import use_cases as uc
from application.commands import UNSET, RegisterUserCommand, UpdateUserCommand
from entrypoints.container import Container
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import ExactJsonRoute, json_response
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import PageOut, PasswordChange, UserCreate, UserOut, UserPatch
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/users", tags=["users"])
UserId = Annotated[UUID, Path(description="The user's id.")]


@router.get(
    "/me",
    operation_id="users-me",
    summary="Who am I",
    response_model=UserOut,
    responses=with_common(),
)
@inject
async def me(
    caller: CurrentCaller,
    use_case: Annotated[uc.GetUser, Depends(Provide[Container.get_user])],
) -> UserOut:
    return UserOut.of(await use_case.execute(caller))


@router.put(
    "/me/password",
    operation_id="users-change-password",
    summary="Change my password",
    description="Needs the current password; every token issued before stops working.",
    status_code=204,
    response_class=Response,
    responses=with_common(body=True),
)
@inject
async def change_password(
    body: PasswordChange,
    caller: CurrentCaller,
    use_case: Annotated[uc.ChangeOwnPassword, Depends(Provide[Container.change_own_password])],
) -> Response:
    await use_case.execute(caller, body.current_password, body.new_password)
    return Response(status_code=204)


@router.post(
    "",
    operation_id="users-create",
    summary="Create a user (admin)",
    status_code=201,
    response_model=UserOut,
    responses=with_common(403, 409, body=True),
)
@inject
async def create_user(
    body: UserCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.RegisterUser, Depends(Provide[Container.register_user])],
) -> Response:
    user = await use_case.execute(RegisterUserCommand(actor=caller, **body.model_dump()))
    return json_response(UserOut.of(user), 201, {"Location": f"/api/v1/users/{user.id}"})


@router.get(
    "",
    operation_id="users-list",
    summary="List users (admin)",
    response_model=PageOut[UserOut],
    responses=with_common(403),
)
@inject
async def list_users(
    caller: CurrentCaller,
    use_case: Annotated[uc.ListUsers, Depends(Provide[Container.list_users])],
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PageOut[UserOut]:
    page = await use_case.execute(caller, offset=offset, limit=limit)
    return PageOut[UserOut].of(page, [UserOut.of(user) for user in page.items])


@router.get(
    "/{user_id:uuid}",
    operation_id="users-get",
    summary="Get a user (admin, or yourself)",
    response_model=UserOut,
    responses=with_common(403, 404),
)
@inject
async def get_user(
    user_id: UserId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetUser, Depends(Provide[Container.get_user])],
) -> UserOut:
    return UserOut.of(await use_case.execute(caller, user_id))


@router.patch(
    "/{user_id:uuid}",
    operation_id="users-update",
    summary="Change a user's role, active flag or details (admin)",
    description="The last active admin can be neither demoted nor deactivated (409).",
    response_model=UserOut,
    responses=with_common(403, 404, 409, body=True),
)
@inject
async def update_user(
    user_id: UserId,
    body: UserPatch,
    caller: CurrentCaller,
    use_case: Annotated[uc.UpdateUser, Depends(Provide[Container.update_user])],
) -> UserOut:
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    command = UpdateUserCommand(
        actor=caller,
        user_id=user_id,
        **{name: changes.get(name, UNSET) for name in UserPatch.model_fields},
    )
    return UserOut.of(await use_case.execute(command))
