from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from application import use_cases as uc
from application.commands import UNSET, CreateLocationCommand, UpdateLocationCommand
from application.ports import LocationQuery
from application.views import LocationView
from domain.errors import InvalidValue
from domain.locations import Location
from entrypoints.container import Container
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import (
    ExactJsonRoute,
    IfMatch,
    IfNoneMatch,
    etag,
    expected_version,
    json_response,
    not_modified,
)
from entrypoints.rest.injection import Provide
from entrypoints.rest.location_schemas import (
    LocationCreate,
    LocationOut,
    LocationPatch,
    StockLevelOut,
)
from entrypoints.rest.schemas import PageOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/locations", tags=["locations"])
LOCATIONS = "/api/v1/locations"
LocationId = Annotated[UUID, Path(description="The location's id.")]
Offset = Annotated[int, Query(ge=0, le=10**12)]
Limit = Annotated[int, Query(ge=1, le=100)]
_PARENT = r"^(root|[0-9a-fA-F]{8}(-?[0-9a-fA-F]{4}){3}-?[0-9a-fA-F]{12})$"


def _location_response(
    location: Location | LocationView, status: int = 200, *, created: bool = False
) -> Response:
    headers = {"ETag": etag(location.version)}
    if created:
        headers["Location"] = f"{LOCATIONS}/{location.id}"
    return json_response(LocationOut.of(location), status, headers)


@router.get(
    "",
    operation_id="locations-list",
    summary="List locations",
    description="By code; `parent` lists a location's children (`parent=root`: the roots).",
    response_model=PageOut[LocationOut],
    responses=with_common(403),
)
@inject
async def list_locations(
    caller: CurrentCaller,
    use_case: Annotated[uc.ListLocations, Depends(Provide[Container.list_locations])],
    offset: Offset = 0,
    limit: Limit = 20,
    parent: Annotated[
        str | None,
        Query(pattern=_PARENT, description="A location id, or 'root' for the roots."),
    ] = None,
    active: bool | None = None,
    q: Annotated[str | None, Query(max_length=200, pattern=r"^[^\x00]*$")] = None,
) -> PageOut[LocationOut]:
    roots = parent == "root"
    query = LocationQuery(
        offset=offset,
        limit=limit,
        parent=None if parent is None or roots else _as_id(parent),
        roots=roots,
        active=active,
        search=q,
    )
    page = await use_case.execute(caller, query)
    return PageOut.of(page, [LocationOut.of(view) for view in page.items])


def _as_id(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise InvalidValue("parent", "must be a location id or 'root'") from None


@router.post(
    "",
    operation_id="locations-create",
    summary="Create a location (admin)",
    status_code=201,
    response_model=LocationOut,
    responses=with_common(403, 404, 409, body=True),
)
@inject
async def create_location(
    body: LocationCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.CreateLocation, Depends(Provide[Container.create_location])],
) -> Response:
    location = await use_case.execute(
        CreateLocationCommand(actor=caller, code=body.code, name=body.name, parent=body.parent_id)
    )
    return _location_response(location, 201, created=True)


@router.get(
    "/{location_id}",
    operation_id="locations-get",
    summary="Get a location",
    response_model=LocationOut,
    responses={304: {"description": "Not modified (If-None-Match)"}, **with_common(403, 404)},
)
@inject
async def get_location(
    location_id: LocationId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetLocation, Depends(Provide[Container.get_location])],
    if_none_match: IfNoneMatch = None,
) -> Response:
    location = await use_case.execute(caller, location_id)
    tag = etag(location.version)
    if not_modified(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    return _location_response(location)


@router.patch(
    "/{location_id}",
    operation_id="locations-update",
    summary="Change a location (admin): code, name, parent, active",
    response_model=LocationOut,
    responses=with_common(403, 404, 409, 412, body=True),
)
@inject
async def update_location(
    location_id: LocationId,
    body: LocationPatch,
    caller: CurrentCaller,
    use_case: Annotated[uc.UpdateLocation, Depends(Provide[Container.update_location])],
    if_match: IfMatch = None,
) -> Response:
    sent = body.model_fields_set
    command = UpdateLocationCommand(
        actor=caller,
        location=location_id,
        expected_version=expected_version(if_match),
        code=body.code if "code" in sent else UNSET,
        name=body.name if "name" in sent else UNSET,
        parent=body.parent_id if "parent_id" in sent else UNSET,
        active=body.active if "active" in sent else UNSET,
    )
    return _location_response(await use_case.execute(command))


@router.delete(
    "/{location_id}",
    operation_id="locations-delete",
    summary="Delete an empty location without children (admin)",
    status_code=204,
    response_class=Response,
    responses=with_common(403, 404, 409, 412),
)
@inject
async def delete_location(
    location_id: LocationId,
    caller: CurrentCaller,
    use_case: Annotated[uc.DeleteLocation, Depends(Provide[Container.delete_location])],
    if_match: IfMatch = None,
) -> Response:
    await use_case.execute(caller, location_id, expected_version=expected_version(if_match))
    return Response(status_code=204)


@router.get(
    "/{location_id}/stock",
    operation_id="locations-stock",
    summary="Items held at a location",
    description="By SKU; `low_stock` compares the quantity here with the item's reorder level.",
    response_model=PageOut[StockLevelOut],
    responses=with_common(403, 404),
)
@inject
async def location_stock(
    location_id: LocationId,
    caller: CurrentCaller,
    use_case: Annotated[uc.ListLocationStock, Depends(Provide[Container.list_location_stock])],
    offset: Offset = 0,
    limit: Limit = 20,
    low_stock: bool | None = None,
) -> PageOut[StockLevelOut]:
    page = await use_case.execute(
        caller, location_id, offset=offset, limit=limit, low_stock=low_stock
    )
    return PageOut.of(page, [StockLevelOut.of(level) for level in page.items])
