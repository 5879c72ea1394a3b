"""The ``inventory`` command: global options, sub-apps and the console-script entry point.

``build_cli(container)`` returns the Typer app; tests pass their own container (and keep it
across invocations), everyone else gets one built from the settings. More groups join with
``app.add_typer(...)`` and find the shared state with ``CliState.of(ctx)``.
"""

from collections.abc import Callable
from typing import Annotated

import typer
from dependency_injector import providers
from rich.console import Console

from entrypoints.cli import (
    archive,
    db,
    history,
    items,
    locations,
    reports,
    reservations,
    serve,
    stock,
    stocktake,
    tokens,
    transfer,
    users,
    webhooks,
)
from entrypoints.cli.errors import InventoryGroup, exit_code_table
from entrypoints.cli.origin import InvocationOrigin
from entrypoints.cli.state import PLAIN_HELP, CliState
from entrypoints.container import Container, build_container

__all__ = ["archive", "build_cli", "main", "transfer"]


def _default_server(*args: object, **kwargs: object) -> None:
    import uvicorn  # only `serve` needs it

    uvicorn.run(*args, **kwargs)  # type: ignore[arg-type]


def build_cli(
    container: Container | None = None,
    *,
    container_factory: Callable[[], Container] = build_container,
    server: serve.Server = _default_server,
    console: Console | None = None,
    progress_from_rows: int = 5_000,
    stdin_is_terminal: Callable[[], bool] | None = None,
) -> typer.Typer:
    """The ``inventory`` app. Without ``container`` one is built when a command runs.

    ``server`` runs uvicorn; ``console`` is where tables go (stdout by default); imports and
    exports of at least ``progress_from_rows`` rows show a progress bar when that console is a
    terminal. ``stdin_is_terminal`` says whether destructive commands can ask for confirmation
    (by default: whether stdin is a terminal).
    """
    app = typer.Typer(
        cls=InventoryGroup,
        name="inventory",
        help="Run the inventory from the terminal: items, stock by location, users and the REST"
        " server.",
        epilog=exit_code_table(),
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=PLAIN_HELP,
    )

    @app.callback()
    def root(
        ctx: typer.Context,
        json_output: Annotated[
            bool, typer.Option("--json", help="Machine-readable JSON on stdout.")
        ] = False,
        database_url: Annotated[
            str | None,
            typer.Option(
                "--database-url",
                metavar="URL",
                help="Use the SQL store at this URL (overrides INVENTORY_DATABASE_URL).",
                show_default=False,
            ),
        ] = None,
        acting_user: Annotated[
            str | None,
            typer.Option(
                "--as",
                metavar="USERNAME",
                help="Act as this user (default: the first active admin).",
                show_default=False,
            ),
        ] = None,
        debug: Annotated[
            bool, typer.Option("--debug", help="Show the traceback of unexpected errors.")
        ] = False,
    ) -> None:
        state = CliState(
            container=container if container is not None else container_factory(),
            json_output=json_output,
            debug=debug,
            acting_user=acting_user,
            console=console if console is not None else Console(),
            progress_from_rows=progress_from_rows,
        )
        if stdin_is_terminal is not None:
            state.stdin_is_terminal = stdin_is_terminal
        state.container.origin.override(providers.Object(InvocationOrigin()))
        ctx.obj = state
        if database_url is not None:
            state.use_database(database_url)

    app.add_typer(users.app, name="users")
    app.add_typer(webhooks.app, name="webhooks")
    app.add_typer(items.app, name="items")
    app.add_typer(locations.app, name="locations")
    app.add_typer(tokens.app, name="tokens")
    app.add_typer(reservations.app, name="reservations")
    app.add_typer(db.app, name="db")
    app.add_typer(reports.app, name="reports")
    stock.register(app)
    app.command()(history.audit)
    stocktake.register(app)
    serve.register(app, server)
    return app


def main() -> None:
    """The console script ``inventory``."""
    build_cli()()
