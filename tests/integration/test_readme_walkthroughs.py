"""README.md's walk-throughs, run verbatim, in order, against a fresh store (issue 13, point 2).

The commands come from README.md itself: the ``bash`` blocks of "Using the HTTP API" (curl) and
then of "CLI", as one script under ``set -euo pipefail`` in a scratch directory, the way a
reader runs them in a second terminal. The first terminal's part is the Quick start's
``export`` lines and ``inventory serve`` (what ``make run`` starts, without its ``make
migrate``: a new store gets its schema from ``serve``), on a free port that the walk-throughs
follow through ``PORT`` as the README says. The only additions are the harness's: ``curl`` fails
on an HTTP error status (``--fail-with-body``), so a refused request stops the script instead
of passing unnoticed, and a cheap bcrypt cost.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.servers import START_SECONDS, Server, free_port, start_server

README = Path(__file__).parents[2] / "README.md"
VENV = Path(sys.executable).parent.parent
HARNESS = """set -euo pipefail
curl() { command curl --fail-with-body "$@"; }
"""


def section(markdown: str, heading: str) -> str:
    """The text under ``## heading`` up to the next heading of level 2."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    assert match, f"README.md has no section '## {heading}'"
    return match.group(1)


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"^```bash\n(.*?)^```$", text, re.M | re.S)


def walkthrough() -> tuple[str, str]:
    """The Quick start's settings (its ``export`` lines) and the walk-throughs' script."""
    markdown = README.read_text()
    (quick_start,) = bash_blocks(section(markdown, "Quick start"))
    exports = "\n".join(line for line in quick_start.splitlines() if line.startswith("export "))
    blocks = [
        *bash_blocks(section(markdown, "Using the HTTP API")),
        *bash_blocks(section(markdown, "CLI")),
    ]
    assert len(blocks) >= 2, "the curl and the CLI walk-throughs are ```bash blocks"
    return exports, "\n".join(blocks)


def test_the_walkthroughs_are_extracted_from_the_readme() -> None:
    exports, script = walkthrough()
    assert "INVENTORY_ADMIN_PASSWORD" in exports
    assert "curl" in script
    assert "inventory users create clara" in script
    assert "> clara.pw" in script.split("< clara.pw")[0], "clara.pw is created before its use"
    assert "widget.png" in script.split("-F file=@widget.png")[0], "widget.png is created first"
    assert "users create admin" not in script, "make run has already created admin"


@pytest.fixture
def reader_directory(tmp_path: Path) -> Path:
    """A clone's directory as the reader sees it: ``.venv`` (made by ``make run``), no store."""
    directory = tmp_path / "clone"
    directory.mkdir()
    (directory / ".venv").symlink_to(VENV)
    return directory


def reader_environment(port: int) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    environment.pop("VIRTUAL_ENV", None)
    environment.update(PORT=str(port), INVENTORY_BCRYPT_ROUNDS="4")
    return environment


@pytest.fixture
def service(reader_directory: Path) -> Iterator[Server]:
    """``make run``'s server, started with the Quick start's settings."""
    exports, _script = walkthrough()
    port = free_port()
    environment = reader_environment(port)
    settings = subprocess.run(
        ["bash", "-c", f"set -euo pipefail\n{exports}\nenv -0"],
        env=environment,
        capture_output=True,
        check=True,
    )
    for pair in settings.stdout.split(b"\0"):
        name, _, value = pair.decode().partition("=")
        if name.startswith("INVENTORY_"):
            environment[name] = value
    # In the reader's directory, as `make run` in the clone: the store is ./var/inventory.db.
    server = start_server(environment, reader_directory, port=port)
    try:
        server.wait_ready()
        yield server
    finally:
        server.kill_all()


@pytest.mark.slow
def test_the_readme_walkthroughs_run_verbatim_in_order(
    service: Server, reader_directory: Path
) -> None:
    _exports, script = walkthrough()
    done = subprocess.run(
        ["bash", "-c", HARNESS + script],
        cwd=reader_directory,
        env=reader_environment(service.port),
        capture_output=True,
        text=True,
        timeout=START_SECONDS * 3,
        check=False,
    )
    assert done.returncode == 0, (
        f"exit {done.returncode}\n--- stdout\n{done.stdout[-4000:]}\n--- stderr\n"
        f"{done.stderr[-4000:]}\n--- server\n{service.output()}"
    )
    assert "the picture came back unchanged" in done.stdout
    assert "SKU-1: -3 (sold), 7 on hand" in done.stdout
    assert "exit 6" in done.stdout
    assert "exit 14" in done.stdout
    assert "created admin `admin` from INVENTORY_ADMIN_PASSWORD" in service.log.read_text()
