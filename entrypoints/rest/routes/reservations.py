from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path, Query
from starlette.responses import Response

from application import use_cases as uc
from application.commands import (
    UNSET,
    CreateReservationCommand,
    FulfilReservationCommand,
    ReleaseReservationCommand,
    UpdateReservationCommand,
)
from application.ports import ReservationQuery
from domain.reservations import ReservationStatus
from entrypoints.container import Container
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import ExactJsonRoute, IfMatch, etag, expected_version, json_response
from entrypoints.rest.idempotency import IdempotencyKey, replay_headers
from entrypoints.rest.injection import Provide
from entrypoints.rest.reservation_schemas import (
    ReservationCreate,
    ReservationFulfil,
    ReservationOut,
    ReservationPatch,
    ReservationResult,
)
from entrypoints.rest.schemas import PageOut
from entrypoints.rest.security import CurrentCaller

RESERVATIONS = "/api/v1/reservations"
router = APIRouter(route_class=ExactJsonRoute, prefix=RESERVATIONS, tags=["reservations"])
ReservationId = Annotated[UUID, Path(description="The reservation's id.")]


def _result(
    done: uc.Reserved | uc.Settled, status: int = 200, *, created: bool = False
) -> Response:
    headers = {"ETag": etag(done.reservation.version)}
    if created:
        headers["Location"] = f"{RESERVATIONS}/{done.reservation.id}"
    return json_response(ReservationResult.of(done), status, headers)


@router.post(
    "",
    operation_id="reservations-create",
    summary="Hold stock of an item for an order",
    description="Holds `quantity` at a location (MAIN by default) until `expires_at`. More than"
    " is available (on hand minus active holds) is refused with 409 `insufficient_stock`, naming"
    " what is available. The same `reference` and item again returns the existing hold (200), or"
    " 409 `reservation_conflict` when the quantity differs.",
    status_code=201,
    response_model=ReservationResult,
    responses=with_common(403, 404, 409, body=True),
)
@inject
async def create_reservation(
    body: ReservationCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.CreateReservation, Depends(Provide[Container.create_reservation])],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    done = await use_case.execute(
        CreateReservationCommand(
            actor=caller,
            item=body.item_id,
            quantity=body.quantity,
            reference=body.reference,
            location=body.location_id,
            ttl_seconds=body.ttl_seconds,
            note=body.note,
            idempotency_key=idempotency_key,
        )
    )
    response = _result(done, 200 if done.existing else 201, created=not done.existing)
    response.headers.update(replay_headers(done.replayed))
    return response


@router.get(
    "",
    operation_id="reservations-list",
    summary="List reservations, newest first",
    response_model=PageOut[ReservationOut],
    responses=with_common(403),
)
@inject
async def list_reservations(
    caller: CurrentCaller,
    use_case: Annotated[uc.ListReservations, Depends(Provide[Container.list_reservations])],
    item_id: UUID | None = None,
    reference: Annotated[str | None, Query(max_length=100, pattern=r"^[^\x00]*$")] = None,
    status: ReservationStatus | None = None,
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PageOut[ReservationOut]:
    query = ReservationQuery(
        offset=offset, limit=limit, item_id=item_id, reference=reference, status=status
    )
    page = await use_case.execute(caller, query)
    return PageOut.of(page, [ReservationOut.of(r) for r in page.items])


@router.get(
    "/{reservation_id}",
    operation_id="reservations-get",
    summary="A reservation",
    response_model=ReservationOut,
    responses=with_common(403, 404),
)
@inject
async def get_reservation(
    reservation_id: ReservationId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetReservation, Depends(Provide[Container.get_reservation])],
) -> Response:
    found = await use_case.execute(caller, reservation_id)
    return json_response(ReservationOut.of(found), 200, {"ETag": etag(found.version)})


@router.patch(
    "/{reservation_id}",
    operation_id="reservations-update",
    summary="Change a hold's quantity or expiry (If-Match)",
    description="Growing a hold needs the extra units to be available (409 otherwise).",
    response_model=ReservationResult,
    responses=with_common(403, 404, 409, 412, body=True),
)
@inject
async def update_reservation(
    reservation_id: ReservationId,
    body: ReservationPatch,
    caller: CurrentCaller,
    use_case: Annotated[uc.UpdateReservation, Depends(Provide[Container.update_reservation])],
    if_match: IfMatch = None,
) -> Response:
    sent = body.model_fields_set
    command = UpdateReservationCommand(
        actor=caller,
        reservation_id=reservation_id,
        quantity=body.quantity if "quantity" in sent and body.quantity is not None else UNSET,
        expires_at=body.expires_at
        if "expires_at" in sent and body.expires_at is not None
        else UNSET,
        expected_version=expected_version(if_match),
    )
    return _result(await use_case.execute(command))


@router.post(
    "/{reservation_id}/fulfil",
    operation_id="reservations-fulfil",
    summary="Sell what a reservation holds",
    description="One `sold` movement naming the reservation; a smaller `quantity` releases the"
    " rest. A hold that is no longer active is refused with 409 `reservation_closed`.",
    response_model=ReservationResult,
    responses=with_common(403, 404, 409, 412, body=True),
)
@inject
async def fulfil_reservation(
    reservation_id: ReservationId,
    caller: CurrentCaller,
    use_case: Annotated[uc.FulfilReservation, Depends(Provide[Container.fulfil_reservation])],
    body: ReservationFulfil | None = None,
    if_match: IfMatch = None,
) -> Response:
    command = FulfilReservationCommand(
        actor=caller,
        reservation_id=reservation_id,
        quantity=None if body is None else body.quantity,
        expected_version=expected_version(if_match),
    )
    return _result(await use_case.execute(command))


@router.post(
    "/{reservation_id}/release",
    operation_id="reservations-release",
    summary="Free what a reservation holds",
    response_model=ReservationResult,
    responses=with_common(403, 404, 409, 412),
)
@inject
async def release_reservation(
    reservation_id: ReservationId,
    caller: CurrentCaller,
    use_case: Annotated[uc.ReleaseReservation, Depends(Provide[Container.release_reservation])],
    if_match: IfMatch = None,
) -> Response:
    command = ReleaseReservationCommand(
        actor=caller, reservation_id=reservation_id, expected_version=expected_version(if_match)
    )
    return _result(await use_case.execute(command))
