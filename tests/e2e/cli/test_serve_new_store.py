"""``inventory serve`` on a new embedded store creates its schema; a store that is behind, and
PostgreSQL, stay an operator's migration step (issue 13, point 3)."""

import sqlite3
from pathlib import Path

from adapters.sqlalchemy import current, upgrade
from adapters.sqlalchemy.migrate import head_revision
from entrypoints.container import build_container
from tests.conftest import make_settings
from tests.databases import new_postgres_database, run_in_thread
from tests.e2e.cli.conftest import Cli


def serve_cli(tmp_path: Path, database_url: str) -> Cli:
    settings = make_settings(tmp_path, storage="sqlalchemy", database_url=database_url)
    return Cli(build_container(settings))


def test_serve_creates_the_schema_of_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "new" / "inventory.db"
    cli = serve_cli(tmp_path, f"sqlite:///{path}")
    result = cli.ok("serve")
    assert "created the schema of the new store" in result.stderr
    assert len(cli.served) == 1
    assert run_in_thread(lambda: current(f"sqlite:///{path}")) == head_revision()
    # The second start finds it at head and says nothing about creating it.
    again = serve_cli(tmp_path, f"sqlite:///{path}")
    assert "created the schema" not in again.ok("serve").stderr


def test_serve_creates_the_schema_of_an_empty_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    cli = serve_cli(tmp_path, f"sqlite:///{path}")
    cli.ok("serve")
    assert run_in_thread(lambda: current(f"sqlite:///{path}")) == head_revision()


def test_serve_refuses_a_sqlite_store_that_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    run_in_thread(lambda: upgrade(url, "0001"))
    cli = serve_cli(tmp_path, url)
    result = cli.fails(15, "serve")
    assert "inventory db upgrade" in result.stderr
    assert cli.served == []
    assert run_in_thread(lambda: current(url)) == "0001"  # left for the operator


def test_serve_refuses_a_sqlite_file_with_tables_of_someone_else(tmp_path: Path) -> None:
    path = tmp_path / "theirs.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    cli = serve_cli(tmp_path, f"sqlite:///{path}")
    cli.fails(15, "serve")
    assert cli.served == []


def test_serve_leaves_migrating_postgresql_to_the_operator(tmp_path: Path) -> None:
    with new_postgres_database("inventory_serve") as url:
        cli = serve_cli(tmp_path, url)
        result = cli.fails(15, "serve")
        assert "inventory db upgrade" in result.stderr
        assert cli.served == []
        assert run_in_thread(lambda: current(url)) is None
