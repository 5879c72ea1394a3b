"""The one wrapper of ``send`` per HTTP request: what ``RequestContext`` learns and adds.

It records the status the client is sent (for the log line and the metrics), adds
``Server-Timing`` and ``X-Request-ID`` to the response, and, for a client that does not take
gzip, the ``Vary: Accept-Encoding`` that Starlette's ``GZipMiddleware`` would have added.

That last part is why gzip is not simply a middleware below this one: for a client without
``Accept-Encoding: gzip`` Starlette's middleware still buffers every response start, parses its
headers and builds a responder (normalising its list of excluded types each time), which cost
as much as everything else here together. Such requests skip it; this wrapper then applies the
same rule to ``Vary`` (a test compares both on every kind of response), and clients that take
gzip still go through Starlette's middleware.
"""

import time
from functools import lru_cache

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES
from starlette.types import Message, Send

_SERVER_TIMING = b"server-timing"
_REQUEST_ID = b"x-request-id"
_VARY = b"vary"
_START = "http.response.start"
_BODY = "http.response.body"
_PATHSEND = "http.response.pathsend"
_NOT_COMPRESSED = frozenset(
    media_type.partition(";")[0].strip().lower() for media_type in DEFAULT_EXCLUDED_CONTENT_TYPES
)


class Exchange:
    """One request's response as it passes on its way to the server."""

    __slots__ = ("downstream", "held", "raw_id", "request_id", "started", "status", "vary_from")

    def __init__(
        self, downstream: Send, raw_id: bytes, started: float, vary_from: int | None
    ) -> None:
        self.downstream = downstream
        self.raw_id = raw_id
        self.request_id = raw_id.decode("latin-1")
        self.started = started
        #: The status sent to the client; None until then, so that a crash before it can still
        #: be answered.
        self.status: int | None = None
        #: Body size from which the response says ``Vary: Accept-Encoding`` (None: never).
        self.vary_from = vary_from
        self.held: Message | None = None

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == _START:
            timing = b"app;dur=%.2f" % ((time.perf_counter() - self.started) * 1000)
            message = {
                **message,
                "headers": [
                    *message.get("headers", ()),
                    (_SERVER_TIMING, timing),
                    (_REQUEST_ID, self.raw_id),
                ],
            }
            if self.vary_from is not None and _compressible(message):
                self.held = message  # until the first body says how large the response is
                return
            self.status = message["status"]
        elif self.held is not None and kind in (_BODY, _PATHSEND):
            start, self.held = self.held, None
            if kind == _BODY and (
                message.get("more_body", False)
                or len(message.get("body", b"")) >= (self.vary_from or 0)
            ):
                _vary_on_encoding(start["headers"])
            self.status = start["status"]
            await self.downstream(start)
        await self.downstream(message)


def _vary_on_encoding(headers: list[tuple[bytes, bytes]]) -> None:
    """``Vary: Accept-Encoding``, appended to a ``Vary`` the response has (as Starlette's
    ``add_vary_header``), or as a header of its own without building a header map."""
    if any(name == _VARY for name, _ in headers):
        MutableHeaders(raw=headers).add_vary_header("Accept-Encoding")
    else:
        headers.append((_VARY, b"Accept-Encoding"))


def _compressible(start: Message) -> bool:
    """What ``GZipMiddleware`` would consider compressing: not already encoded, not a partial
    response, not a type it leaves alone (images, event streams…)."""
    if start["status"] == 206:
        return False
    content_type = None
    for name, value in start["headers"]:
        if name == b"content-encoding":
            return False
        if name == b"content-type" and content_type is None:
            content_type = value
    return _compressible_type(content_type or b"")


@lru_cache(maxsize=64)
def _compressible_type(content_type: bytes) -> bool:
    media_type = content_type.decode("latin-1").partition(";")[0].strip().lower()
    excluded = {media_type, media_type.partition("/")[0] + "/*"}
    if media_type.startswith("application/grpc+"):
        excluded.add("application/grpc")
    return excluded.isdisjoint(_NOT_COMPRESSED)
