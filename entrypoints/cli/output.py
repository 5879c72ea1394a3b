"""How results look: rich tables for people, stable JSON for scripts (``--json``).

Items, movements and users print as the REST API returns them (``entrypoints.representation``):
money and rates as strings with two decimals (``"12.50"``), ids as strings, timestamps in
ISO 8601 UTC with a ``Z``.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.ports import Page
from application.use_cases import ImportReport, RowStatus
from application.views import ItemView, UserView
from domain.items import Item, StockMovement
from domain.users import User
from entrypoints import representation
from entrypoints.cli.state import CliState

JsonObject = dict[str, Any]


def report_json(report: ImportReport) -> JsonObject:
    return {
        "dry_run": report.dry_run,
        "summary": {"rows": len(report.rows)}
        | {status.value: report.count(status) for status in RowStatus},
        "rows": [
            {
                "line": row.line,
                "sku": row.sku,
                "status": row.status.value,
                "code": row.code,
                "reason": row.reason,
            }
            for row in report.rows
        ],
    }


def emit(state: CliState, data: JsonObject, render: Callable[[Console], None]) -> None:
    """JSON on stdout with ``--json``, otherwise the human rendering."""
    if state.json_output:
        typer.echo(representation.json_bytes(data, indent=True).decode())
    else:
        render(state.console)


# -- human renderings -------------------------------------------------------------------------
def cell(value: object) -> object:
    """A JSON value as a person reads it: yes/no, and times in ISO 8601 UTC with a ``Z``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return value


def _text(value: object) -> Text:
    """A table cell taken literally: an item named ``[bold]`` is not rich markup."""
    return Text("" if value is None else str(value))


def page_caption(page: Page[Any]) -> str:
    if not page.items:
        return f"none shown of {page.total}"
    first = page.offset + 1
    return f"{first}-{page.offset + len(page.items)} of {page.total}"


def items_table(page: Page[Item] | Page[ItemView]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title="Items", caption=page_caption(page))
        table.add_column("SKU", no_wrap=True)
        table.add_column("Name")
        for heading in ("Qty", "Reorder", "Price", "Tax %", "Gross"):
            table.add_column(heading, justify="right", no_wrap=True)
        for item in page.items:
            quantity = Text(str(item.quantity), style="red" if item.low_stock else "")
            table.add_row(
                _text(item.sku),
                _text(item.name),
                quantity,
                _text(item.reorder_level),
                _text(item.unit_price),
                _text(item.tax_rate),
                _text(item.price_with_tax),
            )
        console.print(table)

    return render


def item_detail(item: Item | ItemView, title: str | None = None) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title=Text(title or f"Item {item.sku}"), show_header=False)
        table.add_column("field", style="bold", no_wrap=True)
        table.add_column("value", overflow="fold")
        for key, value in representation.item(item).items():
            table.add_row(key, _text(cell(value)))
        console.print(table)

    return render


def movements_table(sku: str, page: Page[StockMovement]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title=Text(f"History of {sku}"), caption=page_caption(page))
        table.add_column("When (UTC)", no_wrap=True)
        table.add_column("Delta", justify="right", no_wrap=True)
        table.add_column("Reason", no_wrap=True)
        table.add_column("After", justify="right", no_wrap=True)
        table.add_column("Note", overflow="fold")
        table.add_column("By", no_wrap=True)
        for movement in page.items:
            table.add_row(
                _text(movement.occurred_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")),
                _text(f"{movement.delta:+d}"),
                _text(movement.reason.value),
                _text(movement.quantity_after),
                _text(movement.note),
                _text(movement.actor_id and str(movement.actor_id)[:8]),
            )
        console.print(table)

    return render


def users_table(
    page: Page[User] | Page[UserView] | Page[User | UserView],
) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title="Users", caption=page_caption(page))
        table.add_column("Username", no_wrap=True)
        table.add_column("Role", no_wrap=True)
        table.add_column("Active", no_wrap=True)
        table.add_column("Email", overflow="fold")
        table.add_column("Full name", overflow="fold")
        for user in page.items:
            table.add_row(
                _text(user.username),
                _text(user.role.value),
                _text("yes" if user.active else "no"),
                _text(user.email),
                _text(user.full_name),
            )
        console.print(table)

    return render


def message(text: str) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        console.print(text, markup=False, highlight=False)

    return render


def report_tables(report: ImportReport, source: str) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        counts = ", ".join(f"{report.count(status)} {status.value}" for status in RowStatus)
        prefix = "Dry run (nothing was changed): " if report.dry_run else ""
        console.print(
            f"{prefix}{source}: {len(report.rows)} rows: {counts}", markup=False, highlight=False
        )
        if report.rejected:
            console.print(_rejections(report.rejected))

    return render


def _rejections(rows: Sequence[Any]) -> Table:
    table = Table(title="Rejected rows")
    table.add_column("Line", justify="right", no_wrap=True)
    table.add_column("SKU", no_wrap=True)
    table.add_column("Reason", overflow="fold")
    for row in rows:
        table.add_row(_text(row.line), _text(row.sku), _text(row.reason))
    return table
