from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from application import use_cases as uc
from application.commands import AdjustStockCommand
from entrypoints.container import Container
from entrypoints.rest import render
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import (
    ExactJsonRoute,
    IfMatch,
    ItemId,
    etag,
    expected_version,
)
from entrypoints.rest.idempotency import IdempotencyKey, replay_headers
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import MovementCreate, MovementOut, PageOut, StockChangeOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(
    route_class=ExactJsonRoute, prefix="/api/v1/items/{item_id}/movements", tags=["movements"]
)


@router.post(
    "",
    operation_id="movements-create",
    summary="Adjust stock",
    description="Records a movement at `location_id` (the default location when absent); a"
    " removal beyond what is held there is refused with 409 and the available quantity.",
    status_code=201,
    response_model=StockChangeOut,
    responses=with_common(403, 404, 409, 412, body=True),
)
@inject
async def create_movement(
    item_id: ItemId,
    body: MovementCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.AdjustStock, Depends(Provide[Container.adjust_stock])],
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    fields = body.model_dump()
    location = fields.pop("location_id")
    change = await use_case.execute(
        AdjustStockCommand(
            actor=caller,
            item=item_id,
            expected_version=expected_version(if_match),
            idempotency_key=idempotency_key,
            location=location,
            **fields,
        )
    )
    headers = {"ETag": etag(change.item.version), **replay_headers(change.replayed)}
    return render.json_response(render.stock_change(change), 201, headers)


@router.get(
    "",
    operation_id="movements-list",
    summary="List an item's stock movements, newest first",
    response_model=PageOut[MovementOut],
    responses=with_common(403, 404),
)
@inject
async def list_movements(
    item_id: ItemId,
    caller: CurrentCaller,
    use_case: Annotated[uc.ListMovements, Depends(Provide[Container.list_movements])],
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Response:
    page = await use_case.execute(caller, item_id, offset=offset, limit=limit)
    return render.json_response(render.page(page, render.movement))
