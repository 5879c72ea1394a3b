"""One served site per test module (SQLite): the browser tests share it, each in a browser
context of its own, and each uses items of its own where it changes stock."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import fresh_sqlite_url
from tests.e2e.web.site import Site, served_site


@pytest.fixture(scope="module")
def site(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("site")
    with served_site(fresh_sqlite_url(sqlite_template, directory / "db"), directory) as served:
        yield served
