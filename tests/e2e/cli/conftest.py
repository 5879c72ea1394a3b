"""The CLI end to end: every command through Typer's ``CliRunner`` on a real store.

One container per test is shared by all the invocations of that test (the memory store would
otherwise start empty each time), passed to ``build_cli`` explicitly. ``STORES`` lists the
stores the suite runs on; a SQL store joins by adding its settings to ``settings_for``.
"""

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from dependency_injector import providers
from typer.testing import CliRunner, Result

from adapters.clock import FixedClock
from entrypoints.cli.main import build_cli
from entrypoints.container import Container, build_container
from entrypoints.settings import Settings
from tests.conftest import make_settings

STORES = ["memory"]
PASSWORD = "correct horse battery"


def settings_for(store: str, tmp_path: Path) -> Settings:
    if store == "memory":
        return make_settings(tmp_path)
    raise NotImplementedError(store)


@dataclass
class Cli:
    """Runs ``inventory`` commands against one container and remembers the server calls."""

    container: Container
    served: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def __call__(self, *args: str, input: str | None = None) -> Result:
        app = build_cli(self.container, server=self._serve)
        return CliRunner().invoke(app, list(args), input=input)

    def _serve(self, *args: Any, **kwargs: Any) -> None:
        self.served.append((args, kwargs))

    def ok(self, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == 0, (result.stdout, result.stderr, result.exception)
        return result

    def json(self, *args: str, input: str | None = None) -> Any:
        """Runs with ``--json`` (given first, as a global option) and parses stdout."""
        return json.loads(self.ok("--json", *args, input=input).stdout)

    def fails(self, code: int, *args: str, input: str | None = None) -> Result:
        result = self(*args, input=input)
        assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
        assert "Traceback" not in result.stderr
        return result

    def create_user(self, name: str, role: str, *extra: str) -> Any:
        return self.json(
            *extra, "users", "create", name, "--role", role, "--password-stdin", input=PASSWORD
        )

    def add_item(self, sku: str, *options: str, price: str = "10.00") -> Any:
        return self.json(
            "items", "add", "--sku", sku, "--name", f"Item {sku}", "--price", price, *options
        )


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def cli_container(store: str, tmp_path: Path, clock: FixedClock) -> Iterator[Container]:
    container = build_container(settings_for(store, tmp_path))
    with container.clock.override(providers.Object(clock)):
        yield container


@pytest.fixture
def cli(cli_container: Container) -> Cli:
    """An empty store."""
    return Cli(cli_container)


@pytest.fixture
def admin_cli(cli: Cli) -> Cli:
    """A store with its first admin, ``root``, whom commands act as by default."""
    cli.create_user("root", "admin")
    return cli


def lines_of(result: Result) -> Sequence[str]:
    return result.stdout.splitlines()
