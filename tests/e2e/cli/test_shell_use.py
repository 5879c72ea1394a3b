"""The CLI as a shell user meets it: confirmations, completion, choices and help."""

import json
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from application.ports import ItemSort
from entrypoints.cli.errors import NOT_CONFIRMED
from entrypoints.cli.main import build_cli
from entrypoints.container import build_container
from tests.conftest import make_settings
from tests.databases import fresh_sqlite_url
from tests.e2e.cli.conftest import Cli


def test_purge_asks_on_a_terminal_and_only_yes_purges(admin_cli: Cli) -> None:
    admin_cli.add_item("SKU-1")
    admin_cli.terminal = True
    declined = admin_cli.fails(NOT_CONFIRMED, "items", "purge", "SKU-1", input="n\n")
    assert "Purge item SKU-1 for good? [y/N]" in declined.stderr
    assert declined.stderr.endswith(
        "error: purge item SKU-1 for good: not confirmed, nothing was changed\n"
    )
    unanswered = admin_cli.fails(NOT_CONFIRMED, "items", "purge", "SKU-1", input="\n")
    assert "nothing was changed" in unanswered.stderr  # the default is no
    admin_cli.json("items", "show", "SKU-1")

    confirmed = admin_cli.ok("--json", "items", "purge", "SKU-1", input="y\n")
    # The question went to stderr; CliRunner echoes the typed answer where a terminal would.
    echo, _, data = confirmed.stdout.partition("\n")
    assert echo.strip() == "y"
    assert json.loads(data) == {"purged": "SKU-1"}
    admin_cli.fails(4, "items", "show", "SKU-1")


def test_without_a_terminal_purge_needs_yes_and_does_not_wait(admin_cli: Cli) -> None:
    admin_cli.add_item("SKU-1")
    refused = admin_cli.fails(NOT_CONFIRMED, "items", "purge", "SKU-1", input="y\n")
    assert refused.stderr == (
        "error: purge item SKU-1 for good: add --yes to confirm (stdin is not a terminal)\n"
    )
    admin_cli.json("items", "show", "SKU-1")
    as_json = admin_cli.fails(NOT_CONFIRMED, "--json", "items", "purge", "SKU-1")
    assert '"error": "not_confirmed"' in as_json.stderr
    assert admin_cli.json("items", "purge", "SKU-1", "-y") == {"purged": "SKU-1"}


def test_downgrade_asks_first(tmp_path: Path, sqlite_template: Path) -> None:
    cli = Cli(build_container(make_settings(tmp_path)))
    url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
    head = cli.json("--database-url", url, "db", "current")["revision"]
    refused = cli.fails(NOT_CONFIRMED, "--database-url", url, "db", "downgrade", "base")
    assert "add --yes to confirm" in refused.stderr
    cli.terminal = True
    declined = cli.fails(NOT_CONFIRMED, "--database-url", url, "db", "downgrade", "base", input="n")
    assert "losing the data of removed tables? [y/N]" in declined.stderr
    assert cli.json("--database-url", url, "db", "current")["revision"] == head
    cli.ok("--database-url", url, "db", "downgrade", "base", input="y\n")
    assert cli.json("--database-url", url, "db", "current")["revision"] is None


def test_sort_is_a_choice_offered_by_completion(admin_cli: Cli) -> None:
    for sku, quantity in (("A-1", "5"), ("B-2", "9")):
        admin_cli.add_item(sku, "--quantity", quantity)
    listed = admin_cli.json("items", "list", "--sort", "-quantity")
    assert [item["sku"] for item in listed["items"]] == ["B-2", "A-1"]
    wrong = admin_cli.fails(2, "items", "list", "--sort", "price")
    assert "-quantity" in wrong.stderr  # the choices are listed
    offered = complete(admin_cli, "inventory items list --sort ", 4)
    assert offered == [sort.value for sort in ItemSort]
    assert complete(admin_cli, "inventory items list --sort up", 4) == ["updated_at"]


def complete(cli: Cli, line: str, word: int) -> list[str]:
    env = {"_INVENTORY_COMPLETE": "complete_bash", "COMP_WORDS": line, "COMP_CWORD": str(word)}
    app = build_cli(cli.container)
    result = CliRunner().invoke(app, [], env=env, prog_name="inventory")
    assert result.exit_code == 0, result.stderr
    return result.stdout.split()


def test_completion_is_on(cli: Cli, tmp_path: Path) -> None:
    assert complete(cli, "inventory it", 1) == ["items"]
    assert complete(cli, "inventory items pu", 2) == ["purge"]
    assert "--yes" in complete(cli, "inventory items purge X --", 4)
    app = build_cli(cli.container)
    shown = CliRunner().invoke(app, ["--show-completion", "bash"])
    assert "_INVENTORY_COMPLETE=complete_bash" in shown.stdout
    env = {"HOME": str(tmp_path), "SHELL": "/bin/bash"}
    installed = CliRunner().invoke(app, ["--install-completion", "bash"], env=env)
    assert installed.exit_code == 0, installed.output
    assert "_INVENTORY_COMPLETE" in (tmp_path / ".bash_completions" / "inventory.sh").read_text()


def _commands(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    subcommands: dict[str, click.Command] = getattr(command, "commands", {})
    for name, sub in subcommands.items():
        found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(typer.main.get_command(build_cli()))


def test_every_command_is_checked() -> None:
    checked = {("items", "purge"), ("items", "archive"), ("db", "downgrade"), ("users", "create")}
    assert checked < set(COMMANDS)


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_shows_no_value_for_flags(path: tuple[str, ...], tmp_path: Path) -> None:
    app = build_cli(container_factory=lambda: build_container(make_settings(tmp_path)))
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "--help" in result.stdout
    assert "bool" not in result.stdout.lower()
