"""The stock-ledger state machine (``tests/contracts/stock_machine.py``) on SQLite and
PostgreSQL: the same rules and invariants as on the in-memory store, through the real use
cases and a real database, fresh for every example."""

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dependency_injector import providers
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from adapters.clock import FixedClock
from entrypoints.container import Container, build_container, close, start
from tests.conftest import make_settings
from tests.databases import empty_postgres, fresh_sqlite_url

stock_machine = pytest.importorskip(
    "tests.contracts.stock_machine", reason="the stock machine lands with the foundation tests"
)

#: Fewer examples than on memory: each one starts from an empty database.
EXAMPLES = 6


def sql_container_factory(
    directory: Path, url: Callable[[], str], *, empty_first: bool
) -> Callable[[], object]:
    async def make() -> Container:
        database_url = url()
        if empty_first:
            await empty_postgres(database_url)
        container = build_container(
            make_settings(directory, storage="sqlalchemy", database_url=database_url)
        )
        container.clock.override(providers.Object(FixedClock(datetime(2026, 1, 1, tzinfo=UTC))))
        await start(container)  # on the example's event loop, which ``close`` ends it on
        return container

    return make


def run_machine(factory: Callable[[], object]) -> None:
    machine = stock_machine.make_stock_machine(factory)

    class ClosingMachine(machine):  # type: ignore[misc,valid-type]
        """Closes the resources and the database pool on the example's own event loop before
        that loop ends."""

        def teardown(self) -> None:
            try:
                self.run(close(self.container))
            finally:
                super().teardown()

    run_state_machine_as_test(
        ClosingMachine, settings=settings(machine.TestCase.settings, max_examples=EXAMPLES)
    )


@pytest.mark.slow
def test_the_stock_machine_on_sqlite(sqlite_template: Path, tmp_path: Path) -> None:
    run_machine(
        sql_container_factory(
            tmp_path, lambda: fresh_sqlite_url(sqlite_template, tmp_path / "db"), empty_first=False
        )
    )


@pytest.mark.slow
@pytest.mark.postgres
def test_the_stock_machine_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    run_machine(sql_container_factory(tmp_path, lambda: postgres_url, empty_first=True))
