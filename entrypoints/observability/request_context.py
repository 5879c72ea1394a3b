"""The one pure-ASGI middleware that watches HTTP responses, through one wrapper of ``send``.

For every HTTP request it keeps:

* ``X-Request-ID``: the caller's, when it is a sane token (at most 128 of ``A-Za-z0-9._:-``),
  otherwise a new UUID; echoed on the response and kept in ``request_id`` for the log line and
  the 500 problem. WebSocket sessions get one too.
* ``Server-Timing: app;dur=<ms>``, so clients and proxies can see where time goes.
* the Prometheus HTTP series (``HttpMetrics``) and the request line of the structured log.
* the request body limit (``body_limit`` picks it per request: image uploads get a larger
  one): 413 by ``Content-Length`` before the app runs (400 when it is not a number), and
  otherwise by counting the bytes as they arrive, so a chunked body cannot slip past (the
  server itself holds a body to its declared length).
* the last resort: an exception nobody handled becomes a 500 problem quoting the request id,
  logged once with its traceback on the request line, instead of a plain-text page.
* gzip: clients that take it go through Starlette's ``GZipMiddleware`` (see ``exchange``).

Five middlewares did this before, each wrapping ``send`` to learn the same status code; on a
route that does nothing they cost more than the route. FastAPI's own ``max_body_size`` is not
used: app-wide it wraps ``send`` and ``receive`` of every request (≈5 µs in-process, a sixth of
the bare route), answers a declared oversized body the route never reads in plain text, and
lets a malformed ``Content-Length`` through; per route (the image upload) it could only raise
a limit that a guard in front of the app must know anyway.
"""

import os
import re
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import Protocol

from starlette.exceptions import HTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.observability.exchange import Exchange
from entrypoints.observability.head_as_get import HeadAsGet
from entrypoints.observability.logs import log_request
from entrypoints.observability.metrics import HttpMetrics

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_CONTENT_LENGTH = b"content-length"
_ACCEPT_ENCODING = b"accept-encoding"
_VALID_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")
UNEXPECTED = "an unexpected error occurred; quote the request id when reporting it"

#: The id of the request being served (``None`` outside a request).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


class Problem(Protocol):
    """Renders an error response (``entrypoints.rest.errors.problem``)."""

    def __call__(self, status: int, detail: str, *, request_id: str = ...) -> ASGIApp: ...


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body grows past its limit.

    An ``HTTPException`` so that FastAPI's body reading lets it through to the exception
    handlers, which answer the same 413 problem as this middleware does."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds the limit of {limit} bytes")


class RequestIds:
    """New request ids: random (version 4) UUIDs as 32 hex digits, like ``uuid4().hex``.

    The random bytes come from ``os.urandom`` 256 ids at a time: a system call per request
    (what ``uuid4`` makes) measured as a few per cent of a route that does nothing.
    """

    __slots__ = ("offset", "pool")

    def __init__(self) -> None:
        self.pool = b""
        self.offset = 0

    def new(self) -> bytes:
        offset = self.offset
        if offset >= len(self.pool):
            self.pool, offset = os.urandom(16 * 256), 0
        self.offset = offset + 16
        raw = bytearray(self.pool[offset : offset + 16])
        raw[6] = raw[6] & 0x0F | 0x40
        raw[8] = raw[8] & 0x3F | 0x80
        return raw.hex().encode("latin-1")


