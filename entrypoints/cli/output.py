"""How results look: rich tables for people, stable JSON for scripts (``--json``).

JSON keeps one shape per kind of result: money and rates as strings with two decimals
(``"12.50"``), ids as strings, timestamps in ISO 8601 UTC with a ``Z``.
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.ports import Page
from application.use_cases import ImportReport, RowStatus
from application.views import ItemView, UserView
from domain.items import Item, StockMovement
from domain.users import User
from entrypoints.cli.state import CliState

T = TypeVar("T")
JsonObject = dict[str, Any]


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def item_json(item: Item | ItemView) -> JsonObject:
    image = item.image
    return {
        "id": str(item.id),
        "sku": item.sku.value,
        "name": item.name,
        "description": item.description,
        "unit_price": str(item.unit_price),
        "tax_rate": None if item.tax_rate is None else str(item.tax_rate),
        "price_with_tax": str(item.price_with_tax),
        "quantity": item.quantity,
        "reorder_level": item.reorder_level,
        "low_stock": item.low_stock,
        "version": item.version,
        "image": None
        if image is None
        else {"content_type": image.content_type, "size": image.size, "sha256": image.sha256},
        "created_at": timestamp(item.created_at),
        "updated_at": timestamp(item.updated_at),
    }


def movement_json(movement: StockMovement) -> JsonObject:
    return {
        "id": str(movement.id),
        "item_id": str(movement.item_id),
        "delta": movement.delta,
        "reason": movement.reason.value,
        "quantity_after": movement.quantity_after,
        "actor_id": None if movement.actor_id is None else str(movement.actor_id),
        "occurred_at": timestamp(movement.occurred_at),
        "note": movement.note,
        "reference": movement.reference,
        "location_id": str(movement.location_id),
        "transfer_id": None if movement.transfer_id is None else str(movement.transfer_id),
    }


def user_json(user: User | UserView) -> JsonObject:
    return {
        "id": str(user.id),
        "username": user.username.value,
        "role": user.role.value,
        "active": user.active,
        "email": user.email,
        "full_name": user.full_name,
        "created_at": timestamp(user.created_at),
        "updated_at": timestamp(user.updated_at),
    }


def page_json(page: Page[T], convert: Callable[[T], JsonObject]) -> JsonObject:
    return {
        "items": [convert(entry) for entry in page.items],
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }


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
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
    else:
        render(state.console)


# -- human renderings -------------------------------------------------------------------------
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
        for key, value in item_json(item).items():
            if key != "image":
                table.add_row(key, _text(value))
        table.add_row("image", _text("yes" if item.image else "no"))
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
