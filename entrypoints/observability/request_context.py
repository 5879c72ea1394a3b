"""One pure-ASGI layer for what every HTTP request carries: its id, its timing and its log line.

* ``X-Request-ID``: the caller's, when it is a sane token (at most 128 of ``A-Za-z0-9._:-``),
  otherwise a new one; echoed on the response and kept in ``request_id`` for the log line and
  for the id quoted in a 500 problem. WebSocket sessions get one too.
* ``Server-Timing: app;dur=<ms>``, so clients and proxies can see where time goes.
* the request line of the structured log, written after the response (or the crash).

Three middlewares did this before (asgi-correlation-id, the request log and Server-Timing), each
wrapping ``send`` and walking the headers again; together they cost more than the rest of the
stack a cached GET goes through.
"""

import re
import time
from contextvars import ContextVar
from uuid import uuid4

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.observability.logs import log_request

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_KEY = REQUEST_ID_HEADER.lower().encode("latin-1")
_VALID_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

#: The id of the request being served (``None`` outside a request).
request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def _incoming_id(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == _REQUEST_ID_KEY:
            return value if _VALID_ID.fullmatch(value) else None
    return None


class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        raw_id = _incoming_id(scope) or uuid4().hex.encode("latin-1")
        the_id = raw_id.decode("latin-1")
        request_id.set(the_id)
        if kind == "websocket":
            await self.app(scope, receive, send)
            return
        scope.setdefault("state", {})  # shared with request.state, where auth puts the user
        started = time.perf_counter()
        status: int | None = None

        async def send_in_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                timing = f"app;dur={(time.perf_counter() - started) * 1000:.2f}"
                message = {
                    **message,
                    "headers": [
                        *message.get("headers", ()),
                        (b"server-timing", timing.encode("latin-1")),
                        (_REQUEST_ID_KEY, raw_id),
                    ],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_in_context)
        except Exception:
            log_request(scope, 500, started, the_id, exc_info=True)
            raise
        log_request(scope, status or 500, started, the_id)


def install_request_context(app: Starlette) -> None:
    app.add_middleware(RequestContext)
