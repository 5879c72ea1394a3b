"""``inventory items archive|restore|purge``: taking an item out of use without losing history.

The commands join the ``items`` group when this module is imported (``main`` does so).
"""

import typer

from domain.items import Item
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.items import ExpectedVersion, ItemKey, app
from entrypoints.cli.state import CliState, YesOption


@app.command()
def archive(ctx: typer.Context, item: ItemKey, expected_version: ExpectedVersion = None) -> None:
    """Archive an item: out of lists and searches, no more changes; its ledger, history and
    SKU stay. `items restore` brings it back."""
    state = CliState.of(ctx)

    async def work() -> Item:
        return await state.container.archive_item().execute(
            await state.actor(), item, expected_version=expected_version
        )

    archived = state.run(work)
    output.emit(
        state,
        representation.item(archived),
        output.item_detail(archived, f"Archived {archived.sku}"),
    )


@app.command()
def restore(ctx: typer.Context, item: ItemKey, expected_version: ExpectedVersion = None) -> None:
    """Bring an archived item back into use."""
    state = CliState.of(ctx)

    async def work() -> Item:
        return await state.container.restore_item().execute(
            await state.actor(), item, expected_version=expected_version
        )

    restored = state.run(work)
    output.emit(
        state,
        representation.item(restored),
        output.item_detail(restored, f"Restored {restored.sku}"),
    )


@app.command()
def purge(
    ctx: typer.Context,
    item: ItemKey,
    yes: YesOption = False,
    expected_version: ExpectedVersion = None,
) -> None:
    """Remove an item with no stock for good, freeing its SKU (admin; asks first, --yes in
    scripts). Its ledger rows and audit trail stay."""
    state = CliState.of(ctx)
    state.confirm(f"purge item {item} for good", yes=yes)

    async def work() -> None:
        await state.container.purge_item().execute(
            await state.actor(), item, expected_version=expected_version
        )

    state.run(work)
    output.emit(state, {"purged": item}, output.message(f"Purged {item}"))
