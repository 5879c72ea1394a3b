"""``inventory users …``: accounts and roles, with the same rules as the REST API."""

from typing import Annotated

import typer

from application.commands import RegisterUserCommand, UpdateUserCommand
from application.ports import Page
from application.views import UserView
from domain.users import Role, User
from entrypoints import representation
from entrypoints.cli import output
from entrypoints.cli.state import PLAIN_HELP, CliState

app = typer.Typer(
    rich_markup_mode=PLAIN_HELP,
    no_args_is_help=True,
    help="Manage users: create, list, roles, activation, passwords.",
)

UserKey = Annotated[str, typer.Argument(help="Username or user id.", show_default=False)]
PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of stdin (no prompt)."
    ),
]
Limit = Annotated[int, typer.Option(help="Page size (1-100).")]
Offset = Annotated[int, typer.Option(help="Users to skip.")]


def read_password(from_stdin: bool) -> str:
    """Prompted twice without echo, or one line of stdin for scripts; prompts go to stderr so
    ``--json`` output stays clean."""
    if from_stdin:
        line = typer.get_text_stream("stdin").readline()
        return line.removesuffix("\n").removesuffix("\r")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    return password


def _show_user(state: CliState, user: User | UserView, headline: str) -> None:
    output.emit(state, representation.user(user), output.message(headline))


@app.command()
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Argument(help="The new user's name.", show_default=False)],
    role: Annotated[Role, typer.Option(case_sensitive=False, help="What the user may do.")],
    email: Annotated[str | None, typer.Option(help="Contact address.")] = None,
    full_name: Annotated[str | None, typer.Option(help="Display name.")] = None,
    password_stdin: PasswordStdin = False,
) -> None:
    """Create a user. On an empty store the first admin needs no acting user."""
    state = CliState.of(ctx)

    async def check() -> None:
        actor = await state.optional_actor()
        await state.container.check_registration().execute(actor, username, role.value)

    state.run(check)  # a taken name or a missing permission is told before the password
    password = read_password(password_stdin)

    async def work() -> User:
        actor = await state.optional_actor()
        command = RegisterUserCommand(
            actor=actor,
            username=username,
            password=password,
            role=role.value,
            email=email,
            full_name=full_name,
        )
        return await state.container.register_user().execute(command)

    user = state.run(work)
    _show_user(state, user, f"Created {user.role.value} {user.username} ({user.id})")


@app.command("list")
def list_users(ctx: typer.Context, limit: Limit = 20, offset: Offset = 0) -> None:
    """List users by name."""
    state = CliState.of(ctx)

    async def work() -> Page[UserView]:
        actor = await state.actor()
        return await state.container.list_users().execute(actor, offset=offset, limit=limit)

    page = state.run(work)
    output.emit(state, representation.page(page, representation.user), output.users_table(page))


@app.command()
def show(ctx: typer.Context, user: UserKey) -> None:
    """Show one user."""
    state = CliState.of(ctx)

    async def work() -> UserView:
        actor = await state.actor()
        return await state.container.get_user().execute(actor, user)

    found = state.run(work)
    output.emit(state, representation.user(found), output.users_table(_single(found)))


def _single(user: User | UserView) -> Page[User | UserView]:
    return Page(items=[user], total=1, offset=0, limit=1)


def _update(ctx: typer.Context, user: str, headline: str, **changes: object) -> None:
    state = CliState.of(ctx)

    async def work() -> User:
        actor = await state.actor()
        command = UpdateUserCommand(actor=actor, user_id=user, **changes)  # type: ignore[arg-type]
        return await state.container.update_user().execute(command)

    updated = state.run(work)
    _show_user(state, updated, headline.format(user=updated.username, role=updated.role.value))


@app.command("set-role")
def set_role(
    ctx: typer.Context,
    user: UserKey,
    role: Annotated[Role, typer.Argument(case_sensitive=False, help="admin, clerk or viewer.")],
) -> None:
    """Change a user's role (the last active admin cannot be demoted)."""
    _update(ctx, user, "{user} is now {role}", role=role.value)


@app.command()
def deactivate(ctx: typer.Context, user: UserKey) -> None:
    """Stop a user from signing in; their tokens stop working at once."""
    _update(ctx, user, "{user} is deactivated", active=False)


@app.command()
def activate(ctx: typer.Context, user: UserKey) -> None:
    """Let a deactivated user sign in again."""
    _update(ctx, user, "{user} is active", active=True)


@app.command("set-password")
def set_password(ctx: typer.Context, user: UserKey, password_stdin: PasswordStdin = False) -> None:
    """Set a user's password (as an admin); their tokens stop working at once."""
    state = CliState.of(ctx)
    password = read_password(password_stdin)

    async def work() -> None:
        actor = await state.actor()
        await state.container.set_user_password().execute(actor, user, password)

    state.run(work)
    output.emit(
        state, {"user": user, "password_set": True}, output.message(f"Password of {user} set")
    )
