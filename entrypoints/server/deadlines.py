"""Deadlines for slow clients, kept by the HTTP protocol of each connection (issue 12, item 5).

uvicorn closes a keep-alive connection that stays idle (``timeout_keep_alive``), but once a
request has begun it waits for the rest as long as the client likes: a client that sends one
header byte every few seconds, or its body just as slowly, holds a connection (and, for a body,
a running request) for ever, and a few hundred of them exhaust the process.

Each connection therefore has at most one timer, in the protocol, below the app:

* **head**: the request line and headers must be complete ``header_seconds`` after the first
  byte of the request (after the connection opened, for its first request); otherwise the client
  gets ``408 Request Timeout`` and the connection is closed (a new connection that never sent a
  byte is just closed);
* **body**: the body must be complete ``body_seconds`` after the headers; otherwise the
  connection is closed, and the app, if it is reading the body, sees the client disconnect.

A request that arrives in one piece starts no timer at all: one is armed only when a packet
leaves a request unfinished, so the cost for ordinary clients is a flag set per parser callback.

The class extends uvicorn's httptools protocol through httptools' parser callbacks
(``on_message_begin``, ``on_headers_complete``, ``on_message_complete``) and asyncio's protocol
methods; ``pyproject.toml`` pins uvicorn below the next minor version, and
``tests/integration/test_serve_process.py`` fails if a new uvicorn changes what this relies on.
"""

import asyncio
import enum
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

logger = logging.getLogger("inventory")

REQUEST_TIMEOUT = b"HTTP/1.1 408 Request Timeout\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"


@dataclass(frozen=True)
class ClientDeadlines:
    header_seconds: float
    body_seconds: float


class _Reading(enum.Enum):
    FIRST = "the first request"  # connection open, no byte yet
    HEAD = "request headers"
    BODY = "the request body"
    IDLE = "nothing"  # between requests: uvicorn's keep-alive timeout applies


class DeadlineHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the head and body deadlines described above."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
        *,
        deadlines: ClientDeadlines,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.deadlines = deadlines
        self._reading = _Reading.FIRST
        self._timer: asyncio.TimerHandle | None = None

    # -- asyncio's protocol ------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm(self.deadlines.header_seconds)

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        # After a WebSocket upgrade the connection belongs to another protocol.
        if (
            self._timer is None
            and self._reading is not _Reading.IDLE
            and self.transport.get_protocol() is self
        ):
            if self._reading is _Reading.BODY:
                self._arm(self.deadlines.body_seconds)
            else:
                self._arm(self.deadlines.header_seconds)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # -- httptools' parser callbacks ---------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading = _Reading.HEAD

    def on_headers_complete(self) -> None:
        self._disarm()
        self._reading = _Reading.BODY
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        self._reading = _Reading.IDLE
        super().on_message_complete()

    # -- the timer ---------------------------------------------------------------------------
    def _arm(self, seconds: float) -> None:
        self._timer = self.loop.call_later(seconds, self._expired, seconds)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _expired(self, seconds: float) -> None:
        self._timer = None
        if self.transport.is_closing():
            return
        waiting = self._reading
        if waiting is _Reading.HEAD and (self.cycle is None or self.cycle.response_complete):
            self.transport.write(REQUEST_TIMEOUT)
        if waiting is not _Reading.FIRST:
            client = "{}:{}".format(*self.client) if self.client else "a client"
            logger.info(
                "closed the connection of %s: %s not complete within %g s",
                client,
                waiting.value,
                seconds,
            )
        self.transport.close()


def protocol_with(deadlines: ClientDeadlines) -> "partial[DeadlineHttpToolsProtocol]":
    """What ``inventory serve`` gives uvicorn as its HTTP protocol (``http=``): uvicorn calls it
    like a class, once per connection; it pickles into worker processes (spawned, not forked)."""
    return partial(DeadlineHttpToolsProtocol, deadlines=deadlines)
