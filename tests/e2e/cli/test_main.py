import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from typer.testing import CliRunner

from adapters.sqlalchemy import upgrade
from domain.events import DomainEvent
from entrypoints.cli.errors import (
    CONFIGURATION,
    EXIT_CODES,
    FILE_ERROR,
    NOT_CONFIRMED,
    ROWS_REJECTED,
)
from entrypoints.cli.main import build_cli
from entrypoints.cli.serve import APP_FACTORY
from entrypoints.container import build_container
from entrypoints.server.deadlines import ClientDeadlines, DeadlineHttpToolsProtocol
from tests.conftest import make_settings
from tests.databases import run_in_thread
from tests.e2e.cli.conftest import PASSWORD, Cli


class BrokenUseCase:
    """Stands in for a use case whose adapter fails in a way nobody planned for."""

    async def execute(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")


def test_help_documents_every_exit_code(cli: Cli) -> None:
    text = cli.ok("--help").stdout
    for name, code in EXIT_CODES.items():
        assert f"{code:>3}  {name}" in text
    assert "usage error" in text
    assert "some rows were rejected" in text
    assert f"{NOT_CONFIRMED:>3}  not confirmed" in text


def test_exit_codes_are_distinct_and_clear_of_typers_own() -> None:
    codes = list(EXIT_CODES.values())
    cli_codes = [ROWS_REJECTED, CONFIGURATION, FILE_ERROR, NOT_CONFIRMED]
    assert len(set(codes + cli_codes)) == len(codes + cli_codes)
    assert not {0, 1, 2} & set(codes + cli_codes)


def test_no_arguments_shows_help(cli: Cli) -> None:
    result = cli("items")
    assert "adjust" in result.stdout + result.stderr


def test_unexpected_errors_are_short_unless_debugging(admin_cli: Cli) -> None:
    with admin_cli.container.list_items.override(providers.Object(BrokenUseCase())):
        quiet = admin_cli("items", "list")
        loud = admin_cli("--debug", "items", "list")
    assert quiet.exit_code == loud.exit_code == 1
    assert quiet.stderr == (
        "error: unexpected RuntimeError: disk on fire (run with --debug for the traceback)\n"
    )
    assert "Traceback" in loud.stderr
    assert "disk on fire" in loud.stderr


class SlowNotifier:
    """Takes a few turns of the event loop, like a mail server would take its time."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    async def notify(self, event: DomainEvent) -> None:
        for _ in range(5):
            await asyncio.sleep(0)
        self.sent.append(event.payload()["sku"])


def test_after_commit_handlers_finish_before_the_command_returns(cli: Cli) -> None:
    notifier = SlowNotifier()
    with cli.container.notifier.override(providers.Object(notifier)):
        cli.create_user("root", "admin")
        cli.add_item("A-1", "--quantity", "1")
        cli.ok("items", "adjust", "A-1", "-1", "--reason", "sold")
    assert notifier.sent == ["A-1"]


def test_serve_runs_the_app_factory(admin_cli: Cli) -> None:
    admin_cli.ok("serve")
    admin_cli.ok("serve", "--host", "192.0.2.1", "--port", "9000", "--workers", "3")
    admin_cli.ok("serve", "--reload")
    common = {
        "factory": True,
        "access_log": False,
        "proxy_headers": False,
        "timeout_graceful_shutdown": 20,
        "timeout_keep_alive": 5,
    }
    protocols = [kwargs.pop("http") for _args, kwargs in admin_cli.served]
    assert {(p.func, p.keywords["deadlines"]) for p in protocols} == {
        (DeadlineHttpToolsProtocol, ClientDeadlines(header_seconds=10, body_seconds=60))
    }
    assert admin_cli.served == [
        (
            (APP_FACTORY,),
            {**common, "host": "127.0.0.1", "port": 8000, "workers": 1, "reload": False},
        ),
        (
            (APP_FACTORY,),
            {**common, "host": "192.0.2.1", "port": 9000, "workers": 3, "reload": False},
        ),
        (
            (APP_FACTORY,),
            {**common, "host": "127.0.0.1", "port": 8000, "workers": 1, "reload": True},
        ),
    ]


def test_serve_takes_the_worker_count_from_settings(tmp_path: Path) -> None:
    cli = Cli(build_container(make_settings(tmp_path, workers=4)))
    cli.ok("serve")
    assert cli.served[0][1]["workers"] == 4


def test_serve_takes_the_client_timeouts_from_settings(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        keep_alive_timeout_seconds=75,
        client_header_timeout_seconds=3.5,
        client_body_timeout_seconds=120,
    )
    cli = Cli(build_container(settings))
    cli.ok("serve")
    served = cli.served[0][1]
    assert served["timeout_keep_alive"] == 75
    assert served["http"].keywords["deadlines"] == ClientDeadlines(3.5, 120)


@pytest.mark.parametrize(
    "args",
    [("--workers", "0"), ("--port", "0"), ("--port", "70000"), ("--reload", "--workers", "2")],
)
def test_serve_refuses_bad_arguments(cli: Cli, args: tuple[str, ...]) -> None:
    cli.fails(2, "serve", *args)
    assert cli.served == []


def test_database_url_selects_the_sql_store(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.db'}"
    behind = cli.fails(15, "--database-url", url, "items", "list")
    assert "inventory db upgrade" in behind.stderr
    upgraded = cli.json("--database-url", url, "db", "upgrade")
    assert upgraded["action"] == "upgraded"
    assert upgraded["revision"]
    assert cli.json("--database-url", url, "db", "current")["revision"] == upgraded["revision"]
    cli.ok(
        "--database-url",
        url,
        "users",
        "create",
        "root",
        "--role",
        "admin",
        "--password-stdin",
        input=PASSWORD,
    )
    cli.ok("--database-url", url, "items", "add", "--sku", "S-1", "--name", "Kept", "--price", "1")
    settings = cli.container.settings()
    assert (settings.storage, settings.database_url) == ("sqlalchemy", url)
    assert settings.bcrypt_rounds == 4  # the other settings are kept
    # A new process (a new container) on the same file sees what the first one wrote.
    again = Cli(build_container(make_settings(tmp_path, storage="sqlalchemy", database_url=url)))
    assert [item["sku"] for item in again.json("items", "list")["items"]] == ["S-1"]
    assert cli.json("--database-url", url, "db", "downgrade", "base", "--yes")["revision"] is None


def test_db_commands_need_the_sql_store(cli: Cli, store: str) -> None:
    if store == "memory":
        result = cli.fails(15, "db", "current")
        assert "migrations are for the SQL store" in result.stderr
    else:  # a migrated store: at the newest revision, and upgrading again changes nothing
        current = cli.json("db", "current")["revision"]
        assert current
        assert cli.json("db", "upgrade")["revision"] == current


def test_serve_passes_the_database_url_to_its_workers(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Set (not deleted) first, so that monkeypatch restores the environment afterwards.
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "unset")
    monkeypatch.setenv("INVENTORY_STORAGE", "memory")
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    cli.ok("--database-url", url, "db", "upgrade")
    cli.ok("--database-url", url, "serve", "--workers", "2")
    assert os.environ["INVENTORY_DATABASE_URL"] == url
    assert os.environ["INVENTORY_STORAGE"] == "sqlalchemy"


def test_serve_refuses_a_database_behind_its_migrations(cli: Cli, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    run_in_thread(lambda: upgrade(url, "0001"))  # an empty file would get the schema
    result = cli.fails(15, "--database-url", url, "serve")
    assert "inventory db upgrade" in result.stderr
    assert cli.served == []


def test_invalid_settings_are_a_configuration_error(tmp_path: Path) -> None:
    app = build_cli(
        container_factory=lambda: build_container(make_settings(tmp_path, bcrypt_rounds=1))
    )
    result = CliRunner().invoke(app, ["items", "list"])
    assert result.exit_code == 15
    assert result.stderr.startswith("error: invalid settings: INVENTORY_BCRYPT_ROUNDS: ")


def test_files_that_cannot_be_written_have_their_exit_code(admin_cli: Cli, tmp_path: Path) -> None:
    result = admin_cli.fails(16, "items", "export", str(tmp_path / "no" / "such" / "dir.csv"))
    assert "No such file or directory" in result.stderr


@pytest.mark.slow
def test_the_console_script_runs(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "INVENTORY_STORAGE": "memory",
        "INVENTORY_DATA_DIR": str(tmp_path),
        "INVENTORY_BCRYPT_ROUNDS": "4",
    }
    script = Path(sys.executable).parent / "inventory"
    done = subprocess.run(
        [str(script), "--json", "users", "create", "root", "--role", "admin", "--password-stdin"],
        input=f"{PASSWORD}\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["username"] == "root"
    empty = subprocess.run(
        [str(script), "items", "list"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert empty.returncode == 9  # memory storage: every process starts empty
    # A script (stdin no terminal) that forgot --yes is refused at once, not left waiting.
    unconfirmed = subprocess.run(
        [str(script), "items", "purge", "SKU-1"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=60,
    )
    assert unconfirmed.returncode == NOT_CONFIRMED
    assert "add --yes to confirm" in unconfirmed.stderr
