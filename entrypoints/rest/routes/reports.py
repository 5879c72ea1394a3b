from typing import Annotated
from uuid import UUID

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Header, Query
from starlette.responses import Response

from application import use_cases as uc
from application.history import MovementQuery
from domain.items import MovementReason, StockMovement
from entrypoints.container import Container
from entrypoints.csv_cells import csv_text
from entrypoints.rest.errors import with_common
from entrypoints.rest.history_schemas import MovementExportOut, StockLineOut, ValuationOut
from entrypoints.rest.http import ExactJsonRoute, json_response
from entrypoints.rest.injection import Provide
from entrypoints.rest.instants import Instant
from entrypoints.rest.schemas import MovementOut, PageOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/reports", tags=["reports"])
movements_router = APIRouter(
    route_class=ExactJsonRoute, prefix="/api/v1/movements", tags=["movements"]
)
AsOf = Annotated[
    Instant,
    Query(description="The instant, ISO 8601 with a time zone, e.g. 2026-03-31T23:59:59Z."),
]
CSV = "text/csv"
VALUATION_COLUMNS = ("sku", "name", "item_id", "quantity", "unit_price", "value")


@router.get(
    "/stock",
    operation_id="reports-stock",
    summary="Every item's quantity at an instant",
    description="From the ledger, exact even while movements are being written; archived and"
    " purged items are included, by SKU.",
    response_model=PageOut[StockLineOut],
    responses=with_common(403),
)
@inject
async def stock_report(
    caller: CurrentCaller,
    use_case: Annotated[uc.StockReportAsOf, Depends(Provide[Container.stock_report])],
    as_of: AsOf,
    offset: Annotated[int, Query(ge=0, le=10**12)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> PageOut[StockLineOut]:
    page = await use_case.execute(caller, as_of, offset=offset, limit=limit)
    return PageOut[StockLineOut].of(page, [StockLineOut.of(line) for line in page.items])


@router.get(
    "/valuation",
    operation_id="reports-valuation",
    summary="The stock's value at an instant",
    description="Quantity times the unit price in force at `as_of` (from the audit trail), per"
    " item with stock and in total, as exact decimals. `Accept: text/csv` gives a CSV file"
    " (text cells are written so that no spreadsheet runs them as formulas).",
    response_model=ValuationOut,
    responses={200: {"content": {CSV: {}}}, **with_common(403)},
)
@inject
async def valuation(
    caller: CurrentCaller,
    use_case: Annotated[uc.ValueStockAsOf, Depends(Provide[Container.valuation])],
    as_of: AsOf,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    found = await use_case.execute(caller, as_of)
    if accept is not None and CSV in accept:
        rows: list[tuple[object, ...]] = [
            (line.sku, line.name, line.item_id, line.quantity, line.unit_price, line.value)
            for line in found.lines
        ]
        rows.append(("TOTAL", "", "", "", "", found.total))
        body = csv_text(VALUATION_COLUMNS, rows, text_columns=2)
        stamp = as_of.strftime("%Y%m%dT%H%M%S")
        headers = {"Content-Disposition": f'attachment; filename="valuation-{stamp}.csv"'}
        return Response(body, media_type=f"{CSV}; charset=utf-8", headers=headers)
    return json_response(ValuationOut.of(found))


#: The free-text columns first: ``csv_text`` neutralises them.
MOVEMENT_COLUMNS = (
    "note",
    "reference",
    "id",
    "item_id",
    "location_id",
    "reason",
    "delta",
    "quantity_after",
    "occurred_at",
    "actor_id",
    "transfer_id",
)


def _movement_row(m: StockMovement) -> tuple[object, ...]:
    return (
        m.note or "",
        m.reference or "",
        m.id,
        m.item_id,
        m.location_id,
        m.reason.value,
        m.delta,
        m.quantity_after,
        m.occurred_at.isoformat(),
        m.actor_id or "",
        m.transfer_id or "",
    )


@movements_router.get(
    "",
    operation_id="movements-export",
    summary="The ledger, for accounting systems to sync from",
    description="Every movement in the order it was written, a page at a time: pass the"
    " `next_cursor` of a page as `cursor` for the next one (null: nothing more yet; ask again"
    " later with the last cursor). `from` inclusive, `to` exclusive. `Accept: text/csv` gives"
    " the page as CSV, with the next cursor in the `X-Next-Cursor` header.",
    response_model=MovementExportOut,
    responses={200: {"content": {CSV: {}}}, **with_common(403)},
)
@inject
async def export_movements(
    caller: CurrentCaller,
    use_case: Annotated[uc.ExportMovements, Depends(Provide[Container.export_movements])],
    cursor: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    item_id: UUID | None = None,
    reason: MovementReason | None = None,
    since: Annotated[Instant | None, Query(alias="from")] = None,
    until: Annotated[Instant | None, Query(alias="to")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    query = MovementQuery(
        after=cursor,
        limit=limit,
        item_id=item_id,
        reason=None if reason is None else reason.value,
        since=since,
        until=until,
    )
    batch = await use_case.execute(caller, query)
    if accept is not None and CSV in accept:
        rows = [_movement_row(movement) for movement in batch.movements]
        headers = {"X-Next-Cursor": "" if batch.next_cursor is None else str(batch.next_cursor)}
        body = csv_text(MOVEMENT_COLUMNS, rows, text_columns=2)
        return Response(body, media_type=f"{CSV}; charset=utf-8", headers=headers)
    out = MovementExportOut(
        items=[MovementOut.of(m) for m in batch.movements], next_cursor=batch.next_cursor
    )
    return json_response(out)
