"""docs/reservations.md's curl walk-through, run verbatim after README.md's (which sets
``BASE``, ``AUTH`` and ``ITEM``), against ``inventory serve`` on a fresh store. Some of its
requests are refused on purpose (409), so curl is not made to fail on an HTTP error here: the
output is checked instead."""

import subprocess
from pathlib import Path

import pytest

from tests.integration.servers import START_SECONDS, Server
from tests.integration.test_readme_walkthroughs import (
    README,
    bash_blocks,
    reader_directory,
    reader_environment,
    section,
    service,
)

DOC = Path(__file__).parents[2] / "docs" / "reservations.md"
__all__ = ["reader_directory", "service"]


@pytest.mark.slow
def test_the_reservation_walkthrough_runs_verbatim(service: Server, reader_directory: Path) -> None:
    readme = bash_blocks(section(README.read_text(), "Using the HTTP API"))
    (doc,) = bash_blocks(DOC.read_text())
    script = "set -euo pipefail\n" + "\n".join(readme) + "\necho '--- reservations'\n" + doc
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=reader_directory,
        env=reader_environment(service.port),
        capture_output=True,
        text=True,
        timeout=START_SECONDS * 3,
        check=False,
    )
    assert done.returncode == 0, (done.stdout[-3000:], done.stderr[-3000:], service.output())
    out = done.stdout.split("--- reservations", 1)[1]
    assert '"held":3,"available":9' in out
    assert '"code":"insufficient_stock"' in out
    assert '"status":"fulfilled"' in out
    assert '"fulfilled_quantity":2' in out
    assert '"status":"released"' in out
    assert '"reference":"SO-1001"' in out
