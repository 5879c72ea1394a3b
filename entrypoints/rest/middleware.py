"""The middleware stack, pure ASGI (no ``BaseHTTPMiddleware``: it costs a task per request).

Assembled outermost first by ``build_middleware``: trusted hosts and CORS (only when configured,
outside everything else so that every answer, errors included, carries CORS headers), then the
one ``RequestContext`` that watches responses (request id, timing, metrics, log line, body
limit, last-resort 500) and hands clients that take gzip to Starlette's ``GZipMiddleware``.
"""

import re

from prometheus_client import CollectorRegistry
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.observability.metrics import http_metrics
from entrypoints.observability.request_context import RequestContext
from entrypoints.rest.errors import problem
from entrypoints.settings import Settings

#: Room for the multipart envelope around an uploaded image (boundaries, part headers).
MULTIPART_OVERHEAD = 64 * 1024


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


def build_middleware(
    settings: Settings, upload_path: str, registry: CollectorRegistry
) -> list[Middleware]:
    """``upload_path``: the pattern of the image upload route, whose body may be an image."""
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
    stack.append(
        Middleware(
            RequestContext,
            metrics=http_metrics(settings, registry),
            body_limit=limit_for,
            problem=problem,
            gzip_min_bytes=settings.gzip_min_bytes,
        )
    )
    return stack
