from datetime import datetime
from typing import Annotated

from dependency_injector.wiring import inject
from fastapi import APIRouter, Depends, Header, Query
from starlette.responses import Response

from application import use_cases as uc
from entrypoints.container import Container
from entrypoints.csv_cells import csv_text
from entrypoints.rest.errors import with_common
from entrypoints.rest.history_schemas import StockLineOut, ValuationOut
from entrypoints.rest.http import ExactJsonRoute, json_response
from entrypoints.rest.injection import Provide
from entrypoints.rest.schemas import PageOut
from entrypoints.rest.security import CurrentCaller

router = APIRouter(route_class=ExactJsonRoute, prefix="/api/v1/reports", tags=["reports"])
AsOf = Annotated[
    datetime,
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
