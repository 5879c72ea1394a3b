from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Query
from starlette.responses import Response

from application import use_cases as uc
from application.commands import AdjustStockCommand
from entrypoints.container import Container
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import (
    ExactJsonRoute,
    IfMatch,
    ItemId,
    etag,
    expected_version,
    json_response,
)
from entrypoints.rest.idempotency import IdempotencyDep
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import MovementCreate, MovementOut, PageOut, StockChangeOut
from entrypoints.rest.security import CurrentPrincipal

router = APIRouter(
    route_class=ExactJsonRoute, prefix="/api/v1/items/{item_id}/movements", tags=["movements"]
)


@router.post(
    "",
    operation_id="movements-create",
    summary="Adjust stock",
    description="Records a movement; a removal beyond the stock on hand is refused with 409 and"
    " the available quantity.",
    status_code=201,
    response_model=StockChangeOut,
    responses=with_common(403, 404, 409, 412, body=True),
)
@inject
async def create_movement(
    item_id: ItemId,
    body: MovementCreate,
    principal: CurrentPrincipal,
    idempotency: IdempotencyDep,
    use_case: Annotated[uc.AdjustStock, Depends(Provide[Container.adjust_stock])],
    if_match: IfMatch = None,
) -> Response:
    async def adjust() -> Response:
        change = await use_case.execute(
            AdjustStockCommand(
                actor=principal,
                item=item_id,
                expected_version=expected_version(if_match),
                **body.model_dump(),
            )
        )
        return json_response(StockChangeOut.of(change), 201, {"ETag": etag(change.item.version)})

    request = f"POST {item_id} {if_match} {body.model_dump_json()}"
    return await idempotency.run(principal, request, adjust)


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
    principal: CurrentPrincipal,
    use_case: Annotated[uc.ListMovements, Depends(Provide[Container.list_movements])],
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> PageOut[MovementOut]:
    page = await use_case.execute(principal, item_id, offset=offset, limit=limit)
    return PageOut[MovementOut].of(page, [MovementOut.of(m) for m in page.items])
