"""Small pure-ASGI middleware (no ``BaseHTTPMiddleware``: it costs a task per request).

Assembled outermost first by ``build_middleware``; CORS and trusted hosts only when configured.
"""

import re
from collections.abc import Callable

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from entrypoints.observability.request_context import RequestContext
from entrypoints.rest.errors import UnexpectedErrorMiddleware, problem
from entrypoints.rest.http import HeadAsGet
from entrypoints.settings import Settings

#: Room for the multipart envelope around an uploaded image (boundaries, part headers).
MULTIPART_OVERHEAD = 64 * 1024


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a body grows past its limit, chunked bodies included.

    An ``HTTPException`` so that FastAPI's body reading lets it through to the handlers."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body exceeds the limit of {limit} bytes")


class BodySizeLimit:
    """Refuses request bodies over a limit with 413, by ``Content-Length`` before reading and by
    counting the bytes as they arrive otherwise, so a chunked upload cannot slip past.

    ``limit_for`` picks the limit from the scope (image uploads get a larger one).
    """

    def __init__(self, app: ASGIApp, limit_for: Callable[[Scope], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            status = 413 if declared.isdigit() else 400
            detail = (
                BodyTooLarge(limit).detail if status == 413 else "Content-Length is not a number"
            )
            await problem(status, detail)(scope, receive, send)
            return
        received = 0
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge as exc:  # read outside a route (no handler saw it)
            if started:
                raise
            await problem(413, str(exc.detail))(scope, receive, send)


class TrustedHosts:
    """Answers 400 (as problem+json) to a ``Host`` that is not ours, so a hostile Host header
    can never reach the application; ``*.example.org`` matches any subdomain."""

    def __init__(self, app: ASGIApp, hosts: tuple[str, ...]) -> None:
        self.app = app
        self.exact = {h.lower() for h in hosts if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in hosts if h.startswith("*."))

    def allowed(self, host: str) -> bool:
        name = host.rsplit(":", 1)[0].lower() if not host.endswith("]") else host.lower()
        return name in self.exact or (bool(self.suffixes) and name.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            host = Headers(scope=scope).get("host", "")
            if not self.allowed(host):
                if scope["type"] == "websocket":
                    await send({"type": "websocket.close", "code": 1008})
                    return
                await problem(400, "invalid host header")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_middleware(settings: Settings, upload_path: str) -> list[Middleware]:
    uploads = re.compile(upload_path)

    def limit_for(scope: Scope) -> int:
        if scope["method"] == "PUT" and uploads.fullmatch(scope["path"]):
            return settings.max_image_bytes + MULTIPART_OVERHEAD
        return settings.max_request_bytes

    stack: list[Middleware] = []
    if settings.trusted_hosts:
        stack.append(Middleware(TrustedHosts, hosts=settings.trusted_hosts))
    if settings.cors_origins:
        stack.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(settings.cors_origins),
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=[
                    "Authorization",
                    "Content-Type",
                    "If-Match",
                    "If-None-Match",
                    "Idempotency-Key",
                    "X-Request-ID",
                ],
                expose_headers=["ETag", "Location", "Retry-After", "X-Request-ID", "Server-Timing"],
            )
        )
    stack += [
        Middleware(RequestContext),
        Middleware(HeadAsGet),  # outside GZip: HEAD gets the headers of the compressed GET
        Middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes),
        Middleware(UnexpectedErrorMiddleware),
        Middleware(BodySizeLimit, limit_for=limit_for),
    ]
    return stack
