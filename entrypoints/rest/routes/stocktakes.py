from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Path
from starlette.responses import Response

from application import use_cases as uc
from application.commands import (
    CommitStocktakeCommand,
    CountLinesCommand,
    LineCount,
    OpenStocktakeCommand,
)
from entrypoints.container import Container
from entrypoints.rest.errors import with_common
from entrypoints.rest.http import ExactJsonRoute, json_response
from entrypoints.rest.injection import Provide
from entrypoints.rest.location_schemas import (
    CountsIn,
    StocktakeCommitIn,
    StocktakeCreate,
    StocktakeOut,
)
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/stocktakes", tags=["stocktakes"])
StocktakeId = Annotated[UUID, Path(description="The stocktake's id.")]


@router.post(
    "",
    operation_id="stocktakes-create",
    summary="Open a stocktake of a location, or of (item, location) lines",
    description="Each line remembers what was expected there when it joined.",
    status_code=201,
    response_model=StocktakeOut,
    responses=with_common(403, 404, body=True),
)
@inject
async def open_stocktake(
    body: StocktakeCreate,
    caller: CurrentCaller,
    use_case: Annotated[uc.OpenStocktake, Depends(Provide[Container.open_stocktake])],
) -> Response:
    stocktake = await use_case.execute(
        OpenStocktakeCommand(
            actor=caller,
            location=body.location_id,
            lines=tuple((line.item_id, line.location_id) for line in body.lines),
        )
    )
    headers = {"Location": f"/api/v1/stocktakes/{stocktake.id}"}
    return json_response(StocktakeOut.of(stocktake), 201, headers)


@router.get(
    "/{stocktake_id}",
    operation_id="stocktakes-get",
    summary="A stocktake: expected, counted, difference and status per line",
    response_model=StocktakeOut,
    responses=with_common(403, 404),
)
@inject
async def get_stocktake(
    stocktake_id: StocktakeId,
    caller: CurrentCaller,
    use_case: Annotated[uc.GetStocktake, Depends(Provide[Container.get_stocktake])],
) -> StocktakeOut:
    return StocktakeOut.of(await use_case.execute(caller, stocktake_id))


@router.put(
    "/{stocktake_id}/lines",
    operation_id="stocktakes-count",
    summary="Record counts (a line not in the stocktake yet joins it)",
    response_model=StocktakeOut,
    responses=with_common(403, 404, 409, body=True),
)
@inject
async def count_lines(
    stocktake_id: StocktakeId,
    body: CountsIn,
    caller: CurrentCaller,
    use_case: Annotated[uc.CountStocktake, Depends(Provide[Container.count_stocktake])],
) -> StocktakeOut:
    counts = tuple(
        LineCount(item=line.item_id, counted=line.counted, location=line.location_id)
        for line in body.lines
    )
    stocktake = await use_case.execute(
        CountLinesCommand(actor=caller, stocktake_id=stocktake_id, counts=counts)
    )
    return StocktakeOut.of(stocktake)


@router.post(
    "/{stocktake_id}/commit",
    operation_id="stocktakes-commit",
    summary="Set each counted line's stock to what was counted",
    description="The difference is recorded as a `count` movement. Lines whose stock changed"
    " since they joined are conflicts: `conflicts: refuse` (the default) answers 409 and"
    " changes nothing; `skip` commits the others and marks those.",
    response_model=StocktakeOut,
    responses=with_common(403, 404, 409, body=True),
)
@inject
async def commit_stocktake(
    stocktake_id: StocktakeId,
    body: StocktakeCommitIn,
    caller: CurrentCaller,
    use_case: Annotated[uc.CommitStocktake, Depends(Provide[Container.commit_stocktake])],
) -> StocktakeOut:
    report = await use_case.execute(
        CommitStocktakeCommand(
            actor=caller, stocktake_id=stocktake_id, skip_conflicts=body.conflicts == "skip"
        )
    )
    return StocktakeOut.of(report.stocktake, report.movements)
