"""The real ``inventory serve`` against clients too slow to send a request (issue 12, item 5)
and against ``kill -9`` of its supervisor (item 3).

Deadlines here are short (seconds) so that the tests are quick; the assertions allow the busy
machine generous margins, and every loop is bounded in time.
"""

import asyncio
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx2
import pytest
from websockets.asyncio.client import connect

from tests.databases import fresh_sqlite_url
from tests.integration.servers import (
    ADMIN_PASSWORD,
    INVENTORY,
    START_SECONDS,
    STOP_SECONDS,
    Server,
    free_port,
    login,
    running_servers,
    server_environment,
    start_server,
)

pytestmark = pytest.mark.slow

HEADER_SECONDS = 2
BODY_SECONDS = 2
KEEP_ALIVE_SECONDS = 1
#: What the machine may add to a deadline before a test calls it missed.
MARGIN = 2.0
#: A slow client gives up after this long if the server never cuts it off.
GIVE_UP_SECONDS = 12.0
STARTED = "Application startup complete"


@pytest.fixture
def environment(sqlite_template: Path, tmp_path: Path) -> dict[str, str]:
    url = fresh_sqlite_url(sqlite_template, tmp_path / "db")
    return server_environment(
        url,
        tmp_path / "var",
        INVENTORY_CLIENT_HEADER_TIMEOUT_SECONDS=str(HEADER_SECONDS),
        INVENTORY_CLIENT_BODY_TIMEOUT_SECONDS=str(BODY_SECONDS),
        INVENTORY_KEEP_ALIVE_TIMEOUT_SECONDS=str(KEEP_ALIVE_SECONDS),
        INVENTORY_WEBSOCKET_HEARTBEAT_SECONDS="0.5",
    )


@pytest.fixture
def server(environment: dict[str, str], tmp_path: Path) -> Iterator[Server]:
    with running_servers(environment, tmp_path / "logs", 1) as (server,):
        yield server


