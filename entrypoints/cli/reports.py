"""``inventory reports stock|valuation --as-of …``: the stock and its value at an instant.

Same use cases as ``GET /api/v1/reports/…``; ``--csv FILE`` writes the valuation through the
formula-safe writer the REST CSV uses.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.ports import Page
from application.use_cases import StockLine, Valuation
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.items import Limit, Offset
from entrypoints.cli.state import PLAIN_HELP, CliState
from entrypoints.csv_cells import csv_text

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP, no_args_is_help=True, help="Stock and its value at an instant."
)
#: What ``--as-of``, ``--from`` and ``--to`` accept (``Z`` or ``+02:00`` for a zone).
INSTANT_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%d %H:%M:%S",
]
AsOf = Annotated[
    datetime,
    typer.Option(
        "--as-of",
        help="The instant, e.g. 2026-03-31T23:59:59 (UTC unless a zone is given).",
        show_default=False,
        formats=INSTANT_FORMATS,
    ),
]
COLUMNS = ("sku", "name", "item_id", "quantity", "unit_price", "value")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stock_json(line: StockLine) -> representation.JsonObject:
    return {
        "item_id": str(line.item_id),
        "sku": line.sku,
        "name": line.name,
        "quantity": line.quantity,
    }


def _valuation_json(found: Valuation) -> representation.JsonObject:
    return {
        "as_of": found.as_of,
        "total": f"{found.total:.2f}",
        "lines": [
            {
                "item_id": str(line.item_id),
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "unit_price": f"{line.unit_price:.2f}",
                "value": f"{line.value:.2f}",
            }
            for line in found.lines
        ],
    }


def _table(
    title: str, heads: Sequence[str], rows: Sequence[Sequence[str]], caption: str
) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title=Text(title), caption=caption)
        for head in heads:
            table.add_column(head, justify="right" if head in {"Qty", "Price", "Value"} else "left")
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        console.print(table)

    return render


@app.command()
def stock(ctx: typer.Context, as_of: AsOf, limit: Limit = 50, offset: Offset = 0) -> None:
    """Every item's quantity at an instant (archived and purged items too), by SKU."""
    state = CliState.of(ctx)

    async def work() -> Page[StockLine]:
        return await state.container.stock_report().execute(
            await state.actor(), _utc(as_of), offset=offset, limit=limit
        )

    page = state.run(work)
    rows = [(line.sku, line.name, str(line.quantity)) for line in page.items]
    title = f"Stock as of {_utc(as_of).isoformat()}"
    render = _table(title, ("SKU", "Name", "Qty"), rows, output.page_caption(page))
    output.emit(state, representation.page(page, _stock_json), render)


@app.command()
def valuation(
    ctx: typer.Context,
    as_of: AsOf,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="Also write the lines and the total to this CSV file."),
    ] = None,
) -> None:
    """The stock's value at an instant, at the prices in force then."""
    state = CliState.of(ctx)

    async def work() -> Valuation:
        return await state.container.valuation().execute(await state.actor(), _utc(as_of))

    found = state.run(work)
    if csv_file is not None:
        rows: list[tuple[object, ...]] = [
            (line.sku, line.name, line.item_id, line.quantity, line.unit_price, line.value)
            for line in found.lines
        ]
        rows.append(("TOTAL", "", "", "", "", found.total))
        # an OSError is reported as a file error (exit 16) by ``errors.py``
        csv_file.write_text(csv_text(COLUMNS, rows, text_columns=2), encoding="utf-8")
    rows_shown = [
        (line.sku, line.name, str(line.quantity), f"{line.unit_price:.2f}", f"{line.value:.2f}")
        for line in found.lines
    ]
    title = f"Value as of {found.as_of.isoformat()}"
    caption = f"total {found.total:.2f}"
    render = _table(title, ("SKU", "Name", "Qty", "Price", "Value"), rows_shown, caption)
    output.emit(state, _valuation_json(found), render)
