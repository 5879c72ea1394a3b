"""``inventory items …``: the catalogue and its stock ledger."""

from typing import Annotated

import typer

from application.commands import (
    UNSET,
    AdjustStockCommand,
    CountStockCommand,
    CreateItemCommand,
    UpdateItemCommand,
)
from application.ports import ItemQuery, ItemSort, Page
from application.use_cases import StockChange
from application.views import ItemView
from domain.items import Item, MovementReason
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.state import PLAIN_HELP, CliState

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP, no_args_is_help=True, help="Manage items and their stock."
)

#: ``-3`` after the item must reach DELTA as a number, not be read as an unknown option ``-3``.
NUMBERS_MAY_BE_NEGATIVE = {"ignore_unknown_options": True}
REASONS = ", ".join(
    reason.value
    for reason in MovementReason
    if reason not in (MovementReason.COUNT, MovementReason.TRANSFER_IN, MovementReason.TRANSFER_OUT)
)

ItemKey = Annotated[str, typer.Argument(help="Item SKU or id.", show_default=False)]
ExpectedVersion = Annotated[
    int | None,
    typer.Option(help="Refuse (exit 7) unless the item is still at this version."),
]
IdempotencyKeyOption = Annotated[
    str | None,
    typer.Option(
        help="Run at most once: repeating the command with the same key (as the same user)"
        " shows the first result again instead of doing the work twice."
    ),
]
Limit = Annotated[int, typer.Option(help="Page size (1-100).")]
Offset = Annotated[int, typer.Option(help="Entries to skip.")]
Note = Annotated[str | None, typer.Option(help="Free text kept in the ledger.")]
LocationOption = Annotated[
    str | None,
    typer.Option(help="Location code or id (default: the default location, MAIN)."),
]


