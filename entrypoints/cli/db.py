"""``inventory db``: the schema migrations of the SQL store (Alembic, kept in the package)."""

from typing import Annotated

import typer

from adapters.sqlalchemy import current, display_url, downgrade, upgrade
from entrypoints.cli.errors import ConfigurationError
from entrypoints.cli.output import emit, message
from entrypoints.cli.state import CliState

app = typer.Typer(help="Database migrations of the SQL store.", no_args_is_help=True)


def _url(state: CliState) -> str:
    settings = state.container.settings()
    if settings.storage != "sqlalchemy":
        raise ConfigurationError(
            f"INVENTORY_STORAGE is {settings.storage!r}: migrations are for the SQL store"
        )
    return settings.resolved_database_url


def _report(state: CliState, action: str, url: str, revision: str | None) -> None:
    where = display_url(url)
    emit(
        state,
        {"action": action, "database": where, "revision": revision},
        message(f"{where}: {action}, at revision {revision or 'base (empty)'}"),
    )


@app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Bring the schema up to REVISION (default: the newest). Safe to run again."""
    state = CliState.of(ctx)
    url = _url(state)

    async def work() -> str | None:
        await upgrade(url, revision)
        return await current(url)

    _report(state, "upgraded", url, state.run(work, check_schema=False))


@app.command("downgrade")
def downgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision ('base' removes everything).")],
) -> None:
    """Take the schema back to REVISION. Data in removed tables is lost."""
    state = CliState.of(ctx)
    url = _url(state)

    async def work() -> str | None:
        await downgrade(url, revision)
        return await current(url)

    _report(state, "downgraded", url, state.run(work, check_schema=False))


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Show the schema's current revision."""
    state = CliState.of(ctx)
    url = _url(state)
    _report(state, "current", url, state.run(lambda: current(url), check_schema=False))
