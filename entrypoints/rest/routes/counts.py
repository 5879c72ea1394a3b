"""Stock counts over REST: the CLI's ``items count``, with the same use case and rules.

A count is taken at one location (``location_id``, the default location when absent): the
stock there becomes what was counted, and the item's total follows."""

from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends
from starlette.responses import Response

from application import use_cases as uc
from application.commands import CountStockCommand
from entrypoints.container import Container
from entrypoints.rest import render
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import ExactJsonRoute, IfMatch, ItemId, etag, expected_version
from entrypoints.rest.idempotency import IdempotencyKey, replay_headers
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import CountCreate, CountOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(
    route_class=ExactJsonRoute, prefix="/api/v1/items/{item_id}/counts", tags=["movements"]
)


@router.post(
    "",
    operation_id="counts-create",
    summary="Record a stock count",
    description="Sets the stock on hand at `location_id` (the default location when absent) to"
    " the quantity counted and records the difference as a `count` movement there: 201 with the"
    " movement, or 200 with `movement: null` when the count matched and nothing was recorded."
    " Counting more than is held at an inactive location is refused with 409.",
    status_code=201,
    response_model=CountOut,
    responses={
        200: {
            "description": "The count matched the stock on hand; nothing was recorded",
            "model": CountOut,
        },
        **with_common(403, 404, 409, 412, body=True),
    },
)
@inject
async def create_count(
    item_id: ItemId,
    body: CountCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.CountStock, Depends(Provide[Container.count_stock])],
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    change = await use_case.execute(
        CountStockCommand(
            actor=caller,
            item=item_id,
            quantity=body.counted,
            note=body.note,
            reference=body.reference,
            location=body.location_id,
            expected_version=expected_version(if_match),
            idempotency_key=idempotency_key,
        )
    )
    headers = {"ETag": etag(change.item.version), **replay_headers(change.replayed)}
    status = 200 if change.movement is None else 201
    return render.json_response(render.stock_change(change), status, headers)
