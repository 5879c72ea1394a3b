"""Real ``inventory`` processes for the end-to-end tests: the console script, a free port, the
environment a deployment would set, and waiting on readiness rather than on the clock.

Each server writes its output to a log file of its own; failures quote its end, so a server
that did not start says why.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tests.conftest import TEST_SECRET

INVENTORY = str(Path(sys.executable).with_name("inventory"))
ADMIN_PASSWORD = "admin-password-1"
#: Generous: start-up imports the whole stack, and the machine may be busy with other tests.
START_SECONDS = 60.0
STOP_SECONDS = 20.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def server_environment(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    """What an operator sets for every process of one service: the same store and secret."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("INVENTORY_")}
    environment.update(
        INVENTORY_STORAGE="sqlalchemy",
        INVENTORY_DATABASE_URL=database_url,
        INVENTORY_SECRET_KEY=TEST_SECRET,
        INVENTORY_BCRYPT_ROUNDS="4",
        INVENTORY_ADMIN_PASSWORD=ADMIN_PASSWORD,
        INVENTORY_DATA_DIR=str(data_dir),
        INVENTORY_LOG_LEVEL="WARNING",
    )
    environment.update(extra)
    return environment


def run_cli(*arguments: str, environment: dict[str, str], cwd: Path) -> str:
    """Run ``inventory ARGUMENTS`` to completion; its output, or a failure quoting it."""
    done = subprocess.run(
        [INVENTORY, *arguments],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"inventory {' '.join(arguments)}: {done.stderr}{done.stdout}"
    return done.stdout


@dataclass
class Server:
    """One ``inventory serve`` process (with ``--workers``, uvicorn's supervisor)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path
    ready: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]

    def wait_ready(self, timeout: float = START_SECONDS) -> None:
        """Until ``/health/ready`` answers 200 (store reachable, schema at head)."""
        deadline = time.monotonic() + timeout
        with httpx2.Client(base_url=self.url, timeout=5) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise AssertionError(f"the server exited early:\n{self.output()}")
                try:
                    if client.get("/health/ready").status_code == 200:
                        self.ready = True
                        return
                except httpx2.TransportError:
                    pass
                time.sleep(0.1)
        raise AssertionError(f"the server was not ready within {timeout} s:\n{self.output()}")

    def stop(self, how: signal.Signals = signal.SIGTERM, timeout: float = STOP_SECONDS) -> int:
        """Send ``how`` and wait for the exit; its status."""
        if self.process.poll() is None:
            self.process.send_signal(how)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"the server did not exit within {timeout} s of {how.name}:\n{self.output()}"
            ) from None

    def kill_all(self) -> None:
        """Clean-up: the whole process group (uvicorn's workers too), whatever state it is in."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def start_server(
    environment: dict[str, str], log_dir: Path, *arguments: str, port: int | None = None
) -> Server:
    """Start ``inventory serve`` on ``port`` (a free one by default); call ``wait_ready`` before
    using it."""
    port = port or free_port()
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"server-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [INVENTORY, "serve", "--host", "127.0.0.1", "--port", str(port), *arguments],
            env=environment,
            cwd=log_dir,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so clean-up reaches the workers
        )
    return Server(process=process, port=port, log=log)


@contextmanager
def running_servers(
    environment: dict[str, str], log_dir: Path, count: int, *arguments: str
) -> Iterator[list[Server]]:
    """``count`` servers started together (they race to bootstrap the admin), all ready."""
    servers = [start_server(environment, log_dir, *arguments) for _ in range(count)]
    try:
        for server in servers:
            server.wait_ready()
        yield servers
    finally:
        for server in servers:
            server.kill_all()


async def login(client: httpx2.AsyncClient, username: str, password: str) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/token", data={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def metric(text: str, name: str, labels: str = "") -> float:
    """The value of one series in a Prometheus text exposition (0 when absent)."""
    wanted = f"{name}{{{labels}}}" if labels else name
    for line in text.splitlines():
        series, _, value = line.rpartition(" ")
        if series == wanted:
            return float(value)
    return 0.0
