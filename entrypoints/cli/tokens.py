"""``inventory tokens …``: API tokens for integrations, with the same rules as the REST API.

A token belongs to the acting user (``--as USER``, here or before the group): to give a
service account a token, act as it. The secret is printed once, on stdout, so a script can
capture it; nothing else ever shows it again.
"""

from collections.abc import Callable
from typing import Annotated
from uuid import UUID

import typer
from rich.console import Console
from rich.table import Table

from application.commands import CreateApiTokenCommand
from application.credentials import ApiTokenView, IssuedApiToken
from domain.api_tokens import MAX_DAYS
from domain.users import SCOPES
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.state import CliState

app = typer.Typer(no_args_is_help=True, help="Manage API tokens: create, list, revoke.")

ActingUser = Annotated[
    str | None,
    typer.Option(
        "--as",
        metavar="USERNAME",
        help="Whose tokens (default: the one named before the group, else the first admin).",
        show_default=False,
    ),
]


def _state(ctx: typer.Context, acting_user: str | None) -> CliState:
    state = CliState.of(ctx)
    if acting_user is not None:
        state.acting_user = acting_user
    return state


def _table(tokens: list[ApiTokenView]) -> Callable[[Console], None]:
    def render(console: Console) -> None:
        table = Table(title="API tokens")
        for column in ("Id", "Name", "Scopes", "Created", "Expires", "Last used"):
            table.add_column(column, overflow="fold")
        for token in tokens:
            shown = representation.api_token(token)
            table.add_row(
                shown["id"],
                token.name,
                " ".join(shown["scopes"]),
                str(output.cell(shown["created_at"])),
                str(output.cell(shown["expires_at"] or "never")),
                str(output.cell(shown["last_used_at"] or "never")),
            )
        console.print(table)

    return render


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for.", show_default=False)],
    scope: Annotated[
        list[str],
        typer.Option(
            "--scope",
            help=f"Repeat for each scope: {', '.join(SCOPES)}.",
            show_default=False,
        ),
    ],
    expires_in_days: Annotated[
        int | None,
        typer.Option(help=f"Days until it stops working (1-{MAX_DAYS}); default: never."),
    ] = None,
    acting_user: ActingUser = None,
) -> None:
    """Create an API token; its secret is printed this once."""
    state = _state(ctx, acting_user)

    async def work() -> IssuedApiToken:
        command = CreateApiTokenCommand(
            actor=await state.actor(),
            name=name,
            scopes=tuple(scope),
            expires_in_days=expires_in_days,
        )
        return await state.container.create_api_token().execute(command)

    issued = state.run(work)
    headline = (
        f"Created API token {issued.token.name!r} ({issued.token.id}) with"
        f" {' '.join(sorted(issued.token.scopes))}. It is not shown again:\n\n{issued.secret}"
    )
    shown = {**representation.api_token(issued.token), "token": issued.secret}
    output.emit(state, shown, output.message(headline))


@app.command("list")
def list_tokens(ctx: typer.Context, acting_user: ActingUser = None) -> None:
    """List the tokens that were not revoked (never their secrets)."""
    state = _state(ctx, acting_user)

    async def work() -> list[ApiTokenView]:
        return await state.container.list_api_tokens().execute(await state.actor())

    tokens = state.run(work)
    output.emit(state, {"items": [representation.api_token(t) for t in tokens]}, _table(tokens))


@app.command()
def revoke(
    ctx: typer.Context,
    token_id: Annotated[UUID, typer.Argument(help="The token's id.", show_default=False)],
    acting_user: ActingUser = None,
) -> None:
    """Revoke a token: it stops working at once, in every process."""
    state = _state(ctx, acting_user)

    async def work() -> None:
        await state.container.revoke_api_token().execute(await state.actor(), token_id)

    state.run(work)
    output.emit(
        state, {"id": str(token_id), "revoked": True}, output.message(f"Revoked {token_id}")
    )