class RequestContext:
    """``metrics`` None records nothing; ``body_limit`` None reads bodies of any size;
    ``problem`` None lets crashes through to the server (a bare ASGI app has no error format);
    ``gzip_min_bytes`` None compresses nothing, otherwise larger responses are gzipped for
    clients that accept it (Starlette's ``GZipMiddleware``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: HttpMetrics | None = None,
        body_limit: Callable[[Scope], int] | None = None,
        problem: Problem | None = None,
        gzip_min_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.ids = RequestIds()
        self.metrics = metrics
        self.body_limit = body_limit
        self.problem = problem
        self.gzip_min_bytes = gzip_min_bytes
        self.gzip_app = (
            None if gzip_min_bytes is None else GZipMiddleware(app, minimum_size=gzip_min_bytes)
        )
        self.head_app: ASGIApp = HeadAsGet(app)
        self.head_gzip_app: ASGIApp | None = (
            None if self.gzip_app is None else HeadAsGet(self.gzip_app)
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http":
            if kind == "websocket":
                request_id.set((_scan(scope["headers"])[0] or self.ids.new()).decode("latin-1"))
            await self.app(scope, receive, send)
            return
        raw_id, declared, takes_gzip = _scan(scope["headers"])
        head = scope["method"] == "HEAD"
        app = self.head_app if head else self.app
        vary_from = self.gzip_min_bytes
        if takes_gzip and self.gzip_app is not None and self.head_gzip_app is not None:
            # Starlette's middleware says Vary itself
            app, vary_from = (self.head_gzip_app if head else self.gzip_app), None
        exchange = Exchange(send, raw_id or self.ids.new(), time.perf_counter(), vary_from)
        request_id.set(exchange.request_id)
        scope.setdefault("state", {})  # shared with request.state, where auth puts the user
        try:
            await self._serve(app, scope, receive, exchange, declared)
        finally:
            if self.metrics is not None:
                route = scope.get("route")
                self.metrics.record(
                    scope["method"],
                    exchange.status or 500,
                    getattr(route, "path", None),
                    time.perf_counter() - exchange.started,
                )

    async def _serve(
        self,
        app: ASGIApp,
        scope: Scope,
        receive: Receive,
        exchange: Exchange,
        declared: bytes | None,
    ) -> None:
        the_id = exchange.request_id
        try:
            limit = None if self.body_limit is None else self.body_limit(scope)
            refusal = self._refusal(declared, limit)
            if refusal is not None:
                await refusal(scope, receive, exchange.send)
            else:
                await app(scope, _counting(receive, limit, declared), exchange.send)
        except Exception as error:
            if exchange.status is not None or self.problem is None:  # too late to answer
                log_request(scope, 500, exchange.started, the_id, exc_info=True)
                raise
            if isinstance(error, BodyTooLarge):  # read outside a route: no handler answered
                await self.problem(413, str(error.detail))(scope, receive, exchange.send)
            else:
                log_request(scope, 500, exchange.started, the_id, exc_info=True)
                await self.problem(500, UNEXPECTED, request_id=the_id)(
                    scope, receive, exchange.send
                )
                return
        log_request(scope, exchange.status or 500, exchange.started, the_id)

    def _refusal(self, declared: bytes | None, limit: int | None) -> ASGIApp | None:
        """A 400 or 413 answered before the app runs, from the declared ``Content-Length``."""
        if declared is None or limit is None or self.problem is None:
            return None
        if not declared.isdigit():
            return self.problem(400, "Content-Length is not a number")
        if int(declared) > limit:
            return self.problem(413, str(BodyTooLarge(limit).detail))
        return None


def _counting(receive: Receive, limit: int | None, declared: bytes | None) -> Receive:
    """``receive`` that raises ``BodyTooLarge`` once the body passes ``limit`` bytes; the
    server itself holds a body to a declared ``Content-Length`` (checked above)."""
    if limit is None or declared is not None:
        return receive
    received = 0

    async def counting_receive() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return counting_receive


def _scan(headers: list[tuple[bytes, bytes]]) -> tuple[bytes | None, bytes | None, bool]:
    """The caller's request id (when sane), the declared body length and whether the client
    takes gzip (as ``GZipMiddleware`` reads it: the first ``Accept-Encoding``), in one pass."""
    raw_id = declared = encodings = None
    for name, value in headers:
        if name == _REQUEST_ID_KEY:
            raw_id = value if _VALID_ID.fullmatch(value) else None
        elif name == _CONTENT_LENGTH:
            declared = value
        elif name == _ACCEPT_ENCODING and encodings is None:
            encodings = value
    return raw_id, declared, encodings is not None and b"gzip" in encodings
