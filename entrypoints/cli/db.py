"""``inventory db``: the schema migrations of the SQL store (Alembic, kept in the package).

The migrations come from the container, which knows the database URL (``--database-url``
included) and the adapter that migrates it.
"""

from typing import Annotated

import typer

from entrypoints.cli.errors import ConfigurationError
from entrypoints.cli.output import emit, message
from entrypoints.cli.state import PLAIN_HELP, CliState, YesOption
from entrypoints.container import Container

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP, help="Database migrations of the SQL store.", no_args_is_help=True
)


def _sql_store(state: CliState) -> Container:
    settings = state.container.settings()
    if settings.storage != "sqlalchemy":
        raise ConfigurationError(
            f"INVENTORY_STORAGE is {settings.storage!r}: migrations are for the SQL store"
        )
    return state.container


def _report(state: CliState, action: str, revision: str | None) -> None:
    where = state.container.database_display()
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
    container = _sql_store(state)

    async def work() -> str | None:
        await container.upgrade_schema(revision)
        revision_now: str | None = await container.schema_revision()
        return revision_now

    _report(state, "upgraded", state.run(work, check_schema=False))


@app.command("downgrade")
def downgrade_command(
    ctx: typer.Context,
    revision: Annotated[str, typer.Argument(help="Target revision ('base' removes everything).")],
    yes: YesOption = False,
) -> None:
    """Take the schema back to REVISION. Data in removed tables is lost (asks first; --yes in
    scripts)."""
    state = CliState.of(ctx)
    container = _sql_store(state)
    where = container.database_display()
    state.confirm(f"downgrade {where} to {revision}, losing the data of removed tables", yes=yes)

    async def work() -> str | None:
        await container.downgrade_schema(revision)
        revision_now: str | None = await container.schema_revision()
        return revision_now

    _report(state, "downgraded", state.run(work, check_schema=False))


@app.command("current")
def current_command(ctx: typer.Context) -> None:
    """Show the schema's current revision."""
    state = CliState.of(ctx)
    container = _sql_store(state)

    async def work() -> str | None:
        revision_now: str | None = await container.schema_revision()
        return revision_now

    _report(state, "current", state.run(work, check_schema=False))