async def trickle(port: int, data: bytes) -> tuple[float, bytes]:
    """Send ``data`` one byte a second; how long until the server closed the connection, and
    what it answered. Fails if it is still open after ``GIVE_UP_SECONDS``."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    answer = b""
    try:
        for byte in data:
            assert time.monotonic() - started < GIVE_UP_SECONDS, "the server never cut it off"
            try:
                writer.write(bytes([byte]))
                await writer.drain()
                chunk = await asyncio.wait_for(reader.read(1024), 1.0)
            except TimeoutError:
                continue
            except ConnectionError:
                break
            if not chunk:
                break
            answer += chunk
        else:
            raise AssertionError("the server waited for every byte")
        return time.monotonic() - started, answer
    finally:
        writer.close()


async def normal_traffic(server: Server, until: asyncio.Event) -> list[int]:
    """Ordinary requests, one after another, until ``until`` is set: their statuses."""
    statuses = []
    async with httpx2.AsyncClient(base_url=server.url, timeout=30) as client:
        headers = await login(client, "admin", ADMIN_PASSWORD)
        while not until.is_set():
            response = await client.get("/api/v1/items", headers=headers)
            statuses.append(response.status_code)
            await asyncio.sleep(0.1)
    return statuses


async def test_slow_clients_are_cut_off_at_the_deadlines_and_others_are_served(
    server: Server,
) -> None:
    head = b"GET /health/live HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"x" * 40
    body_head = (
        b"POST /api/v1/auth/token HTTP/1.1\r\nHost: localhost\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\n"
    )
    done = asyncio.Event()

    async def slow_body() -> tuple[float, bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(body_head)
        started = time.monotonic()
        try:
            for _ in range(int(GIVE_UP_SECONDS)):
                writer.write(b"a")
                await writer.drain()
                try:
                    if not await asyncio.wait_for(reader.read(1024), 1.0):
                        return time.monotonic() - started, b""
                except TimeoutError:
                    continue
            raise AssertionError("the server waited for the whole body")
        finally:
            writer.close()

    async def slow_clients() -> tuple[tuple[float, bytes], tuple[float, bytes]]:
        try:
            return await asyncio.gather(trickle(server.port, head), slow_body())
        finally:
            done.set()

    ((head_took, head_answer), (body_took, _)), statuses = await asyncio.gather(
        slow_clients(), normal_traffic(server, done)
    )

    assert head_took < HEADER_SECONDS + MARGIN
    assert head_answer.startswith(b"HTTP/1.1 408 ")
    assert body_took < BODY_SECONDS + MARGIN
    assert len(statuses) > 5
    assert set(statuses) == {200}


async def test_requests_in_several_packets_within_the_deadlines_are_served(
    server: Server,
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        for part in (b"POST /api/v1/auth/token HTTP/1.1\r\nHost: local", b"host\r\n"):
            writer.write(part)
            await asyncio.sleep(0.5)
        body = f"username=admin&password={ADMIN_PASSWORD}".encode()
        writer.write(b"Content-Type: application/x-www-form-urlencoded\r\n")
        writer.write(b"Content-Length: %d\r\n\r\n" % len(body) + body[:10])
        await asyncio.sleep(0.5)
        writer.write(body[10:])
        status = await asyncio.wait_for(reader.readline(), 30)
        assert status.startswith(b"HTTP/1.1 200 "), status
        await asyncio.sleep(KEEP_ALIVE_SECONDS / 2)  # the same connection serves the next one
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        await reader.readuntil(b"HTTP/1.1 200 ")
    finally:
        writer.close()


async def test_an_idle_keep_alive_connection_is_closed_after_its_timeout(server: Server) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    try:
        writer.write(b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n")
        await reader.readuntil(b"HTTP/1.1 200 ")
        answered = time.monotonic()
        while await asyncio.wait_for(reader.read(1024), GIVE_UP_SECONDS):
            pass  # the rest of the response
        assert time.monotonic() - answered < KEEP_ALIVE_SECONDS + MARGIN
    finally:
        writer.close()


async def test_a_websocket_outlives_the_request_deadlines(server: Server) -> None:
    async with httpx2.AsyncClient(base_url=server.url, timeout=30) as client:
        headers = await login(client, "admin", ADMIN_PASSWORD)
    token = headers["Authorization"].removeprefix("Bearer ")
    async with connect(f"{server.ws_url}/api/v1/events?token={token}") as websocket:
        opened = time.monotonic()
        heartbeats = 0
        while time.monotonic() - opened < HEADER_SECONDS + BODY_SECONDS + 1:
            await asyncio.wait_for(websocket.recv(), 10)
            heartbeats += 1
    assert heartbeats >= 4


def port_is_free(port: int) -> bool:
    """Whether ``inventory serve`` could listen on ``port`` (uvicorn sets SO_REUSEADDR too)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def children_of(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if entry.name.isdigit() and int(fields[1]) == pid:
            children.append(int(entry.name))
    return children


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_workers_stop_when_their_supervisor_is_killed(
    environment: dict[str, str], tmp_path: Path
) -> None:
    # uvicorn's start-up lines say when each worker has started (and watches its supervisor).
    environment = environment | {"INVENTORY_LOG_LEVEL": "INFO"}
    supervisor = start_server(environment, tmp_path / "first", "--workers", "2")
    workers: list[int] = []
    try:
        supervisor.wait_ready()
        workers = [pid for pid in children_of(supervisor.process.pid) if _is_worker(pid)]
        assert len(workers) == 2, workers
        assert wait_until(
            lambda: supervisor.log.read_text().count(STARTED) == len(workers), START_SECONDS
        ), supervisor.output()

        os.kill(supervisor.process.pid, signal.SIGKILL)
        supervisor.process.wait()
        assert wait_until(lambda: port_is_free(supervisor.port), 2.0), "the port is still held"

        again = start_server(environment, tmp_path / "again", port=supervisor.port)
        try:
            again.wait_ready()
        finally:
            again.kill_all()
        assert wait_until(lambda: not any(map(is_running, workers)), STOP_SECONDS)
    finally:
        for pid in workers:
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)


def _is_worker(pid: int) -> bool:
    return "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text(errors="replace")


def test_a_single_process_server_outlives_the_process_that_started_it(
    environment: dict[str, str], tmp_path: Path
) -> None:
    """No supervisor, no watch: a server started from a shell that exits keeps serving."""
    log = tmp_path / "server.log"
    port = free_port()
    with log.open("wb") as sink:
        shell = subprocess.Popen(
            ["sh", "-c", f'"{INVENTORY}" serve --host 127.0.0.1 --port {port} & wait'],
            env=environment,
            cwd=tmp_path,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process=shell, port=port, log=log)
    try:
        server.wait_ready()
        os.kill(shell.pid, signal.SIGKILL)
        shell.wait()
        time.sleep(1.5)  # three of a worker's checks on its parent
        assert httpx2.get(f"{server.url}/health/ready", timeout=10).status_code == 200
    finally:
        os.killpg(shell.pid, signal.SIGKILL)
