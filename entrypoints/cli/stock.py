"""Stock by location from the terminal: ``inventory items stock SKU`` and
``inventory transfer SKU QTY --from A --to B``.

``items stock`` joins the ``items`` group when this module is imported; ``register`` adds the
top-level ``transfer`` command.
"""

from collections.abc import Callable
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from application.commands import TransferStockCommand
from application.use_cases import Transfer
from application.views import StockLevelView
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.items import IdempotencyKeyOption, ItemKey, Note, app
from entrypoints.cli.locations import level_json
from entrypoints.cli.state import CliState


@app.command("stock")
def item_stock(ctx: typer.Context, item: ItemKey) -> None:
    """What an item holds at each location."""
    state = CliState.of(ctx)

    async def work() -> list[StockLevelView]:
        return await state.container.get_item_stock().execute(await state.actor(), item)

    levels = state.run(work)
    output.emit(state, {"stock": [level_json(level) for level in levels]}, _levels(item, levels))


def _levels(item: str, levels: list[StockLevelView]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table("Location", "Quantity", "Low", title=Text(f"Stock of {item}"))
        for level in levels:
            table.add_row(
                Text(level.location_code.value), str(level.quantity), str(level.low_stock)
            )
        table.caption = f"{sum(level.quantity for level in levels)} in all"
        console.print(table)

    return render


def transfer(
    ctx: typer.Context,
    item: ItemKey,
    quantity: Annotated[int, typer.Argument(help="Units to move.", show_default=False)],
    source: Annotated[
        str, typer.Option("--from", help="Location code or id to take from.", show_default=False)
    ],
    target: Annotated[
        str, typer.Option("--to", help="Location code or id to put into.", show_default=False)
    ],
    note: Note = None,
    reference: Annotated[str | None, typer.Option(help="A transfer order number.")] = None,
    idempotency_key: IdempotencyKeyOption = None,
) -> None:
    """Move stock between locations: inventory transfer SKU-1 5 --from MAIN --to VAN-2"""
    state = CliState.of(ctx)

    async def work() -> Transfer:
        command = TransferStockCommand(
            actor=await state.actor(),
            item=item,
            from_location=source,
            to_location=target,
            quantity=quantity,
            note=note,
            reference=reference,
            idempotency_key=idempotency_key,
        )
        return await state.container.transfer_stock().execute(command)

    done = state.run(work)
    data = {
        "item": representation.item(done.item),
        "movements": [representation.movement(m) for m in (done.outgoing, done.incoming)],
    }
    headline = (
        f"{done.item.sku}: moved {quantity} from {source.strip().upper()} to"
        f" {target.strip().upper()}, {done.item.quantity} on hand in all"
    )
    output.emit(state, data, output.message(headline))


def register(cli: typer.Typer) -> None:
    cli.command("transfer")(transfer)
