from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from application import use_cases as uc
from application.commands import TransferStockCommand
from entrypoints.container import Container
from entrypoints.rest import render
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import ExactJsonRoute, ItemId, etag
from entrypoints.rest.idempotency import IdempotencyKey, replay_headers
from entrypoints.rest.injection import Provide
from entrypoints.rest.instants import Instant
from entrypoints.rest.location_schemas import (
    StockLevelOut,
    TransferCreate,
    TransferCreated,
    TransferOut,
)
from entrypoints.rest.schemas import PageOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1", tags=["transfers"])


@router.post(
    "/transfers",
    operation_id="transfers-create",
    summary="Move stock of an item between two locations",
    description="Two movements (`transfer_out`, `transfer_in`) sharing one `transfer_id`, in one"
    " transaction. Taking more than the source holds is refused with 409, naming it and what it"
    " holds; an inactive target with 409.",
    status_code=201,
    response_model=TransferCreated,
    responses=with_common(403, 404, 409, body=True),
)
@inject
async def create_transfer(
    body: TransferCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.TransferStock, Depends(Provide[Container.transfer_stock])],
    idempotency_key: IdempotencyKey = None,
) -> Response:
    done = await use_case.execute(
        TransferStockCommand(
            actor=caller,
            item=body.item_id,
            from_location=body.from_location_id,
            to_location=body.to_location_id,
            quantity=body.quantity,
            reference=body.reference,
            note=body.note,
            idempotency_key=idempotency_key,
        )
    )
    headers = {"ETag": etag(done.item.version), **replay_headers(done.replayed)}
    return render.json_response(render.transfer_created(done), 201, headers)


@router.get(
    "/transfers",
    operation_id="transfers-list",
    summary="List transfers, newest first",
    description="`location_id` matches either end of a transfer.",
    response_model=PageOut[TransferOut],
    responses=with_common(403, 404),
)
@inject
async def list_transfers(
    caller: CurrentCaller,
    use_case: Annotated[uc.ListTransfers, Depends(Provide[Container.list_transfers])],
    item_id: UUID | None = None,
    location_id: UUID | None = None,
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PageOut[TransferOut]:
    page = await use_case.execute(
        caller, item=item_id, location=location_id, offset=offset, limit=limit
    )
    return PageOut.of(page, [TransferOut.of(view) for view in page.items])


@router.get(
    "/items/{item_id}/stock",
    operation_id="items-stock",
    summary="An item's quantities per location",
    description="Now, or with `as_of` (ISO 8601 with a time zone, not in the future) at that"
    " instant, computed from the ledger: exact even while movements are being written.",
    response_model=list[StockLevelOut],
    responses=with_common(403, 404),
)
@inject
async def item_stock(
    item_id: ItemId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetItemStock, Depends(Provide[Container.get_item_stock])],
    in_the_past: Annotated[uc.GetItemStockAsOf, Depends(Provide[Container.item_stock_as_of])],
    as_of: Instant | None = None,
) -> Response:
    if as_of is None:
        levels = await use_case.execute(caller, item_id)
        return render.json_response([render.stock_level(level) for level in levels])
    then = await in_the_past.execute(caller, item_id, as_of)
    return render.json_response(render.stock_as_of(then))
