"""The slow-client deadlines of ``inventory serve``'s HTTP protocol, one connection at a time:
which timer is armed after which bytes, and what happens when it fires.

The protocol runs on the real event loop for the app, but its timers are kept by the test and
fired by hand, so nothing here waits or measures time (the real server is timed in
``tests/integration/test_serve_process.py``).
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from entrypoints.server.deadlines import (
    REQUEST_TIMEOUT,
    ClientDeadlines,
    DeadlineHttpToolsProtocol,
    protocol_with,
)

HEADER, BODY, KEEP_ALIVE = 10.0, 60.0, 5
GET = b"GET /health/live HTTP/1.1\r\nHost: localhost\r\n\r\n"
POST_HEAD = b"POST /x HTTP/1.1\r\nHost: localhost\r\nContent-Length: 10\r\n\r\n"


@dataclass
class Timer:
    delay: float
    callback: Callable[..., None]
    args: tuple[Any, ...]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass
class HandTimedLoop:
    """What the protocol asks of its loop: tasks go to the real loop, timers wait for the test."""

    loop: asyncio.AbstractEventLoop
    timers: list[Timer] = field(default_factory=list)

    def call_later(self, delay: float, callback: Callable[..., None], *args: Any) -> Timer:
        timer = Timer(delay, callback, args)
        self.timers.append(timer)
        return timer

    def create_task(self, coroutine: Any, **options: Any) -> "asyncio.Task[Any]":
        return self.loop.create_task(coroutine, **options)

    def pending(self) -> list[float]:
        return [timer.delay for timer in self.timers if not timer.cancelled]

    def fire(self, delay: float) -> None:
        (timer,) = [t for t in self.timers if not t.cancelled and t.delay == delay]
        timer.cancelled = True
        timer.callback(*timer.args)


@dataclass
class FakeTransport:
    protocol: Any = None
    written: bytes = b""
    closed: bool = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("192.0.2.7", 50000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def write(self, data: bytes) -> None:
        self.written += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_protocol(self) -> Any:
        return self.protocol

    def set_protocol(self, protocol: Any) -> None:
        self.protocol = protocol

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def answer_ok(scope: Any, receive: Any, send: Any) -> None:
    """An app that answers at once, without reading a body."""
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b""})


@dataclass
class Connection:
    protocol: DeadlineHttpToolsProtocol
    transport: FakeTransport
    loop: HandTimedLoop


@pytest.fixture
async def connection() -> Connection:
    config = Config(app=answer_ok, lifespan="off", timeout_keep_alive=KEEP_ALIVE)
    config.load()
    loop = HandTimedLoop(asyncio.get_running_loop())
    protocol = protocol_with(ClientDeadlines(header_seconds=HEADER, body_seconds=BODY))(
        config=config, server_state=ServerState(), app_state={}, _loop=loop
    )
    transport = FakeTransport()
    transport.protocol = protocol
    protocol.connection_made(transport)  # type: ignore[arg-type]
    return Connection(protocol, transport, loop)


async def answered(connection: Connection) -> None:
    for _ in range(10):  # the app's task runs on the real loop
        await asyncio.sleep(0)
    assert connection.transport.written.startswith(b"HTTP/1.1 200 ")


async def test_a_new_connection_must_send_its_headers_in_time(connection: Connection) -> None:
    assert connection.loop.pending() == [HEADER]


async def test_a_request_in_one_packet_arms_nothing(connection: Connection) -> None:
    connection.protocol.data_received(GET)
    assert connection.loop.pending() == []
    await answered(connection)
    assert connection.loop.pending() == [KEEP_ALIVE]  # uvicorn's own, between requests


async def test_headers_late_get_408_and_the_connection_closes(connection: Connection) -> None:
    connection.protocol.data_received(GET)
    await answered(connection)
    connection.transport.written = b""
    connection.protocol.data_received(b"GET /health/live HTTP/1.1\r\nHo")
    assert connection.loop.pending() == [HEADER]  # counted from this request's first byte

    connection.loop.fire(HEADER)

    assert connection.transport.written == REQUEST_TIMEOUT
    assert connection.transport.closed


async def test_a_connection_that_never_sends_is_closed_without_an_answer(
    connection: Connection,
) -> None:
    connection.loop.fire(HEADER)
    assert connection.transport.closed
    assert connection.transport.written == b""


async def test_a_late_body_closes_the_connection(connection: Connection) -> None:
    connection.protocol.data_received(POST_HEAD + b"abc")
    assert connection.loop.pending() == [BODY]

    connection.loop.fire(BODY)

    assert connection.transport.closed
    assert REQUEST_TIMEOUT not in connection.transport.written


async def test_a_body_in_several_packets_keeps_one_deadline(connection: Connection) -> None:
    connection.protocol.data_received(POST_HEAD[:20])
    connection.protocol.data_received(POST_HEAD[20:] + b"abc")
    connection.protocol.data_received(b"defg")
    assert connection.loop.pending() == [BODY]
    connection.protocol.data_received(b"hij")
    assert connection.loop.pending() == []
    await answered(connection)
    assert not connection.transport.closed


async def test_a_closed_connection_leaves_no_timer(connection: Connection) -> None:
    connection.protocol.data_received(b"GET / HT")
    connection.protocol.connection_lost(None)
    assert connection.loop.pending() == []
