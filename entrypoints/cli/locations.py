"""``inventory locations …``: the places stock is held, as a tree."""

from collections.abc import Callable
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

from application.commands import UNSET, CreateLocationCommand, UpdateLocationCommand
from application.ports import LocationQuery, Page
from application.views import LocationView, StockLevelView
from domain.locations import Location
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.state import CliState

app = typer.Typer(no_args_is_help=True, help="Manage locations (warehouses, aisles, bins).")

LocationKey = Annotated[str, typer.Argument(help="Location code or id.", show_default=False)]
ExpectedVersion = Annotated[
    int | None, typer.Option(help="Refuse (exit 7) unless the location is at this version.")
]
#: Listing pages fetched for ``tree`` (the largest page a query allows).
_PAGE = 100


def location_json(location: Location | LocationView) -> output.JsonObject:
    return {
        "id": str(location.id),
        "code": location.code.value,
        "name": location.name,
        "parent_id": None if location.parent_id is None else str(location.parent_id),
        "active": location.active,
        "version": location.version,
    }


def level_json(level: StockLevelView) -> output.JsonObject:
    return {
        "item_id": str(level.item_id),
        "sku": level.sku.value,
        "location_id": str(level.location_id),
        "location": level.location_code.value,
        "quantity": level.quantity,
        "low_stock": level.low_stock,
    }


def _table(page: Page[LocationView]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table("Code", "Name", "Active", "Version", caption=output.page_caption(page))
        for loc in page.items:
            table.add_row(Text(loc.code.value), Text(loc.name), str(loc.active), str(loc.version))
        console.print(table)

    return render


def _show(state: CliState, location: Location, verb: str) -> None:
    headline = f"{location.code}: {verb} (version {location.version})"
    output.emit(state, location_json(location), output.message(headline))


@app.command("list")
def list_locations(
    ctx: typer.Context,
    search: Annotated[str | None, typer.Option("--search", help="Text in code or name.")] = None,
    active: Annotated[bool | None, typer.Option("--active/--inactive", show_default=False)] = None,
    limit: Annotated[int, typer.Option(help="Page size (1-100).")] = 20,
    offset: Annotated[int, typer.Option(help="Entries to skip.")] = 0,
) -> None:
    """Locations by code."""
    state = CliState.of(ctx)

    async def work() -> Page[LocationView]:
        query = LocationQuery(offset=offset, limit=limit, search=search, active=active)
        return await state.container.list_locations().execute(await state.actor(), query)

    page = state.run(work)
    output.emit(state, representation.page(page, location_json), _table(page))


@app.command()
def add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="A unique code, e.g. WH-1.", show_default=False)],
    name: Annotated[str, typer.Option(help="What people call it.", show_default=False)],
    parent: Annotated[str | None, typer.Option(help="Parent location code or id.")] = None,
) -> None:
    """Add a location (admin): inventory locations add WH-1-A --name 'Aisle A' --parent WH-1"""
    state = CliState.of(ctx)

    async def work() -> Location:
        command = CreateLocationCommand(
            actor=await state.actor(), code=code, name=name, parent=parent
        )
        return await state.container.create_location().execute(command)

    _show(state, state.run(work), "added")


def _update(state: CliState, location: str, version: int | None, **changes: Any) -> Location:
    async def work() -> Location:
        command = UpdateLocationCommand(
            actor=await state.actor(), location=location, expected_version=version, **changes
        )
        return await state.container.update_location().execute(command)

    return state.run(work)


@app.command()
def update(
    ctx: typer.Context,
    location: LocationKey,
    code: Annotated[str | None, typer.Option(help="A new code.")] = None,
    name: Annotated[str | None, typer.Option(help="A new name.")] = None,
    parent: Annotated[
        str | None, typer.Option(help="A new parent code or id; '' makes it a root.")
    ] = None,
    activate: Annotated[bool, typer.Option("--activate", help="Make it active again.")] = False,
    expected_version: ExpectedVersion = None,
) -> None:
    """Change a location's code, name or parent (admin)."""
    state = CliState.of(ctx)
    changes: dict[str, Any] = {
        "code": UNSET if code is None else code,
        "name": UNSET if name is None else name,
        "parent": UNSET if parent is None else (parent.strip() or None),
        "active": True if activate else UNSET,
    }
    _show(state, _update(state, location, expected_version, **changes), "updated")


@app.command()
def deactivate(
    ctx: typer.Context, location: LocationKey, expected_version: ExpectedVersion = None
) -> None:
    """Stop new stock going there (it can still be emptied) (admin)."""
    state = CliState.of(ctx)
    _show(state, _update(state, location, expected_version, active=False), "deactivated")


@app.command()
def delete(
    ctx: typer.Context, location: LocationKey, expected_version: ExpectedVersion = None
) -> None:
    """Delete an empty location without children (admin)."""
    state = CliState.of(ctx)

    async def work() -> None:
        await state.container.delete_location().execute(
            await state.actor(), location, expected_version=expected_version
        )

    state.run(work)
    output.emit(state, {"deleted": location}, output.message(f"{location}: deleted"))


@app.command()
def tree(ctx: typer.Context) -> None:
    """Every location, printed as the tree it is (inactive ones marked)."""
    state = CliState.of(ctx)

    async def work() -> list[LocationView]:
        actor = await state.actor()
        found: list[LocationView] = []
        while True:
            page = await state.container.list_locations().execute(
                actor, LocationQuery(offset=len(found), limit=_PAGE)
            )
            found.extend(page.items)
            if not page.items or len(found) >= page.total:
                return found

    everything = state.run(work)
    output.emit(state, {"locations": [location_json(loc) for loc in everything]}, _tree(everything))


def _tree(locations: list[LocationView]) -> Callable[[Console], None]:
    children: dict[Any, list[LocationView]] = {}
    for location in locations:
        children.setdefault(location.parent_id, []).append(location)

    def grow(branch: Tree, parent: Any) -> None:
        for location in children.get(parent, []):
            label = Text(f"{location.code} ({location.name})")
            if not location.active:
                label.append(" [inactive]", style="dim")
            grow(branch.add(label), location.id)

    def render(console: Console) -> None:
        root = Tree("Locations")
        grow(root, None)
        console.print(root)

    return render
