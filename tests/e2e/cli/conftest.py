"""The CLI end to end: every command through Typer's ``CliRunner`` on a real store.

One container per test is shared by all the invocations of that test (the memory store would
otherwise start empty each time), passed to ``build_cli`` explicitly. Every test runs on each
of ``STORES``: the in-memory store and a fresh, migrated SQLite file (a copy of the session's
template). Each command runs on an event loop of its own, as in a real process.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from dependency_injector import providers
from typer.testing import CliRunner, Result

from adapters.clock import FixedClock
from entrypoints.cli.main import build_cli
from entrypoints.container import Container, build_container, close
from entrypoints.settings import Settings
from tests.conftest import make_settings
from tests.databases import fresh_sqlite_url

T = TypeVar("T")
STORES = ["memory", "sqlite"]
PASSWORD = "correct horse battery"


def settings_for(store: str, tmp_path: Path, sqlite_template: Path | None = None) -> Settings:
    if store == "memory":
        return make_settings(tmp_path)
    if store == "sqlite" and sqlite_template is not None:
        url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
        return make_settings(tmp_path, storage="sqlalchemy", database_url=url)
    raise ValueError(f"no settings for the store {store!r}")


@dataclass
class Cli:
    """Runs ``inventory`` commands against one container and remembers the server calls."""

    container: Container
    served: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    #: Whether commands see a terminal on stdin (someone to ask for a confirmation).
    terminal: bool = False

    def __call__(self, *args: str, input: str | None = None) -> Result:
        app = build_cli(self.container, server=self._serve, stdin_is_terminal=lambda: self.terminal)
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

    def run(self, work: Callable[[], Awaitable[T]]) -> T:
        """Run a coroutine on the container as a command does: on an event loop of its own,
        releasing the store's connections (bound to that loop) before the loop ends."""

        async def main() -> T:
            try:
                return await work()
            finally:
                await close(self.container)

        return asyncio.run(main())

    def create_user(self, name: str, role: str, *extra: str) -> Any:
        return self.json(
            *extra, "users", "create", name, "--role", role, "--password-stdin", input=PASSWORD
        )

    def add_item(self, sku: str, *options: str, price: str = "10.00") -> Any:
        return self.json(
            "items", "add", "--sku", sku, "--name", f"Item {sku}", "--price", price, *options
        )

    def movements(self, item: str) -> list[Any]:
        """The stock movements in ``items history`` (newest first), without the changes."""
        entries = self.json("items", "history", item, "--limit", "100")["items"]
        return [entry["movement"] for entry in entries if entry["kind"] == "movement"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_settings(store: str, request: pytest.FixtureRequest) -> Callable[[Path], Settings]:
    """Settings of a new, empty store of this test's kind, with its files in a directory."""
    template = request.getfixturevalue("sqlite_template") if store == "sqlite" else None
    return lambda directory: settings_for(store, directory, template)


@pytest.fixture
def cli_container(
    new_settings: Callable[[Path], Settings], tmp_path: Path, clock: FixedClock
) -> Iterator[Container]:
    container = build_container(new_settings(tmp_path))
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
