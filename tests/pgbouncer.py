"""A private PgBouncer in transaction mode in front of the test server.

PgBouncer is a Debian package (``make pgbouncer`` installs it, and ``.ci/run`` does so before the
tests). Without it the tests that need it skip and say how to install it; with
``INVENTORY_TEST_POSTGRES_REQUIRED=1`` (CI) they fail instead, as for PostgreSQL itself.

Each PgBouncer here listens on a free port of 127.0.0.1, lets every database of the test server
through (``* =``), and keeps very few server connections, so that the clients' transactions really
do take turns on the same server connections: the condition under which a client that relies
on session state (a named prepared statement, a ``LISTEN``) breaks.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

#: Where Debian puts it (``/usr/sbin`` is not on every user's PATH).
_KNOWN_PLACES = ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer")
_START_SECONDS = 20.0


def pgbouncer_binary() -> str:
    """The ``pgbouncer`` executable, or a skip (a failure in CI) saying how to install it."""
    found = shutil.which("pgbouncer") or next(
        (place for place in _KNOWN_PLACES if os.access(place, os.X_OK)), None
    )
    if found is None:
        message = "pgbouncer is not installed: 'make pgbouncer' (apt-get install pgbouncer)"
        if os.environ.get("INVENTORY_TEST_POSTGRES_REQUIRED") == "1":
            pytest.fail(message + " (INVENTORY_TEST_POSTGRES_REQUIRED=1)", pytrace=False)
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _configuration(server_url: str, port: int, directory: Path, server_connections: int) -> Path:
    server = make_url(server_url)
    target = f"host={server.host or '127.0.0.1'} port={server.port or 5432}"
    if server.password:
        target += f" user={server.username} password={server.password}"
    users = directory / "users.txt"
    users.write_text(f'"{server.username or "postgres"}" ""\n')
    ini = directory / "pgbouncer.ini"
    ini.write_text(
        "[databases]\n"
        f"* = {target}\n"
        "[pgbouncer]\n"
        "listen_addr = 127.0.0.1\n"
        f"listen_port = {port}\n"
        "unix_socket_dir =\n"
        "auth_type = trust\n"
        f"auth_file = {users}\n"
        "pool_mode = transaction\n"
        f"default_pool_size = {server_connections}\n"
        "max_client_conn = 500\n"
    )
    return ini


@contextmanager
def running_pgbouncer(
    server_url: str, directory: Path, *, server_connections: int = 2
) -> Iterator[str]:
    """PgBouncer in front of ``server_url``'s server while the block runs; yields
    ``server_url`` with PgBouncer's port instead (same database, same user)."""
    binary = pgbouncer_binary()
    directory.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    command = [binary, str(_configuration(server_url, port, directory, server_connections))]
    if os.geteuid() == 0:  # PgBouncer refuses to run as root; it reads its files first
        command[1:1] = ["-u", "nobody"]
    log = directory / "pgbouncer.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        _wait_listening(process, port, log)
        yield make_url(server_url).set(port=port).render_as_string(hide_password=False)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_listening(process: "subprocess.Popen[bytes]", port: int, log: Path) -> None:
    deadline = time.monotonic() + _START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"pgbouncer exited at start-up:\n{log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"pgbouncer did not listen within {_START_SECONDS} s:\n{log.read_text()}")
