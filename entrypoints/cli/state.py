"""What every command shares: the container, the global options and the way coroutines run."""

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import typer
from dependency_injector import providers
from rich.console import Console

from application.errors import AuthenticationFailed
from domain.users import Principal
from entrypoints.cli.errors import ConfigurationError, NotConfirmed
from entrypoints.container import Container, check_storage, close, start
from entrypoints.settings import Settings

T = TypeVar("T")

#: Help in click's plain layout rather than Typer's rich panels, in every group: flags show no
#: ``<bool>`` value (there is none to give), and help reads the same in a pipe as on a terminal.
PLAIN_HELP = None
YesOption = Annotated[
    bool, typer.Option("--yes", "-y", help="Do not ask for confirmation (for scripts).")
]

NO_ADMIN = (
    "there is no active admin to act as; create the first one with"
    " 'inventory users create NAME --role admin', or name a user with --as"
)


def _stdin_is_a_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


@dataclass
class CliState:
    """Lives on ``ctx.obj``; subcommands (including sub-apps added by other modules, such as
    ``db``) reach it with ``CliState.of(ctx)``."""

    container: Container
    json_output: bool = False
    debug: bool = False
    acting_user: str | None = None
    database_url: str | None = None
    console: Console = field(default_factory=Console)
    #: Imports of at least this many rows show a progress bar (on a terminal only).
    progress_from_rows: int = 5_000
    #: Whether someone can be asked (a destructive command's confirmation).
    stdin_is_terminal: Callable[[], bool] = _stdin_is_a_terminal

    @classmethod
    def of(cls, ctx: typer.Context) -> "CliState":
        state = ctx.find_object(cls)
        if state is None:  # only when a command is invoked without the root callback
            raise RuntimeError("the inventory CLI state is missing from the context")
        return state

    def use_database(self, url: str) -> None:
        """``--database-url``: the SQL store at ``url``, whatever the settings said."""
        current = self.container.settings()
        updated = Settings.model_validate(
            {**current.model_dump(), "database_url": url, "storage": "sqlalchemy"}
        )
        self.container.settings.override(providers.Object(updated))
        self.database_url = url

    def confirm(self, action: str, *, yes: bool) -> None:
        """Asks before a destructive ``action`` ("delete item X") on a terminal; ``--yes`` skips
        the question. With no terminal and no ``--yes`` the command refuses (``NotConfirmed``)
        rather than go ahead unasked or wait for an answer no one will type."""
        if yes:
            return
        if not self.stdin_is_terminal():
            raise NotConfirmed(f"{action}: add --yes to confirm (stdin is not a terminal)")
        if not typer.confirm(f"{action[:1].upper()}{action[1:]}?", default=False, err=True):
            raise NotConfirmed(f"{action}: not confirmed, nothing was changed")

    def run(self, work: Callable[[], Awaitable[T]], *, check_schema: bool = True) -> T:
        """Run one command's coroutine on a fresh event loop.

        The container's resources live as long as the loop: before it closes, they shut down
        (after-commit handlers still running are awaited, so a low-stock notification is not
        lost when the process exits) and the database pool is released.
        """

        storage = self.container.settings().storage
        if storage not in self.container.uow.providers:
            raise ConfigurationError(f"storage {storage!r} is not available in this build")

        async def main() -> T:
            try:
                if check_schema:  # a clear "run inventory db upgrade" instead of a SQL error
                    await check_storage(self.container)
                await start(self.container)
                return await work()
            finally:
                # The engine's pool belongs to this event loop: close it with the loop.
                await close(self.container)

        return asyncio.run(main())

    async def actor(self) -> Principal:
        """The acting user; refuses when there is none (an empty store)."""
        principal = await self.optional_actor()
        if principal is None:
            raise AuthenticationFailed(NO_ADMIN)
        return principal

    async def optional_actor(self) -> Principal | None:
        resolve = self.container.resolve_actor()
        return await resolve.execute(self.acting_user)