def _blank_is_none(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value


@app.command("list")
def list_items(
    ctx: typer.Context,
    q: Annotated[
        str | None, typer.Option("--q", "-q", help="Search SKU, name and description.")
    ] = None,
    low_stock: Annotated[
        bool, typer.Option("--low-stock", help="Only items at or under their reorder level.")
    ] = False,
    sort: Annotated[
        ItemSort, typer.Option(help="Order of the listing; a leading '-' means descending.")
    ] = ItemSort.NAME,
    limit: Limit = 20,
    offset: Offset = 0,
    archived: Annotated[
        bool, typer.Option("--archived", help="The archived items instead of those in use.")
    ] = False,
) -> None:
    """List items, a page at a time."""
    state = CliState.of(ctx)
    query = ItemQuery(
        offset=offset,
        limit=limit,
        search=q,
        low_stock=True if low_stock else None,
        sort=sort,
        archived=archived,
    )

    async def work() -> Page[ItemView]:
        return await state.container.list_items().execute(await state.actor(), query)

    page = state.run(work)
    output.emit(state, representation.page(page, representation.item), output.items_table(page))


@app.command()
def show(ctx: typer.Context, item: ItemKey) -> None:
    """Show one item."""
    state = CliState.of(ctx)

    async def work() -> ItemView:
        return await state.container.get_item().execute(await state.actor(), item)

    found = state.run(work)
    output.emit(state, representation.item(found), output.item_detail(found))


@app.command()
def add(
    ctx: typer.Context,
    sku: Annotated[str, typer.Option(help="Unique stock-keeping unit.", show_default=False)],
    name: Annotated[str, typer.Option(help="Display name.", show_default=False)],
    price: Annotated[str, typer.Option(help="Unit price, e.g. 12.50.", show_default=False)],
    tax: Annotated[str | None, typer.Option(help="Tax rate in percent, e.g. 20.")] = None,
    quantity: Annotated[int, typer.Option(help="Initial stock (recorded as received).")] = 0,
    reorder_level: Annotated[int, typer.Option(help="Low-stock threshold.")] = 0,
    description: Annotated[str | None, typer.Option(help="Longer text.")] = None,
    idempotency_key: IdempotencyKeyOption = None,
) -> None:
    """Add an item to the catalogue."""
    state = CliState.of(ctx)

    async def work() -> Item:
        command = CreateItemCommand(
            actor=await state.actor(),
            sku=sku,
            name=name,
            unit_price=price,
            tax_rate=_blank_is_none(tax),
            quantity=quantity,
            reorder_level=reorder_level,
            description=description,
            idempotency_key=idempotency_key,
        )
        return (await state.container.create_item().execute(command)).item

    item = state.run(work)
    output.emit(state, representation.item(item), output.item_detail(item, f"Added {item.sku}"))


@app.command()
def update(
    ctx: typer.Context,
    item: ItemKey,
    sku: Annotated[str | None, typer.Option(help="New SKU.")] = None,
    name: Annotated[str | None, typer.Option(help="New name.")] = None,
    price: Annotated[str | None, typer.Option(help="New unit price.")] = None,
    tax: Annotated[str | None, typer.Option(help="New tax rate in percent; '' clears it.")] = None,
    description: Annotated[str | None, typer.Option(help="New description; '' clears it.")] = None,
    reorder_level: Annotated[int | None, typer.Option(help="New low-stock threshold.")] = None,
    quantity: Annotated[
        int | None, typer.Option(help="Counted stock (recorded as a 'count' movement).")
    ] = None,
    expected_version: ExpectedVersion = None,
) -> None:
    """Change some fields of an item; the others stay as they are."""
    state = CliState.of(ctx)
    changes: dict[str, str | int | None] = {
        "sku": sku,
        "name": name,
        "unit_price": price,
        "tax_rate": tax,
        "description": description,
        "reorder_level": reorder_level,
        "quantity": quantity,
    }
    given: dict[str, str | int | None] = {
        key: value for key, value in changes.items() if value is not None
    }
    if not given:
        raise typer.BadParameter("give at least one field to change, e.g. --price 9.90")
    if "tax_rate" in given:
        given["tax_rate"] = _blank_is_none(tax)

    async def work() -> Item:
        command = UpdateItemCommand(
            actor=await state.actor(),
            item=item,
            expected_version=expected_version,
            **{key: given.get(key, UNSET) for key in changes},  # type: ignore[arg-type]
        )
        return await state.container.update_item().execute(command)

    updated = state.run(work)
    output.emit(
        state, representation.item(updated), output.item_detail(updated, f"Updated {updated.sku}")
    )


def _show_change(state: CliState, change: StockChange, location: str | None = None) -> None:
    movement = change.movement
    item = change.item
    at = ""
    if location is not None and movement is not None:
        at = f" at {location.strip().upper()} ({item.quantity_at(movement.location_id)} there)"
    if movement is None:
        headline = f"{item.sku}: no change, {item.quantity} on hand"
    else:
        headline = (
            f"{item.sku}: {movement.delta:+d} ({movement.reason.value}){at},"
            f" {item.quantity} on hand"
        )
    output.emit(state, representation.stock_change(change), output.message(headline))


@app.command(context_settings=NUMBERS_MAY_BE_NEGATIVE)
def adjust(
    ctx: typer.Context,
    item: ItemKey,
    delta: Annotated[
        int, typer.Argument(help="Units to add; negative removes (e.g. -3).", show_default=False)
    ],
    reason: Annotated[str, typer.Option(help=f"One of {REASONS}.", show_default=False)],
    note: Note = None,
    reference: Annotated[str | None, typer.Option(help="An order or delivery number.")] = None,
    expected_version: ExpectedVersion = None,
    idempotency_key: IdempotencyKeyOption = None,
    location: LocationOption = None,
) -> None:
    """Add or remove stock: inventory items adjust SKU-1 -3 --reason sold"""
    state = CliState.of(ctx)

    async def work() -> StockChange:
        command = AdjustStockCommand(
            actor=await state.actor(),
            item=item,
            delta=delta,
            reason=reason,
            note=note,
            reference=reference,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            location=location,
        )
        return await state.container.adjust_stock().execute(command)

    _show_change(state, state.run(work), location)


@app.command(context_settings=NUMBERS_MAY_BE_NEGATIVE)
def count(
    ctx: typer.Context,
    item: ItemKey,
    quantity: Annotated[int, typer.Argument(help="Units counted on hand.", show_default=False)],
    note: Note = None,
    expected_version: ExpectedVersion = None,
    idempotency_key: IdempotencyKeyOption = None,
    location: LocationOption = None,
) -> None:
    """Record a stock count: sets the quantity on hand (at a location), the difference enters
    the ledger."""
    state = CliState.of(ctx)

    async def work() -> StockChange:
        command = CountStockCommand(
            actor=await state.actor(),
            item=item,
            quantity=quantity,
            note=note,
            expected_version=expected_version,
            idempotency_key=idempotency_key,
            location=location,
        )
        return await state.container.count_stock().execute(command)

    _show_change(state, state.run(work), location)
