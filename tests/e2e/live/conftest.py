"""One real ``inventory serve`` process for the tests that see the service from outside, as a
browser or a generated client does: started once per session, on a migrated SQLite store."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_sqlite_url
from tests.integration.servers import Server, running_servers, server_environment


@pytest.fixture(scope="session")
def live_server(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("live-server")
    environment = server_environment(fresh_sqlite_url(sqlite_template, base / "db"), base / "var")
    with running_servers(environment, base / "logs", 1) as (server,):
        yield server
