from application.commands import LoginCommand
from tests.e2e.cli.conftest import PASSWORD, Cli

USER_KEYS = {"id", "username", "role", "active", "email", "full_name", "created_at", "updated_at"}


def test_the_first_admin_needs_no_acting_user_and_then_acts_by_default(cli: Cli) -> None:
    root = cli.create_user("root", "admin")
    assert set(root) == USER_KEYS
    assert root["role"] == "admin"
    assert root["active"] is True
    assert root["created_at"] == "2026-01-01T12:00:00Z"

    clerk = cli.create_user("clara", "clerk", "--as", "root")
    also = cli.create_user("vic", "viewer")  # no --as: the first admin
    assert (clerk["role"], also["role"]) == ("clerk", "viewer")


def test_the_first_user_of_an_empty_store_must_be_an_admin(cli: Cli) -> None:
    result = cli.fails(
        8, "users", "create", "vic", "--role", "viewer", "--password-stdin", input=PASSWORD
    )
    assert result.stderr.startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_commands_on_an_empty_store_say_how_to_start(cli: Cli) -> None:
    result = cli.fails(9, "items", "list")
    assert "inventory users create NAME --role admin" in result.stderr


def test_password_is_prompted_twice_without_echo(admin_cli: Cli) -> None:
    result = admin_cli.ok(
        "users", "create", "clara", "--role", "clerk", input=f"{PASSWORD}\n{PASSWORD}\n"
    )
    assert "Created clerk clara" in result.stdout
    assert PASSWORD not in result.stdout + result.stderr
    assert "Repeat for confirmation" in result.stderr


def test_mismatched_prompted_passwords_are_asked_again(admin_cli: Cli) -> None:
    answers = f"{PASSWORD}\nsomething else\n{PASSWORD}\n{PASSWORD}\n"
    result = admin_cli.ok("users", "create", "clara", "--role", "clerk", input=answers)
    assert "do not match" in result.stderr


def test_a_taken_name_is_refused_before_the_password_is_asked_for(admin_cli: Cli) -> None:
    admin_cli.create_user("vic", "viewer")
    # No input at all: a prompt would read end-of-file and abort (exit 1), not exit 5 or 8.
    taken = admin_cli.fails(5, "users", "create", "root", "--role", "admin")
    assert "Password" not in taken.stderr
    assert taken.stderr == "error: a user with username root already exists\n"
    denied = admin_cli.fails(8, "--as", "vic", "users", "create", "eve", "--role", "clerk")
    assert "Password" not in denied.stderr
    assert admin_cli.json("users", "list")["total"] == 2


def test_user_commands_in_json(admin_cli: Cli) -> None:
    admin_cli.create_user("clara", "clerk")
    page = admin_cli.json("users", "list")
    assert [user["username"] for user in page["items"]] == ["clara", "root"]
    assert (page["total"], page["offset"], page["limit"]) == (2, 0, 20)
    assert set(page["items"][0]) == USER_KEYS

    shown = admin_cli.json("users", "show", "clara")
    assert shown["role"] == "clerk"
    assert admin_cli.json("users", "show", shown["id"])["username"] == "clara"

    assert admin_cli.json("users", "set-role", "clara", "viewer")["role"] == "viewer"
    assert admin_cli.json("users", "deactivate", "clara")["active"] is False
    assert admin_cli.json("users", "activate", "clara")["active"] is True
    assert admin_cli.json(
        "users", "set-password", "clara", "--password-stdin", input="a new password\n"
    ) == {"user": "clara", "password_set": True}


def test_set_password_takes_effect(admin_cli: Cli) -> None:
    admin_cli.create_user("clara", "clerk")
    admin_cli.ok("users", "set-password", "clara", input="another password\nanother password\n")
    authenticate = admin_cli.container.authenticate()
    token = admin_cli.run(
        lambda: authenticate.execute(LoginCommand(username="clara", password="another password"))
    )
    assert token.token


def test_user_tables(admin_cli: Cli) -> None:
    admin_cli.create_user("clara", "clerk")
    listing = admin_cli.ok("users", "list").stdout
    assert "clara" in listing
    assert "clerk" in listing
    assert "1-2 of 2" in listing
    assert "clara" in admin_cli.ok("users", "show", "clara").stdout
    assert "clara is now viewer" in admin_cli.ok("users", "set-role", "clara", "viewer").stdout
    assert "clara is deactivated" in admin_cli.ok("users", "deactivate", "clara").stdout
    assert "clara is active" in admin_cli.ok("users", "activate", "clara").stdout
    result = admin_cli.ok("users", "set-password", "clara", "--password-stdin", input=PASSWORD)
    assert "Password of clara set" in result.stdout


def test_user_errors_have_their_exit_codes(admin_cli: Cli) -> None:
    admin_cli.create_user("vic", "viewer")
    create = ("users", "create", "--password-stdin")
    assert (
        "already exists"
        in admin_cli.fails(5, *create, "VIC", "--role", "clerk", input=PASSWORD).stderr
    )
    admin_cli.fails(3, *create, "x y", "--role", "clerk", input=PASSWORD)  # bad username
    admin_cli.fails(3, *create, "shorty", "--role", "clerk", input="short")  # weak password
    admin_cli.fails(2, *create, "nobody", "--role", "owner", input=PASSWORD)  # no such role
    admin_cli.fails(4, "users", "show", "ghost")
    admin_cli.fails(4, "users", "set-role", "ghost", "clerk")
    admin_cli.fails(10, "users", "set-role", "root", "clerk")  # the last admin stays
    admin_cli.fails(10, "users", "deactivate", "root")
    admin_cli.fails(8, "--as", "vic", "users", "list")
    admin_cli.fails(8, "--as", "vic", *create, "eve", "--role", "admin", input=PASSWORD)
    admin_cli.fails(4, "--as", "ghost", "users", "list")
    admin_cli.ok("users", "deactivate", "vic")
    admin_cli.fails(9, "--as", "vic", "items", "list")


def test_errors_in_json_mode_are_one_json_line_on_stderr(admin_cli: Cli) -> None:
    result = admin_cli.fails(4, "--json", "users", "show", "ghost")
    assert result.stdout == ""
    assert result.stderr.strip() == (
        '{"error": "not_found", "message": "user ghost was not found"}'
    )
